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

    /** e.g. {@code LedgerNotExists}; {@code Error} for string reasons; {@code null} if undecodable. */
    public String errorName() {
        return errorName;
    }

    /** Decoded arguments: BigInteger for integers, lower-case 0x String for addresses. */
    public List<Object> args() {
        return args;
    }
}
