package zg.compute.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;

/**
 * Everything a command may touch outside itself, injected so tests run commands in-process with their own
 * environment, directories, streams and prompt answers.
 *
 * @param env      environment variables (never {@code System.getenv()} directly inside commands)
 * @param homeDir  the user's home; the config dir defaults to {@code <home>/.0g-compute-cli}
 * @param workDir  where relative paths and {@code ./devnet.json} are resolved
 * @param repoDir  the checkout the launcher runs from (another place to look for devnet.json), or null
 * @param out      normal output
 * @param err      errors and warnings
 * @param prompter questions to a person; non-interactive when there is no terminal
 */
public record CliContext(Map<String, String> env, Path homeDir, Path workDir, Path repoDir, PrintWriter out,
        PrintWriter err, Prompter prompter) {

    public CliContext {
        env = Map.copyOf(env);
    }

    /** An environment variable, or null when unset or blank. */
    public String envValue(String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? null : v;
    }

    /** {@code ZG_CONFIG_DIR}, else {@code <home>/.0g-compute-cli}. */
    public Path configDir() {
        String dir = envValue("ZG_CONFIG_DIR");
        return dir != null ? workDir.resolve(dir) : homeDir.resolve(".0g-compute-cli");
    }

    public Path resolve(String path) {
        return workDir.resolve(path).normalize();
    }
}
