package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static zg.compute.cli.KeysAndConfigTest.assertFriendlyFailure;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;

/** What the fine-tuning task commands refuse before reaching a provider. */
@ExtendWith(DevnetExtension.class)
class FineTuningTaskArgumentsCliTest {

    @Test
    void refusedArgumentsGetClearErrors(Devnet d, @TempDir Path home) throws Exception {
        CliRunner cli = CliFixtures.runnerFor(d, home, d.account(1));
        String p = d.account(2).getAddress();
        Path params = Files.writeString(home.resolve("params.json"), "{}");

        CliRunner.Result r = cli.run("ft", "create-task", "--provider", p, "--model", "mock-model", "--config-path",
                params.toString(), "--dataset", "0x01", "--dataset-path", params.toString());
        assertThat(r.exit()).as(r.toString()).isNotZero();
        assertThat(r.err()).contains("mutually exclusive");
        r = cli.run("ft", "create-task", "--provider", p, "--model", "mock-model", "--config-path",
                params.toString());
        assertThat(r.exit()).as(r.toString()).isNotZero();
        assertThat(r.err()).contains("Missing required argument");

        assertFriendlyFailure(cli.run("ft", "create-task", "--provider", p, "--model", "gpt-9", "--config-path",
                params.toString(), "--dataset", "0x01"),
                // a name outside the predefined table is asked of the provider: this address serves nothing
                "Fine-tuning service not found for provider");

        for (String method : new String[] {"0g-storage", "auto"}) {
            assertFriendlyFailure(cli.run("ft", "acknowledge-model", "--provider", p, "--task-id", "t",
                    "--data-path", home.toString(), "--download-method", method),
                    "0G Storage is not available in this build: use --download-method tee.");
        }
        assertFriendlyFailure(cli.run("ft", "acknowledge-model", "--provider", p, "--task-id", "t",
                "--data-path", home.toString(), "--download-method", "ftp"), "Unknown download method \"ftp\": use tee.");
        assertFriendlyFailure(cli.run("ft", "cancel-task", "--provider", p, "--task", "nope"),
                "Invalid task id nope: a task id is a UUID");
    }
}
