package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built distribution (target/dist: launcher + lib/) copied somewhere else runs from there, from another
 * working directory and through a symlink on the PATH: nothing in it points back into the tree that built it.
 */
class DistributionIT {

    record Run(int exit, String out, String err) {
    }

    @Test
    void aCopiedDistributionRunsFromAnywhere(@TempDir Path tmp) throws Exception {
        Path dist = Path.of("target", "dist").toAbsolutePath();
        assertThat(dist.resolve("0g-compute-cli")).isExecutable();
        Path copy = tmp.resolve("somewhere else").resolve("0g-compute-cli");
        copyTree(dist, copy);
        Path cwd = Files.createDirectories(tmp.resolve("cwd"));

        Run version = run(cwd, List.of(copy.resolve("0g-compute-cli").toString(), "--version"));
        assertThat(version.exit()).as(version.toString()).isZero();
        assertThat(version.out()).startsWith("0g-compute-cli 0.1.0");
        assertThat(version.err()).isEmpty();
        // the first run made the class-data archive for this folder; the next run maps it and says nothing about it
        assertThat(copy.resolve("lib/0g-compute-cli.jsa")).exists();

        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("0g-compute-cli"), copy.resolve("0g-compute-cli"));
        Run help = run(cwd, List.of("bash", "-c", "PATH=\"" + bin + ":$PATH\" 0g-compute-cli --help"));
        assertThat(help.exit()).as(help.toString()).isZero();
        assertThat(help.out()).contains("Usage: 0g-compute-cli").contains("inference");
        assertThat(help.err()).isEmpty();
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (f.getFileName().toString().startsWith("0g-compute-cli.jsa")) {
                    continue; // made for the original folder
                }
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    private static Run run(Path cwd, List<String> cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("ZG_"));
        pb.environment().put("ZG_CONFIG_DIR", cwd.resolve("cfg").toString());
        File out = cwd.resolve("out.txt").toFile();
        File err = cwd.resolve("err.txt").toFile();
        Process p = pb.redirectOutput(out).redirectError(err).redirectInput(ProcessBuilder.Redirect.from(
                new File("/dev/null"))).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), Files.readString(out.toPath(), StandardCharsets.UTF_8),
                Files.readString(err.toPath(), StandardCharsets.UTF_8));
    }
}
