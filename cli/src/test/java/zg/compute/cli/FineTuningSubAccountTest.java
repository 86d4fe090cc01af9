package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static zg.compute.cli.KeysAndConfigTest.assertFriendlyFailure;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Keys;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;

/** {@code --service fine-tuning} on transfer-fund, get-sub-account, get-account and retrieve-fund. */
@ExtendWith(DevnetExtension.class)
class FineTuningSubAccountTest {

    @Test
    void fineTuningSubAccountThroughTheCli(Devnet d, @TempDir Path home) {
        String provider = Keys.toChecksumAddress(d.account(3).getAddress());
        CliRunner cli = CliFixtures.runnerFor(d, home, CliFixtures.fundedKey(d, 50, 50));
        assertThat(cli.run("deposit", "--amount", "6").exit()).isZero();
        assertFriendlyFailure(cli.run("get-sub-account", "--provider", provider, "--service", "fine-tuning"),
                "Sub-account not found");

        // account 3 offers no fine-tuning service: --force (this test is about the sub-account, not the service)
        CliRunner.Result r = cli.run("transfer-fund", "--provider", provider, "--amount", "2", "--service", "fine-tuning",
                "--force");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("to the fine-tuning sub-account of " + provider);

        r = cli.run("get-sub-account", "--provider", provider, "--service", "fine-tuning");
        assertThat(r.cell("Service Type")).isEqualTo("fine-tuning");
        assertThat(r.cell("Balance (0G)")).isEqualTo("2");

        r = cli.run("get-account");
        assertThat(r.cell("Locked (transferred to sub-accounts)")).isEqualTo("2");
        assertThat(r.out()).containsPattern("Fine-tuning sub-accounts\\R.*\\R.*\\R.*\\R\\| " + provider + " \\| 2 ");

        r = cli.run("retrieve-fund", "--service", "fine-tuning", "--provider", provider);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).containsPattern("\\| " + provider + " \\| 2 +\\| 2 +\\|");
        r = cli.run("retrieve-fund", "--service", "inference");
        assertThat(r.out()).contains("No inference sub-accounts to retrieve from.");
    }
}
