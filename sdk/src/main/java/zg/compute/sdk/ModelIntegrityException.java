package zg.compute.sdk;

/**
 * A downloaded model is not the one the provider committed to on chain (its keccak256 differs from the
 * deliverable's root hash). The file is deleted and nothing is acknowledged.
 */
public class ModelIntegrityException extends ZGComputeException {

    public ModelIntegrityException(String message) {
        super(message);
    }
}
