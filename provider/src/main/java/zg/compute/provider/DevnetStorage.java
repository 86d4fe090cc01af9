package zg.compute.provider;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.regex.Pattern;
import zg.compute.protocol.finetuning.StorageRoot;

/**
 * A STAND-IN for 0G Storage on the devnet: a directory shared by the fine-tuning and inference providers, one file
 * per object named by its real 0G Storage merkle root ({@link StorageRoot}), checked again on every read so a
 * tampered object is refused as 0G Storage's proof check would refuse it.
 */
public final class DevnetStorage implements ModelStorage {

    private static final Pattern ROOT = Pattern.compile("0x[0-9a-f]{64}");
    private final Path dir;

    public DevnetStorage(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
    }

    public Path dir() {
        return dir;
    }

    @Override
    public String put(Path file) throws IOException {
        String root = StorageRoot.of(file).orElseThrow(() -> new IOException("cannot store an empty file"));
        Path tmp = Files.createTempFile(dir, "put-", ".tmp");
        Files.copy(file, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, object(root), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return root;
    }

    @Override
    public void get(String root, Path out) throws IOException {
        String r = root == null ? "" : root.toLowerCase(Locale.ROOT);
        if (!ROOT.matcher(r).matches()) {
            throw new IOException("invalid storage root " + root);
        }
        Path object = object(r);
        if (!Files.isRegularFile(object)) {
            throw new IOException("storage object " + r + " not found");
        }
        Files.copy(object, out, StandardCopyOption.REPLACE_EXISTING);
        String actual = StorageRoot.of(out).orElse("");
        if (!actual.equalsIgnoreCase(r)) {
            Files.deleteIfExists(out);
            throw new IOException("storage object " + r + " does not match its root (got " + actual + ")");
        }
    }

    /** Where the object of {@code root} lives (tests tamper with it). */
    public Path object(String root) {
        return dir.resolve(root.toLowerCase(Locale.ROOT));
    }
}
