package zg.compute.protocol.finetuning;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import org.web3j.utils.Numeric;

/**
 * A deliverable's {@code modelRootHash} (fine-tuning.md §1.8, §2.5) and whether a model file matches it: one raw
 * 32-byte root that is keccak256 of the file or its 0G Storage root ({@link StorageRoot}). Used by the user's side
 * (acknowledge: a mismatch is a warning) and the inference provider's (LoRA: a mismatch refuses the adapter).
 */
public final class ModelRoot {

    public enum Match { KECCAK256, STORAGE_ROOT, NONE }

    /** @param storageRoot the file's 0G Storage root, computed only when keccak256 did not match */
    public record Check(String expected, String keccak256, Optional<String> storageRoot, Match match) {
    }

    private ModelRoot() {
    }

    /**
     * The on-chain value as text: {@code 0x} + 64 hex digits for a raw root; older providers stored the ASCII of a
     * comma-separated list of {@code 0x…} roots, shown as is.
     */
    public static String text(byte[] modelRootHash) {
        if (modelRootHash.length == 32) {
            return Numeric.toHexString(modelRootHash);
        }
        String ascii = new String(modelRootHash, StandardCharsets.US_ASCII);
        return ascii.matches("0x[0-9a-fA-F]+(,0x[0-9a-fA-F]+)*") ? ascii : Numeric.toHexString(modelRootHash);
    }

    public static Check check(Path file, byte[] modelRootHash) throws IOException {
        String expected = text(modelRootHash);
        String keccak = FileDigest.keccak256(file);
        if (keccak.equalsIgnoreCase(expected)) {
            return new Check(expected, keccak, Optional.empty(), Match.KECCAK256);
        }
        Optional<String> storage = StorageRoot.of(file);
        boolean stored = storage.isPresent() && storage.get().equalsIgnoreCase(expected);
        return new Check(expected, keccak, storage, stored ? Match.STORAGE_ROOT : Match.NONE);
    }
}
