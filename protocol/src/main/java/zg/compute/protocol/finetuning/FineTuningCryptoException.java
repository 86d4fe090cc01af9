package zg.compute.protocol.finetuning;

/**
 * A fine-tuning payload that cannot be opened or trusted: a malformed or forged ECIES secret, a
 * corrupted or truncated model file, a wrong key, or a tag signature from someone other than the
 * provider's TEE signer. The message says which.
 */
public final class FineTuningCryptoException extends RuntimeException {

    public FineTuningCryptoException(String message) {
        super(message);
    }

    public FineTuningCryptoException(String message, Throwable cause) {
        super(message, cause);
    }
}
