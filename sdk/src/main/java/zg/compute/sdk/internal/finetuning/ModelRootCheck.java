package zg.compute.sdk.internal.finetuning;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import zg.compute.protocol.finetuning.ModelRoot;
import zg.compute.sdk.AcknowledgedModel.RootMatch;

/**
 * Compares a downloaded model with the deliverable's {@code modelRootHash} ({@link ModelRoot}). A mismatch is a
 * warning, as in the official SDK, never a reason to drop the file.
 */
public final class ModelRootCheck {

    public record Result(String keccak256, RootMatch match, Optional<String> warning) {
    }

    private ModelRootCheck() {
    }

    public static Result check(String taskId, Path file, byte[] modelRootHash) throws IOException {
        ModelRoot.Check c = ModelRoot.check(file, modelRootHash);
        return switch (c.match()) {
            case KECCAK256 -> new Result(c.keccak256(), RootMatch.KECCAK256, Optional.empty());
            case STORAGE_ROOT -> new Result(c.keccak256(), RootMatch.STORAGE_ROOT, Optional.empty());
            case NONE -> new Result(c.keccak256(), RootMatch.NONE, Optional.of("Hash mismatch for task " + taskId
                    + ": expected " + c.expected() + ", got " + c.keccak256()
                    + c.storageRoot().map(s -> " (0G Storage root " + s + ")").orElse("")));
        };
    }
}
