package zg.compute.protocol.contracts;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A revert payload turned back into what the contract said: a custom error such as
 * {@code MinimumDepositRequired(1000000000000000000, 3000000000000000000)}, a string reason
 * ({@code Error(string)}, e.g. OpenZeppelin's "Ownable: caller is not the owner") or a panic code.
 *
 * @param name      error name, {@code "Error"} for string reasons, {@code "Panic"} for panics,
 *                  {@code null} when the selector is unknown
 * @param signature canonical signature, e.g. {@code LedgerNotExists(address)}
 * @param args      decoded arguments: {@code BigInteger} for integers, checksummed-free lower-case
 *                  {@code String} for addresses, {@code String} for strings, {@code byte[]} for bytes,
 *                  {@code Boolean}, or {@code List} for arrays
 * @param data      the raw payload (0x-prefixed hex)
 */
public record DecodedRevert(String name, String signature, List<Object> args, String data) {

    public DecodedRevert {
        args = List.copyOf(args);
    }

    public boolean isKnown() {
        return name != null;
    }

    /** The reason string of an {@code Error(string)} revert, else {@code null}. */
    public String reason() {
        return "Error".equals(name) && !args.isEmpty() ? (String) args.get(0) : null;
    }

    @Override
    public String toString() {
        if (name == null) {
            return "unknown revert " + (data == null || data.equals("0x") ? "(no data)" : data);
        }
        return name + "(" + args.stream().map(DecodedRevert::render).collect(Collectors.joining(", ")) + ")";
    }

    private static String render(Object o) {
        if (o instanceof String s && !s.startsWith("0x")) {
            return '"' + s + '"';
        }
        if (o instanceof byte[] b) {
            return org.web3j.utils.Numeric.toHexString(b);
        }
        return String.valueOf(o);
    }
}
