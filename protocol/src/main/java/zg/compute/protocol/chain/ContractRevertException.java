package zg.compute.protocol.chain;

import zg.compute.protocol.contracts.DecodedRevert;

/** A call or transaction that the contract rejected; {@link #revert()} says with which error. */
public class ContractRevertException extends RuntimeException {

    private final DecodedRevert revert;

    public ContractRevertException(DecodedRevert revert, String rpcMessage) {
        super("execution reverted: " + revert + (revert.isKnown() || rpcMessage == null ? "" : " (" + rpcMessage + ")"));
        this.revert = revert;
    }

    public DecodedRevert revert() {
        return revert;
    }

    /** The custom error name, e.g. {@code LedgerNotExists}; {@code Error} for string reasons. */
    public String errorName() {
        return revert.name();
    }
}
