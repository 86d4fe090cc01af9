package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static zg.compute.cli.KeysAndConfigTest.assertFriendlyFailure;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.devnet.testing.FineTuningProviders;
import zg.compute.protocol.units.Units;

/** The {@code fine-tuning} commands against a real devnet; the provider side goes through the contract binding. */
@ExtendWith(DevnetExtension.class)
class FineTuningCommandsTest {

    /** Registers {@code provider} (owner-acknowledged); the CLI's user deposits 6 0G and moves 2 to it. */
    private static void fundSubAccountOfAcknowledgedProvider(Devnet d, CliRunner cli, Credentials provider)
            throws Exception {
        FineTuningProviders.register(d, provider, false, List.of());
        FineTuningProviders.ownerAcknowledges(d, provider);
        assertThat(cli.run("deposit", "--amount", "6").exit()).isZero();
        CliRunner.Result r = cli.run("transfer-fund", "--provider", provider.getAddress(), "--amount", "2",
                "--service", "fine-tuning");
        assertThat(r.exit()).as(r.toString()).isZero();
    }

    @Test
    void listProvidersAndModelsWithoutAKey(Devnet d, @TempDir Path home) throws Exception {
        Credentials acked = d.account(2);
        Credentials busy = d.account(3);
        FineTuningProviders.register(d, acked, false, List.of("mock-model"));
        FineTuningProviders.register(d, busy, true, List.of());
        FineTuningProviders.ownerAcknowledges(d, acked);
        CliRunner cli = CliFixtures.runnerFor(d, home, null);
        String a = Keys.toChecksumAddress(acked.getAddress());
        String b = Keys.toChecksumAddress(busy.getAddress());

        CliRunner.Result r = cli.run("fine-tuning", "list-providers");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).containsPattern("\\| " + a + " \\| ✓ +\\| 0\\.0000000000000001 +\\| yes +\\|")
                .doesNotContain(b);

        r = cli.run("ft", "list-providers", "--include-invalid");
        assertThat(r.out()).contains(a).containsPattern("\\| " + b + " \\| ✗ +\\| 0\\.0000000000000001 +\\| no +\\|");

        r = cli.run("ft", "list-providers", "--json");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("\"provider\" : \"" + a + "\"").contains("\"gpuType\" : \"H100\"")
                .contains("\"models\" : [ \"mock-model\" ]").contains("\"available\" : true");

