package zg.compute.sdk;

/**
 * A fine-tuned model that cannot be decrypted or trusted: the model key does not open, the file is
 * truncated or corrupted, or it was not signed by the provider's TEE signer. No output file is left.
 */
public class ModelDecryptionException extends ZGComputeException {

    public ModelDecryptionException(String message, Throwable cause) {
        super(message, cause);
    }
}
