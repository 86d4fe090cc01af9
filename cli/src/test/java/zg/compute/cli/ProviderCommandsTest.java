package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `provider init` and the config errors of `provider start`, through the real command tree. */
class ProviderCommandsTest {

    @Test
    void initWritesTheStarterConfigOnceAndNeverOverwrites(@TempDir Path home) throws Exception {
        CliRunner cli = new CliRunner(home);
        CliRunner.Result r = cli.run("provider", "init", "my-provider.yaml");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("provider start --config my-provider.yaml");
        String written = Files.readString(home.resolve("my-provider.yaml"));
        assertThat(written).contains("chain:").contains("service:");

        Files.writeString(home.resolve("my-provider.yaml"), "edited: by hand\n");
        r = cli.run("provider", "init", "my-provider.yaml");
        KeysAndConfigTest.assertFriendlyFailure(r, "already exists; not overwriting it");
        assertThat(Files.readString(home.resolve("my-provider.yaml"))).isEqualTo("edited: by hand\n");
    }

    @Test
    void initWritesTheFineTuningStarterConfig(@TempDir Path home) throws Exception {
        CliRunner cli = new CliRunner(home);
        CliRunner.Result r = cli.run("provider", "init", "--fine-tuning", "ft.yaml");
        assertThat(r.exit()).as(r.toString()).isZero();
        String written = Files.readString(home.resolve("ft.yaml"));
        assertThat(written).contains("fineTuning:").contains("fineTuningContract:").doesNotContain("service:");
    }

    @Test
    void startTakesTheFineTuningConfigThatInitWrites(@TempDir Path home) throws Exception {
        CliRunner cli = new CliRunner(home);
        assertThat(cli.run("provider", "init", "--fine-tuning", "ft.yaml").exit()).isZero();
        // no provider key in this environment: the fine-tuning config is read (not refused as an inference
        // broker's with unknown keys) and start stops at the first thing it needs from outside the file
        CliRunner.Result r = cli.run("provider", "start", "--config", "ft.yaml");
        assertThat(r.exit()).as(r.toString()).isNotZero();
        assertThat(r.err()).doesNotContain("unknown key").doesNotContain("\tat ");
    }

    @Test
    void startNamesTheBadConfigKeyWithoutAStackTrace(@TempDir Path home) throws Exception {
        CliRunner cli = new CliRunner(home);
        assertThat(cli.run("provider", "init").exit()).isZero();
        Path config = home.resolve("provider.yaml");
        Files.writeString(config, Files.readString(config) + "\nbogusTopLevelKey: 1\n");
        CliRunner.Result r = cli.run("provider", "start", "--config", "provider.yaml");
        KeysAndConfigTest.assertFriendlyFailure(r, "bogusTopLevelKey");

        r = cli.run("provider", "start", "--config", "missing.yaml");
        assertThat(r.exit()).as(r.toString()).isNotZero();
        assertThat(r.err()).contains("missing.yaml").doesNotContain("\tat ");
    }

    @Test
    void startReadsTheFineTuningConfigThatInitWrites(@TempDir Path home) throws Exception {
        CliRunner cli = new CliRunner(home);
        assertThat(cli.run("provider", "init", "--fine-tuning", "ft.yaml").exit()).isZero();
        Path config = home.resolve("ft.yaml");
        // a typo in the fine-tuning section: the fine-tuning parser must be the one that reads the file
        Files.writeString(config, Files.readString(config).replace("fineTuning:", "fineTuning:\n  bogusFtKey: 1"));
        CliRunner.Result r = cli.run("provider", "start", "--config", "ft.yaml");
        KeysAndConfigTest.assertFriendlyFailure(r, "fineTuning.bogusFtKey");
        assertThat(r.err()).doesNotContain("chain.fineTuningContract");
    }
}
