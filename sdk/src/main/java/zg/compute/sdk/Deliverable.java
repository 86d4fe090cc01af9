package zg.compute.sdk;

import java.math.BigInteger;
import zg.compute.protocol.finetuning.ModelRoot;

/**
 * A fine-tuning result the provider recorded on chain for one task id. {@code encryptedSecret} is empty
 * until the provider settles an acknowledged deliverable; then it holds the model key, ECIES-encrypted to
 * the user's public key.
 *
 * @param timestamp chain seconds when the provider added it
 */
public record Deliverable(String id, byte[] modelRootHash, byte[] encryptedSecret, boolean acknowledged,
        BigInteger timestamp, boolean settled) {

    public Deliverable {
        modelRootHash = modelRootHash.clone();
        encryptedSecret = encryptedSecret.clone();
    }

    @Override
    public byte[] modelRootHash() {
        return modelRootHash.clone();
    }

    @Override
    public byte[] encryptedSecret() {
        return encryptedSecret.clone();
    }

    public boolean hasEncryptedSecret() {
        return encryptedSecret.length > 0;
    }

    /**
     * The root hash as text: one raw 32-byte root (fine-tuning.md §2.5) as {@code 0x} + hex; older providers
     * stored the ASCII of a comma-separated list of {@code 0x…} roots, shown as is.
     */
    public String modelRootHashText() {
        return ModelRoot.text(modelRootHash);
    }
}
