package zg.compute.sdk;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The result of {@code acknowledgeModel}: the downloaded encrypted model (always kept) and the acknowledgement.
 *
 * @param modelHash   0x keccak256 of the file
 * @param match       which root of the file equals the deliverable's root hash on chain, if any
 * @param warning     when neither does: the official SDK's warning text (the model is still acknowledged, as the
 *                    official does; decrypt-model checks the provider's signature over the file)
 * @param transaction the acknowledgement sent, empty when the deliverable was already acknowledged
 */
public record AcknowledgedModel(Path path, String modelHash, RootMatch match, Optional<String> warning,
        Optional<TxResult> transaction) {

    /**
     * Official providers commit either keccak256 of the encrypted file or, when they upload it to 0G Storage,
     * its storage merkle root.
     */
    public enum RootMatch { KECCAK256, STORAGE_ROOT, NONE }
}
