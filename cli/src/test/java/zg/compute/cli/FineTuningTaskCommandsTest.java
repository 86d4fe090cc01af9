package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.sdk.BrokerOptions;
import zg.compute.sdk.FineTuningBroker;
import zg.compute.sdk.ZGComputeNetworkBroker;

/** The fine-tuning task commands against the provider's real fine-tuning server on the devnet. */
@ExtendWith(DevnetExtension.class)
class FineTuningTaskCommandsTest {

    @Test
    void createTaskThenAcknowledgeAndDecryptTheModel(Devnet d, @TempDir Path home) throws Exception {
        Path data = Files.writeString(home.resolve("data.jsonl"), FineTuningTaskFlowTest.DATASET);
        Path params = Files.writeString(home.resolve("params.json"), FineTuningTaskFlowTest.PARAMS);
        Path models = Files.createDirectories(home.resolve("models"));
        Credentials userKey = CliFixtures.fundedKey(d, 71, 20);
        CliRunner cli = CliFixtures.runnerFor(d, home, userKey);
        try (FineTuningServer server = FineTuningServer.start(d, d.account(4), home, 4);
                ZGComputeNetworkBroker user = ZGComputeNetworkBroker.create(userKey, d.rpcUrl(),
                        BrokerOptions.defaults().withFundOnRequestHeaders(false))) {
            String p = server.provider;
            assertThat(cli.run("deposit", "--amount", "5").exit()).isZero();
            CliRunner.Result r = cli.run("transfer-fund", "--provider", p, "--amount", "3", "--service",
                    "fine-tuning");
            assertThat(r.exit()).as(r.toString()).isZero();

            r = cli.run("ft", "create-task", "--provider", p, "--model", "mock-model", "--config-path",
                    params.toString(), "--dataset-path", data.toString());
            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(r.out()).contains("Uploading dataset to the provider's TEE...", "Dataset uploaded, hash: 0x",
                    "Verify provider...", "Provider verified").doesNotContain("Warning");
            Matcher m = Pattern.compile("Created Task ID: ([0-9a-f-]{36})").matcher(r.out());
            assertThat(m.find()).as(r.out()).isTrue();
            String id = m.group(1);

            r = cli.run("ft", "list-tasks", "--provider", p);
            assertThat(r.out()).containsPattern("\\| " + id + " \\| .+ \\| Init +\\|");
            r = cli.run("ft", "get-task", "--provider", p, "--json");
            assertThat(r.out()).contains("\"id\" : \"" + id + "\"", "\"progress\" : \"Init\"",
                    "\"preTrainedModelHash\" : \"" + FineTuningTaskFlowTest.MOCK_MODEL_HASH + "\"");

            FineTuningBroker ft = user.fineTuning();
            server.tickUntil(ft, id, "Delivered");
            r = cli.run("ft", "get-task", "--provider", p, "--task", id);
            assertThat(r.out()).containsPattern("\\| Progress +\\| Delivered +\\|")
                    .containsPattern("\\| Training Params +\\| \\{ \"num_train_epochs\": 2 \\} +\\|");
            r = cli.run("ft", "get-log", "--provider", p, "--task", id);
            assertThat(r.exit()).isZero();
            assertThat(r.out()).contains("Step: 2");

            r = cli.run("ft", "acknowledge-model", "--provider", p, "--task-id", id, "--data-path",
                    models.toString());
            assertThat(r.exit()).as(r.toString()).isZero();
            Path encrypted = models.resolve("lora_model_" + id + ".zip");
            assertThat(r.out()).contains("✓ Model downloaded to " + encrypted,
                    "matches the deliverable on chain", "✓ Deliverable for task " + id + " acknowledged",
                    "Transaction: 0x");

            server.tickUntil(ft, id, "Finished");
            Path output = home.resolve("lora.zip");
            r = cli.run("ft", "decrypt-model", "--provider", p, "--task-id", id, "--encrypted-model",
                    encrypted.toString(), "--output", output.toString());
            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(r.out()).contains("✓ Decrypted model written to " + output);
            assertThat(FineTuningTaskFlowTest.zipEntries(output)).containsExactly(FineTuningTaskFlowTest.ADAPTER_FILES);

            r = cli.run("ft", "cancel-task", "--provider", p, "--task", id);
            KeysAndConfigTest.assertFriendlyFailure(r, "Failed to cancel task: ");
        }
    }

    @Test
    void anEmptySubAccountIsWarnedAboutAndABusyQueueNeedsWait(Devnet d, @TempDir Path home) throws Exception {
        Path data = Files.writeString(home.resolve("data.jsonl"), FineTuningTaskFlowTest.DATASET);
        Path params = Files.writeString(home.resolve("params.json"), FineTuningTaskFlowTest.PARAMS);
        Credentials userKey = CliFixtures.fundedKey(d, 72, 20);
        CliRunner cli = CliFixtures.runnerFor(d, home, userKey);
        try (FineTuningServer server = FineTuningServer.start(d, d.account(4), home, 4);
                ZGComputeNetworkBroker other = server.fundedUser(d, d.account(6))) {
            String p = server.provider;
            assertThat(cli.run("deposit", "--amount", "5").exit()).isZero();
            assertThat(cli.run("transfer-fund", "--provider", p, "--amount", "1", "--service", "fine-tuning").exit())
                    .isZero();
            CliRunner.Result r = cli.run("retrieve-fund", "--service", "fine-tuning", "--provider", p);
            assertThat(r.exit()).as(r.toString()).isZero();
            String hash = other.fineTuning().uploadDatasetToTEE(p, data).datasetHash();
            String busy = other.fineTuning().createTask(p, "mock-model", hash, params, false);

            r = cli.run("ft", "create-task", "--provider", p, "--model", "mock-model", "--config-path",
                    params.toString(), "--dataset-path", data.toString());
            KeysAndConfigTest.assertFriendlyFailure(r, "There is 1 task in the provider's queue. To queue this task "
                    + "behind them, pass wait=true (CLI: --wait).");
            assertThat(r.out()).contains("Warning: your fine-tuning sub-account with this provider has no available "
                    + "balance (balance 1 0G, pending refund 1 0G)");

            r = cli.run("ft", "create-task", "--provider", p, "--model", "mock-model", "--config-path",
                    params.toString(), "--dataset", hash, "--wait");
            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(r.out()).doesNotContain("Uploading").contains("Warning: your fine-tuning sub-account");
            Matcher m = Pattern.compile("Created Task ID: ([0-9a-f-]{36})").matcher(r.out());
            assertThat(m.find()).as(r.out()).isTrue();

            // the provider refuses to train what the sub-account cannot pay for
            server.tick();
            r = cli.run("ft", "get-task", "--provider", p, "--task", m.group(1));
            assertThat(r.out()).containsPattern("\\| Progress +\\| Failed +\\|");
            r = cli.run("ft", "get-log", "--provider", p);
            assertThat(r.out()).contains("insufficient balance");
            r = cli.run("ft", "list-tasks", "--provider", p, "--json");
            assertThat(r.out()).contains("\"id\" : \"" + m.group(1) + "\"").doesNotContain(busy);
        }
    }
}
