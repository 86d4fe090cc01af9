package zg.compute.protocol;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the read-only shared spec folder (official ABIs, vectors) next to the checkout. */
public final class SharedSpec {

    private SharedSpec() {
    }

    public static Path dir() {
        String configured = System.getProperty("zg.shared.dir");
        Path p = configured != null ? Path.of(configured) : Path.of("..", "..", "shared");
        Path spec = p.resolve("spec").normalize().toAbsolutePath();
        if (!Files.isDirectory(spec)) {
            throw new IllegalStateException("shared spec not found at " + spec + " (set -Dzg.shared.dir)");
        }
        return spec;
    }

    public static Path file(String relative) {
        return dir().resolve(relative);
    }
}
