package zg.compute.sdk;

/** A transaction was sent but did not succeed: reverted on chain or no receipt within the timeout. */
public class TransactionFailedException extends ZGComputeException {

    private final String transactionHash;

    public TransactionFailedException(String message, String transactionHash) {
        super(message);
        this.transactionHash = transactionHash;
    }

    /** Hash of the transaction that was sent, so the caller can keep following it. */
    public String transactionHash() {
        return transactionHash;
    }
}
