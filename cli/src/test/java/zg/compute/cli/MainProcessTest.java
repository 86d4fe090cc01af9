package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@link Main} in its own JVM, as the launcher runs it: process exit codes, and that stderr holds
 * only the friendly line (no logging set-up noise, no stack trace, no key).
 */
class MainProcessTest {

    private static final String KEY = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";

    record Run(int exit, String out, String err) {
    }

    private static Run main(Path home, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                "zg.compute.cli.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(home.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("ZG_") || k.endsWith("PRIVATE_KEY") || k.contains("RPC"));
        pb.environment().put("ZG_CONFIG_DIR", home.resolve("cfg").toString());
        pb.environment().putAll(env);
        File out = home.resolve("out.txt").toFile();
        File err = home.resolve("err.txt").toFile();
        Process p = pb.redirectOutput(out).redirectError(err).redirectInput(ProcessBuilder.Redirect.from(
                new File("/dev/null"))).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), java.nio.file.Files.readString(out.toPath(), StandardCharsets.UTF_8),
                java.nio.file.Files.readString(err.toPath(), StandardCharsets.UTF_8));
    }

    @Test
    void exitCodesAndCleanStderr(@TempDir Path home) throws Exception {
        Run r = main(home, Map.of(), "--version");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("0g-compute-cli ");

        r = main(home, Map.of(), "status");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("⚠ Not logged in");
        assertThat(r.err()).isEmpty();

        r = main(home, Map.of("ZG_PRIVATE_KEY", KEY), "get-account", "--rpc", "http://127.0.0.1:9");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().lines().toList()).hasSize(1).first().asString().startsWith("✗ Operation failed: ");
        assertThat(r.err()).doesNotContain(KEY);

        // No terminal: login cannot prompt and says what to do instead of hanging.
        r = main(home, Map.of(), "login");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("set ZG_PRIVATE_KEY");

        r = main(home, Map.of(), "deposit");
        assertThat(r.exit()).isEqualTo(2);
    }
}
