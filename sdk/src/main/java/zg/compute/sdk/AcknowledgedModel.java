package zg.compute.sdk;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The result of {@code acknowledgeModel}: the verified encrypted model on disk and the acknowledgement.
 *
 * @param modelHash   0x keccak256 of the file, equal to the deliverable's root hash
 * @param transaction the acknowledgement sent, empty when the deliverable was already acknowledged
 */
public record AcknowledgedModel(Path path, String modelHash, Optional<TxResult> transaction) {
}
