package zg.compute.devnet.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.web3j.crypto.Credentials;
import zg.compute.protocol.chain.ContractRevertException;
import zg.compute.protocol.contracts.DecodedRevert;

/** Runs a contract call that must revert and hands back the decoded error. */
public final class Reverts {

    private Reverts() {
    }

    public static DecodedRevert revertOf(Callable<?> call) {
        try {
            Object result = call.call();
            return fail("expected a revert, but the call returned " + result);
        } catch (ContractRevertException e) {
            return e.revert();
        } catch (Exception e) {
            return fail("expected a contract revert, got " + e, e);
        }
    }

    /**
     * Asserts that {@code call} reverts with exactly {@code name(args...)} and returns the decoded revert.
     * Credentials and 0x addresses compare as lower-case addresses, ints and longs as uint256 values.
     */
    public static DecodedRevert assertRevert(Callable<?> call, String name, Object... args) {
        DecodedRevert r = revertOf(call);
        assertThat(r.name()).as("error name of %s", r).isEqualTo(name);
        assertThat(r.args()).as("error arguments of %s", r)
                .containsExactlyElementsOf(Arrays.stream(args).map(Reverts::normalize).toList());
        return r;
    }

    /** Asserts an OpenZeppelin string revert ({@code Error(string)}) with exactly {@code reason}. */
    public static DecodedRevert assertReason(Callable<?> call, String reason) {
        DecodedRevert r = revertOf(call);
        assertThat(r.name()).as("revert %s", r).isEqualTo("Error");
        assertThat(r.reason()).isEqualTo(reason);
        return r;
    }

    private static Object normalize(Object o) {
        if (o instanceof Credentials c) {
            return c.getAddress().toLowerCase(Locale.ROOT);
        }
        if (o instanceof Integer i) {
            return BigInteger.valueOf(i);
        }
        if (o instanceof Long l) {
            return BigInteger.valueOf(l);
        }
        if (o instanceof String s && s.startsWith("0x") && s.length() == 42) {
            return s.toLowerCase(Locale.ROOT);
        }
        return o;
    }
}
