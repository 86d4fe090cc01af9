package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code completion bash|zsh}: a script real bash loads and completes commands and options with. */
class CompletionTest {

    @Test
    void bashCompletesCommandsAndOptions(@TempDir Path home) throws Exception {
        CliRunner cli = new CliRunner(home);
        CliRunner.Result r = cli.run("completion", "bash");
        assertThat(r.exit()).as(r.toString()).isZero();
        Path script = home.resolve("completion.bash");
        Files.writeString(script, r.out());

        assertThat(complete(script, "0g-compute-cli get-acc")).isEqualTo("get-account");
        assertThat(complete(script, "0g-compute-cli inference list-prov")).contains("list-providers")
                .contains("list-providers-detail");
        assertThat(complete(script, "0g-compute-cli deposit --amo")).isEqualTo("--amount");
        // owner commands stay hidden, as in the official CLI
        assertThat(complete(script, "0g-compute-cli inference ack-")).isEmpty();

        r = cli.run("completion", "zsh");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("autoload -U +X compinit").contains("bashcompinit").contains("get-account");

        r = cli.run("completion", "fish");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("Unsupported shell \"fish\": use bash or zsh.");
    }

    /** What bash's completion offers for {@code line} (the last word being completed). */
    private static String complete(Path script, String line) throws Exception {
        String words = line.endsWith(" ") ? line + "''" : line;
        String cmd = "source '" + script + "'; COMP_LINE='" + line + "'; COMP_WORDS=(" + words + "); "
                + "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMP_POINT=${#COMP_LINE}; "
                + "$(complete -p 0g-compute-cli | sed -E 's/.*-F ([^ ]+).*/\\1/'); echo \"${COMPREPLY[*]}\"";
        Process p = new ProcessBuilder("bash", "-c", cmd).redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out;
    }
}
