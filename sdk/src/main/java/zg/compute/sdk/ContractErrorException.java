package zg.compute.sdk;

import java.util.List;

/** A contract rejected a call or transaction; {@link #errorName()} is the Solidity custom error. */
public class ContractErrorException extends ZGComputeException {

    private final String errorName;
    private final List<Object> args;

    public ContractErrorException(String message, String errorName, List<Object> args, Throwable cause) {
        super(message, cause);
        this.errorName = errorName;
        this.args = List.copyOf(args);
    }

    /**
     * The SDK's plain-words form of a revert raised by the raw contract bindings, for callers that
     * send a transaction the SDK has no method for (e.g. provider-owner calls).
     */
    public static ContractErrorException from(zg.compute.protocol.chain.ContractRevertException revert) {
        return new ContractErrorException(zg.compute.sdk.internal.chain.FriendlyErrors.forRevert(revert.revert()),
                revert.revert().name(), revert.revert().args(), revert);
    }

    /** e.g. {@code LedgerNotExists}; {@code Error} for string reasons; {@code null} if undecodable. */
    public String errorName() {
        return errorName;
    }

    /** Decoded arguments: BigInteger for integers, lower-case 0x String for addresses. */
    public List<Object> args() {
        return args;
    }
}
