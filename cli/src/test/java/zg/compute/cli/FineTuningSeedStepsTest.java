package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;
import zg.compute.cli.internal.devnet.DevnetStack;
import zg.compute.cli.internal.devnet.StackConfig;
import zg.compute.protocol.units.Units;

/**
 * The seed's six fine-tuning steps through our CLI on a fresh devnet whose fine-tuning provider `devnet up` started
 * (no set-up by the test): list providers, upload the dataset, calculate tokens, create the task, monitor it until
 * delivered, acknowledge + download + decrypt. The adapter decrypts (the TEE signer's signature over the file
 * checks), the download is the root committed on chain, and the fee settled on chain is the task's fee.
 */
class FineTuningSeedStepsTest {

    static final String DATASET = """
            {"instruction": "Name the network.", "input": "", "output": "0G, a decentralized AI network."}
            {"messages": [{"role": "user", "content": "Is training verifiable?"}, {"role": "assistant", "content": "Every result is signed by the provider's TEE key."}]}
            {"text": "Fine-tuning adapts a pre-trained model to a dataset."}
            """;
    static final String PARAMS = """
            {"neftune_noise_alpha": 5, "num_train_epochs": 2, "per_device_train_batch_size": 2, "learning_rate": 0.0002, "max_steps": -1}
            """;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path home;
    static DevnetStack stack;

    @BeforeAll
    static void devnetUp() {
        // chat providers + the fine-tuning provider: the model servers of the other types play no part here
        stack = DevnetStack.start(new StackConfig(0, 3600, Duration.ofSeconds(60), null, null,
                home.resolve("devnet.json"), null, false).withFineTuning(true), line -> { });
    }

