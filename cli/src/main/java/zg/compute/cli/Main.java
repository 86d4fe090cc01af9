package zg.compute.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import zg.compute.cli.internal.output.CliLogging;

/** {@code 0g-compute-cli}: wires the real environment, terminal and streams into {@link Root}. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        // Our own logging setup (CliLogging), not the logback.xml the devnet and provider jars bring; an explicit
        // -Dlogback.configurationFile still wins.
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty(CliLogging.PROPERTY, "true");
        }
        // The repository the launcher runs from (devnet commands find anvil under it); the distribution's own
        // launcher takes it from the environment, as JVM options are its own.
        String repo = System.getProperty("zg.repo.dir");
        if (repo == null && System.getenv("ZG_REPO_DIR") != null && !System.getenv("ZG_REPO_DIR").isBlank()) {
            repo = System.getenv("ZG_REPO_DIR");
            System.setProperty("zg.repo.dir", repo);
        }
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        CliContext ctx = new CliContext(System.getenv(), Path.of(System.getProperty("user.home")),
                Path.of("").toAbsolutePath(), repo == null ? null : Path.of(repo), out, err,
                new ConsolePrompter(System.console()));
        int code = Root.run(ctx, args);
        out.flush();
        err.flush();
        System.exit(code);
    }
}
