package zg.compute.devnet;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Finds the anvil executable that npm {@code @foundry-rs/anvil} installed. The platform binary is
 * used directly (not the node wrapper) so that stopping the process really stops the chain.
 * Order: {@code ZG_ANVIL} env / {@code zg.anvil} property, then {@code contracts/node_modules} in the
 * repository (walking up from the working directory or {@code zg.repo.dir}).
 */
public final class AnvilBinary {

    private AnvilBinary() {
    }

    public static Path locate() {
        String explicit = Optional.ofNullable(System.getProperty("zg.anvil")).orElse(System.getenv("ZG_ANVIL"));
        if (explicit != null && !explicit.isBlank()) {
            Path p = Path.of(explicit);
            if (!Files.isExecutable(p)) {
                throw new IllegalStateException("ZG_ANVIL points to " + p + ", which is not an executable file");
            }
            return p;
        }
        String relative = "contracts/node_modules/@foundry-rs/anvil-" + platform() + "/bin/anvil";
        for (Path start : startDirs()) {
            for (Path dir = start.toAbsolutePath(); dir != null; dir = dir.getParent()) {
                Path candidate = dir.resolve(relative);
                if (Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        throw new IllegalStateException("anvil not found: run `npm ci` in contracts/ (it installs "
                + "@foundry-rs/anvil) or set ZG_ANVIL to an anvil executable");
    }

    private static Path[] startDirs() {
        String repo = System.getProperty("zg.repo.dir");
        Path cwd = Path.of("").toAbsolutePath();
        return repo == null ? new Path[] {cwd} : new Path[] {Path.of(repo), cwd};
    }

    private static String platform() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String o = os.contains("mac") ? "darwin" : os.contains("win") ? "win32" : "linux";
        String a = arch.contains("aarch64") || arch.contains("arm64") ? "arm64" : "amd64";
        return o + "-" + a;
    }
}