        r = cli.run("ft", "list-models");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("Predefined Model:")
                .containsPattern("\\| mock-model \\| "
                        + "0xcb42b5ca9e998c82dd239ef2d20d22a4ae16b3dc0ce0a855c93b52c7c2bab6dc \\|")
                // the registered provider publishes mock-model but runs no task server to answer GET /v1/model
                .contains("Provider's Model:").contains("(none: no listed provider published any, or none answered)");
        r = cli.run("ft", "list-models", "--json");
        assertThat(r.out()).contains("\"name\" : \"mock-model\"");
    }

    @Test
    void deliverablesAreShownAndAcknowledgedOnce(Devnet d, @TempDir Path home) throws Exception {
        Credentials provider = d.account(2);
        Credentials user = CliFixtures.fundedKey(d, 60, 50);
        CliRunner cli = CliFixtures.runnerFor(d, home, user);
        String p = Keys.toChecksumAddress(provider.getAddress());
        assertFriendlyFailure(cli.run("ft", "list-deliverables", "--provider", p), "Sub-account not found");
        fundSubAccountOfAcknowledgedProvider(d, cli, provider);
        CliRunner.Result r = cli.run("ft", "list-deliverables", "--provider", p);
        assertThat(r.out()).contains("No deliverables yet.");

        FineTuningProviders.addDeliverable(d, provider, user, "task-1");
        r = cli.run("ft", "get-deliverable", "--provider", p, "--task-id", "task-1");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.cell("Model Root Hash")).isEqualTo("0x1234abcd");
        assertThat(r.cell("Acknowledged")).isEqualTo("no");
        assertThat(r.cell("Settled")).isEqualTo("no");
        assertThat(r.out()).contains("Tip: acknowledge it with \"fine-tuning acknowledge-deliverable\"");

        r = cli.run("ft", "acknowledge-deliverable", "--provider", p, "--task-id", "task-1");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("✓ Deliverable for task task-1 acknowledged").contains("Transaction: 0x");
        r = cli.run("ft", "acknowledge-deliverable", "--provider", p, "--task-id", "task-1");
        assertThat(r.out()).contains("Deliverable for task task-1 is already acknowledged; nothing sent.");

        FineTuningProviders.settle(d, provider, user, "task-1", new byte[] {7, 7}, 1, Units.og(1));
        r = cli.run("ft", "list-deliverables", "--provider", p);
        assertThat(r.out()).containsPattern("\\| task-1 +\\| \\S+ +\\| yes +\\| yes +\\| yes +\\|");
        r = cli.run("ft", "get-deliverable", "--provider", p, "--task-id", "task-1", "--json");
        assertThat(r.out()).contains("\"settled\" : true").contains("\"hasEncryptedSecret\" : true");

        assertFriendlyFailure(cli.run("ft", "acknowledge-deliverable", "--provider", p, "--task-id", "nope"),
                "Deliverable for task nope not found");
        FineTuningProviders.addDeliverable(d, provider, user, "task-2");
        FineTuningProviders.settle(d, provider, user, "task-2", new byte[0], 2, Units.og(1));
        assertFriendlyFailure(cli.run("ft", "acknowledge-deliverable", "--provider", p, "--task-id", "task-2"),
                "was already settled by the provider without your acknowledgement");
    }

    @Test
    void decryptModelWritesTheModelOnlyWhenTheKeyIsReleasedAndTheTeeSigned(Devnet d, @TempDir Path home)
            throws Exception {
        Credentials provider = d.account(2);
        Credentials user = CliFixtures.fundedKey(d, 61, 50);
        CliRunner cli = CliFixtures.runnerFor(d, home, user);
        String p = Keys.toChecksumAddress(provider.getAddress());
        fundSubAccountOfAcknowledgedProvider(d, cli, provider);
        byte[] key = new byte[32];
        key[0] = 42;
        Path plain = Files.writeString(home.resolve("lora.zip"), "adapter weights");
        Path encrypted = home.resolve("model.enc");
        FineTuningProviders.encryptModel(key, plain, encrypted, FineTuningProviders.TEE);
        Path out = home.resolve("out.zip");
        FineTuningProviders.addDeliverable(d, provider, user, "task-1");
        assertThat(cli.run("ft", "acknowledge-deliverable", "--provider", p, "--task-id", "task-1").exit()).isZero();

        assertFriendlyFailure(cli.run("ft", "decrypt-model", "--provider", p, "--task-id", "task-1",
                "--encrypted-model", encrypted.toString(), "--output", out.toString()),
                "EncryptedSecret not found — ensure the task status is 'Finished'");
        FineTuningProviders.settle(d, provider, user, "task-1", FineTuningProviders.wrapModelKey(user, key), 1,
                Units.og(1));
        CliRunner.Result r = cli.run("ft", "decrypt-model", "--provider", p, "--task-id", "task-1",
                "--encrypted-model", encrypted.toString(), "--output", out.toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("✓ Decrypted model written to " + out);
        assertThat(Files.readString(out)).isEqualTo("adapter weights");

        Path forged = home.resolve("forged.enc");
        FineTuningProviders.encryptModel(key, plain, forged, d.account(5).getEcKeyPair());
        Path forgedOut = home.resolve("forged.zip");
        assertFriendlyFailure(cli.run("ft", "decrypt-model", "--provider", p, "--task-id", "task-1",
                "--encrypted-model", forged.toString(), "--output", forgedOut.toString()), "Invalid tag signature");
        assertThat(forgedOut).doesNotExist();
    }
}
