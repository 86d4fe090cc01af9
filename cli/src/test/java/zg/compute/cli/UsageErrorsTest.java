package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A mistyped command or option is named with a suggestion in two lines, exit 2; no wall of usage text. */
class UsageErrorsTest {

    @Test
    void mistypedOptionsAndCommandsAreNamedWithASuggestion(@TempDir Path home) {
        CliRunner cli = new CliRunner(home);

        CliRunner.Result r = cli.run("deposit", "--amout", "5");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().lines().toList()).containsExactly(
                "✗ Unknown option: '--amout' — did you mean --amount?",
                "Run \"0g-compute-cli deposit --help\" for the usage.");

        r = cli.run("get-acount");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().lines().toList()).hasSize(2).first().asString()
                .contains("'get-acount'").contains("did you mean get-account");

        r = cli.run("inference", "list-provider");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().lines().toList()).hasSize(2).first().asString().contains("did you mean list-providers");
        assertThat(r.err()).contains("Run \"0g-compute-cli inference --help\"");

        r = cli.run("deposit");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().lines().toList()).hasSize(2).first().asString()
                .startsWith("✗ Missing required option: '--amount=<0G>'");
    }
}
