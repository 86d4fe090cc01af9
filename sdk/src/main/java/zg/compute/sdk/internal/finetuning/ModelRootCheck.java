package zg.compute.sdk.internal.finetuning;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import zg.compute.protocol.finetuning.FileDigest;
import zg.compute.protocol.finetuning.StorageRoot;
import zg.compute.sdk.AcknowledgedModel.RootMatch;
import zg.compute.sdk.Deliverable;

/**
 * Compares a downloaded model with the deliverable's {@code modelRootHash} (fine-tuning.md §1.8, §2.5): one raw
 * 32-byte root that is keccak256 of the file or its 0G Storage root (older providers wrote the ASCII text
 * {@code 0x…}, read too). A mismatch is a warning, as in the official SDK, never a reason to drop the file.
 */
public final class ModelRootCheck {

    public record Result(String keccak256, RootMatch match, Optional<String> warning) {
    }

    private ModelRootCheck() {
    }

    public static Result check(String taskId, Path file, byte[] modelRootHash) throws IOException {
        String expected = new Deliverable("", modelRootHash, new byte[0], false, java.math.BigInteger.ZERO, false)
                .modelRootHashText();
        String keccak = FileDigest.keccak256(file);
        if (keccak.equalsIgnoreCase(expected)) {
            return new Result(keccak, RootMatch.KECCAK256, Optional.empty());
        }
        Optional<String> storage = StorageRoot.of(file);
        if (storage.isPresent() && storage.get().equalsIgnoreCase(expected)) {
            return new Result(keccak, RootMatch.STORAGE_ROOT, Optional.empty());
        }
        return new Result(keccak, RootMatch.NONE, Optional.of("Hash mismatch for task " + taskId + ": expected "
                + expected + ", got " + keccak + storage.map(s -> " (0G Storage root " + s + ")").orElse("")));
    }
}