    @AfterAll
    static void devnetDown() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void theSixStepsEndWithADecryptedAdapterAndTheTasksFeeSettledOnChain() throws Exception {
        var ft = stack.fineTuning().orElseThrow();
        String p = ft.address();
        CliRunner cli = CliFixtures.runnerFor(stack.devnet(), home, stack.devnet().account(DevnetStack.USER));
        Path data = Files.writeString(home.resolve("data.jsonl"), DATASET);
        Path params = Files.writeString(home.resolve("params.json"), PARAMS);
        BigInteger before = account(p).balance;
        assertThat(before).isEqualTo(Units.og(3));

        // 1. list providers (and the provider's own model)
        CliRunner.Result r = ok(cli.run("fine-tuning", "list-providers"));
        assertThat(r.out()).contains(p);
        assertThat(ok(cli.run("fine-tuning", "list-models")).out()).contains("Provider's Model:")
                .containsPattern("\\| mock-model +\\| 0xcb42b5ca9e998c82dd239ef2d20d22a4ae16b3dc0ce0a855c93b52c7c2bab6dc");

        // 2. upload the dataset (no 0G Storage here: to the provider's TEE)
        assertThat(cli.run("fine-tuning", "upload", "--data-path", data.toString()).err())
                .contains("No 0G Storage node is configured");
        String hash = group(ok(cli.run("fine-tuning", "upload", "--data-path", data.toString(), "--provider", p)),
                "Dataset uploaded, hash: (0x[0-9a-f]{64})");
        assertThat(hash).isEqualTo(Numeric.toHexString(Hash.sha3(Files.readAllBytes(data))));

        // 3. calculate tokens: a real BPE count and the provider's fee formula at its price
        r = ok(cli.run("fine-tuning", "calculate-token", "--dataset-path", data.toString(), "--model", "mock-model",
                "--provider", p, "--config-path", params.toString()));
        long tokens = Long.parseLong(group(r, "Token count: (\\d+)"));
        assertThat(tokens).isBetween(30L, 80L);
        BigInteger estimated = new BigInteger(group(r, "Estimated fee: (\\d+) neuron"));
        assertThat(estimated).isEqualTo(ft.inputPrice().multiply(BigInteger.valueOf(tokens * 2)));

        // 4. create the task
        String id = group(ok(cli.run("fine-tuning", "create-task", "--provider", p, "--model", "mock-model",
                "--dataset", hash, "--config-path", params.toString())), "Created Task ID: ([0-9a-f-]{36})");

        // 5. monitor until delivered (the pollers run now instead of at their next 2 s tick)
        JsonNode task = untilProgress(cli, p, id, "Delivered");
        BigInteger fee = new BigInteger(task.get("fee").asText());
        assertThat(fee).as("the provider counts with the same tokenizer as calculate-token").isEqualTo(estimated);
        assertThat(ok(cli.run("fine-tuning", "get-log", "--provider", p, "--task", id)).out()).contains("Step: 1");

        // 6. acknowledge + download, wait for the settlement that releases the key, decrypt
        Path models = Files.createDirectories(home.resolve("models"));
        r = ok(cli.run("fine-tuning", "acknowledge-model", "--provider", p, "--task-id", id, "--data-path",
                models.toString(), "--download-method", "tee"));
        assertThat(r.out()).contains("matches the deliverable on chain").doesNotContain("Warning");
        Path encrypted = models.resolve("lora_model_" + id + ".zip");
        var onChain = stack.devnet().fineTuning(stack.devnet().account(0))
                .getDeliverable(stack.user().address(), p, id).send();
        assertThat(onChain.modelRootHash).isEqualTo(Hash.sha3(Files.readAllBytes(encrypted)));
        untilProgress(cli, p, id, "Finished");
        Path lora = home.resolve("lora.zip");
        ok(cli.run("fine-tuning", "decrypt-model", "--provider", p, "--task-id", id, "--encrypted-model",
                encrypted.toString(), "--output", lora.toString()));
        assertThat(FineTuningTaskFlowTest.zipEntry(lora, "output_model/adapter_config.json")).contains("mock-model");

        assertThat(ok(cli.run("fine-tuning", "get-adapter-name", "--model", "mock-model", "--task-id", id)).out().strip())
                .isEqualTo("ft-mock-model-" + id.substring(0, 12));
        r = ok(cli.run("fine-tuning", "model-usage", "--provider", p, "--model", "mock-model", "--output",
                home.toString()));
        assertThat(FineTuningTaskFlowTest.zipEntry(home.resolve("mock-model.zip"), "mock-model/README.md"))
                .contains("num_train_epochs");

        // the fee settled on chain is the task's fee
        assertThat(account(p).balance).isEqualTo(before.subtract(fee));
        assertThat(stack.devnet().fineTuning(stack.devnet().account(0)).getDeliverable(stack.user().address(), p, id)
                .send().settled).isTrue();

        // the provider removes its service (the stake comes back) and it leaves the list
        CliRunner owner = CliFixtures.runnerFor(stack.devnet(),
                Files.createDirectories(home.resolve("provider-home")), stack.devnet().account(7));
        BigInteger wallet = stack.devnet().chain().web3j().ethGetBalance(p,
                org.web3j.protocol.core.DefaultBlockParameterName.LATEST).send().getBalance();
        assertThat(ok(owner.run("fine-tuning", "remove-service")).out()).contains("✓ Fine-tuning service removed");
        assertThat(stack.devnet().chain().web3j().ethGetBalance(p,
                org.web3j.protocol.core.DefaultBlockParameterName.LATEST).send().getBalance().subtract(wallet))
                .isGreaterThan(Units.og(99));
        assertThat(ok(cli.run("fine-tuning", "list-providers")).out()).doesNotContain(p);
        assertThat(owner.run("fine-tuning", "remove-service").err()).contains("Fine-tuning service not found");
    }

    private static zg.compute.protocol.contracts.bindings.FineTuningServing.AccountDetails account(String p)
            throws Exception {
        return stack.devnet().fineTuning(stack.devnet().account(0)).getAccount(stack.user().address(), p).send();
    }

    private static JsonNode untilProgress(CliRunner cli, String p, String id, String progress) throws Exception {
        JsonNode t = null;
        for (int pass = 0; pass < 5; pass++) {
            stack.fineTuningBroker().orElseThrow().runPollersNow();
            t = JSON.readTree(ok(cli.run("fine-tuning", "get-task", "--provider", p, "--task", id, "--json")).out());
            if (t.get("progress").asText().equals(progress)) {
                return t;
            }
        }
        throw new AssertionError("task " + id + " is " + t.get("progress") + ", not " + progress + ", after 5 passes");
    }

    static CliRunner.Result ok(CliRunner.Result r) {
        assertThat(r.exit()).as(r.toString()).isZero();
        return r;
    }

    static String group(CliRunner.Result r, String regex) {
        Matcher m = Pattern.compile(regex).matcher(r.out());
        assertThat(m.find()).as("%s in%n%s", regex, r.out()).isTrue();
        return m.group(1);
    }
}
