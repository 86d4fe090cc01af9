package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static zg.compute.cli.FineTuningSeedStepsTest.group;
import static zg.compute.cli.FineTuningSeedStepsTest.ok;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import zg.compute.cli.internal.devnet.DevnetStack;
import zg.compute.cli.internal.devnet.StackConfig;
import zg.compute.protocol.finetuning.AdapterName;
import zg.compute.provider.finetuning.DevTrainer;
import zg.compute.provider.internal.dev.DevLoraAdapter;
import zg.compute.provider.internal.dev.TokenCounter;
import zg.compute.provider.internal.finetuning.training.ByteLoraModel;
import zg.compute.sdk.Amount;
import zg.compute.sdk.BrokerOptions;
import zg.compute.sdk.ContractAddresses;
import zg.compute.sdk.ServiceKind;
import zg.compute.sdk.ZGComputeNetworkBroker;

/**
 * LoRA serving on a fresh devnet (fine-tuning.md §1.10), through our CLI with no set-up: the fine-tuning provider
 * trains and delivers, feeding the adapter's key to provider 2 (the LoRA provider) and the encrypted model to the
 * shared storage stand-in; a deploy before the user acknowledged is refused; {@code acknowledge-model --deploy}
 * makes it active; {@code fine-tuning chat} answers with what the trained adapter generates (not what the base
 * would), billed as a chat with the provider's model and signed; another user can neither deploy nor chat with it;
 * a tampered stored model leaves the adapter failed with a one-line reason. And {@code fine-tuning verify} checks the
 * fine-tuning provider's attestation report.
 */
class FineTuningLoraTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROMPT = "Name the network.";
    /** Enough training (learning rate 0.01, 20 epochs) that the adapter's greedy answer leaves the base's. */
    private static final String PARAMS = """
            {"neftune_noise_alpha": 0, "num_train_epochs": 20, "per_device_train_batch_size": 1, "learning_rate": 0.01, "max_steps": -1}
            """;

    @TempDir
    static Path home;
    static DevnetStack stack;

    @BeforeAll
    static void devnetUp() {
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
    void anAcknowledgedAdapterIsDeployedAndAnswersAsTrainedForItsOwnerOnly() throws Exception {
        String ft = stack.fineTuning().orElseThrow().address();
        DevnetStack.ProviderEntry lora = stack.providers().get(1);
        CliRunner cli = CliFixtures.runnerFor(stack.devnet(), home, stack.devnet().account(DevnetStack.USER));
        String id = deliveredTask(cli, ft, "data.jsonl");
        String name = AdapterName.of("mock-model", id);

        // before the user acknowledged the model on chain: refused in one line
        CliRunner.Result r = cli.run("fine-tuning", "deploy-adapter", "--provider", lora.address(), "--model",
                "mock-model", "--task-id", id);
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("HTTP 409", "not acknowledged on chain yet").doesNotContain("\tat ");

        // acknowledge + deploy on the LoRA provider, waiting until it is served
        Path models = Files.createDirectories(home.resolve("models"));
        r = ok(cli.run("fine-tuning", "acknowledge-model", "--provider", ft, "--task-id", id, "--data-path",
                models.toString(), "--download-method", "tee", "--deploy", "--model", "mock-model",
                "--inference-provider", lora.address()));
        assertThat(r.out()).contains("✓ Adapter " + name + " is active");
        assertThat(ok(cli.run("fine-tuning", "deploy-adapter", "--provider", lora.address(), "--adapter-name", name,
                "--wait")).out()).contains("is already active");

        // the answer is the trained adapter's, deterministic, and differs from the base model's
        BigInteger billedBefore = stack.brokers().get(1).store().billedTotal();
        r = ok(cli.run("fine-tuning", "chat", "--provider", lora.address(), "--model", "mock-model", "--task-id", id,
                "--message", PROMPT));
        assertThat(r.out()).contains("✓ Response signature verified");
        String answer = group(r, "(?s)Assistant: (.*)\\nTokens:");
        long promptTokens = Long.parseLong(group(r, "Tokens: (\\d+) prompt"));
        long completionTokens = Long.parseLong(group(r, "prompt, (\\d+) completion"));
        BigInteger fee = new BigInteger(group(r, "fee (\\d+) neuron"));
        String again = group(ok(cli.run("fine-tuning", "chat", "--provider", lora.address(), "--adapter-name", name,
                "--message", PROMPT)), "(?s)Assistant: (.*)\\nTokens:");
        assertThat(again).isEqualTo(answer);

        Path adapterDir = decryptedAdapter(cli, ft, id, models);
        String trained = DevLoraAdapter.load(adapterDir).continuation(PROMPT, 64);
        var pieces = TokenCounter.pieces(trained);
        assertThat(answer).isEqualTo(String.join("", pieces));
        assertThat(completionTokens).isEqualTo(pieces.size());
        String base = new String(ByteLoraModel.fresh(DevTrainer.seed(zg.compute.provider.ConfigLoader.MOCK_MODEL_HASH),
                DevTrainer.DIM, DevTrainer.RANK, DevTrainer.ALPHA).continueGreedy(PROMPT.getBytes(
                        StandardCharsets.UTF_8), 64), StandardCharsets.UTF_8);
        assertThat(trained).isNotEqualTo(base);

        // billed as a chat with the provider's default model (mock-model is not one it lists)
        assertThat(fee).isEqualTo(lora.inputPrice().multiply(BigInteger.valueOf(promptTokens))
                .add(lora.outputPrice().multiply(BigInteger.valueOf(completionTokens))));
        assertThat(stack.brokers().get(1).store().billedTotal().subtract(billedBefore)).isEqualTo(fee.add(fee));

        // the web UI's fine-tuning page does the same through its API: deploy (already active), chat (verified)
        webUi(cli, id, lora.address(), answer);

        // the adapter is listed for its owner
        try (var user = userBroker(stack.devnet().account(DevnetStack.USER))) {
            assertThat(user.inference().lora().listAdapters(lora.address()))
                    .anySatisfy(a -> assertThat(a.adapterName()).isEqualTo(name));
        }

        // another user, funded at the LoRA provider, can neither deploy nor chat with it
        Credentials other = CliFixtures.fundedKey(stack.devnet(), 71, 10);
        try (var o = userBroker(other)) {
            o.ledger().addLedger(Amount.og("4"));
            o.ledger().transferFund(lora.address(), ServiceKind.INFERENCE, Amount.og("2"));
            o.inference().acknowledgeProviderSigner(lora.address());
            assertThat(o.inference().lora().listAdapters(lora.address())).isEmpty();
        }
        CliRunner intruder = CliFixtures.runnerFor(stack.devnet(), Files.createDirectories(home.resolve("other")),
                other);
        r = intruder.run("fine-tuning", "deploy-adapter", "--provider", lora.address(), "--model", "mock-model",
                "--task-id", id);
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("HTTP 403", "belongs to another user").doesNotContain("\tat ");
        r = intruder.run("fine-tuning", "chat", "--provider", lora.address(), "--adapter-name", name, "--message", "hi");
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("HTTP 403", "belongs to another user").doesNotContain("\tat ");
    }

    @Test
    void aTamperedStoredModelLeavesTheAdapterFailedWithOneLine() throws Exception {
        String ft = stack.fineTuning().orElseThrow().address();
        DevnetStack.ProviderEntry lora = stack.providers().get(1);
        Credentials second = CliFixtures.fundedKey(stack.devnet(), 72, 20);
        try (var u = userBroker(second)) {
            u.ledger().addLedger(Amount.og("8"));
            u.ledger().transferFund(ft, ServiceKind.FINE_TUNING, Amount.og("3"));
            u.ledger().transferFund(lora.address(), ServiceKind.INFERENCE, Amount.og("2"));
        }
        CliRunner cli = CliFixtures.runnerFor(stack.devnet(), Files.createDirectories(home.resolve("second")), second);
        String id = deliveredTask(cli, ft, "data2.jsonl");
        String root = group(ok(cli.run("fine-tuning", "get-log", "--provider", ft, "--task", id)),
                "encrypted model stored, root (0x[0-9a-f]{64})");
        Path object = stack.storageDir().resolve(root);
        byte[] bytes = Files.readAllBytes(object);
        bytes[bytes.length - 1] ^= 1;
        Files.write(object, bytes);
        ok(cli.run("fine-tuning", "acknowledge-model", "--provider", ft, "--task-id", id, "--data-path",
                Files.createDirectories(home.resolve("second-models")).toString(), "--download-method", "tee"));

        CliRunner.Result r = cli.run("fine-tuning", "deploy-adapter", "--provider", lora.address(), "--model",
                "mock-model", "--task-id", id, "--wait", "--timeout", "60");
        assertThat(r.exit()).isNotZero();
        assertThat(r.err().strip()).contains("failed to deploy", "does not match its root").doesNotContain("\n");
    }

    @Test
    void verifyChecksTheFineTuningProvidersReportAgainstItsOnChainSigner() throws Exception {
        var ft = stack.fineTuning().orElseThrow();
        CliRunner cli = CliFixtures.runnerFor(stack.devnet(), Files.createDirectories(home.resolve("verify")),
                stack.devnet().account(DevnetStack.USER));
        Path out = home.resolve("verify-out");
        CliRunner.Result r = cli.run("fine-tuning", "verify", "--provider", ft.address(), "--output-dir",
                out.toString());
        // the devnet's TEE key is local: the report names the on-chain signer but carries no hardware quote
        assertThat(r.out()).containsIgnoringCase("combined report names signer " + ft.teeSigner() + " = ");
        assertThat(r.err()).contains("✗ Not attested");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(JSON.readTree(out.resolve("fine_tuning_attestation_report.json").toFile()).path("attested")
                .asBoolean(true)).isFalse();
    }

    private static void webUi(CliRunner cli, String id, String provider, String expected) throws Exception {
        BackgroundCli web = BackgroundCli.start(cli, "web-ui", "start-web", "-p", "0");
        try {
            String out = web.awaitOutput("ready", Duration.ofSeconds(60));
            var m = java.util.regex.Pattern.compile("Open (http://127\\.0\\.0\\.1:\\d+)/#token=([0-9a-f]+)").matcher(out);
            assertThat(m.find()).as(out).isTrue();
            var http = java.net.http.HttpClient.newHttpClient();
            java.util.function.Function<String, JsonNode> post = path -> {
                try {
                    var body = path.endsWith("deploy") ? java.util.Map.of("provider", provider, "model", "mock-model",
                            "taskId", id) : java.util.Map.of("provider", provider, "model", "mock-model", "taskId", id,
                                    "message", PROMPT);
                    var r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(m.group(1) + path))
                            .header("X-ZG-Token", m.group(2)).header("Content-Type", "application/json")
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
                            .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                    return JSON.readTree(r.body());
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            };
            assertThat(post.apply("/api/fine-tuning/deploy").path("state").asText()).isEqualTo("active");
            JsonNode chat = post.apply("/api/fine-tuning/chat");
            assertThat(chat.path("content").asText()).isEqualTo(expected);
            assertThat(chat.path("verified").asBoolean()).isTrue();
        } finally {
            web.stop();
        }
    }

    /** Uploads a dataset, creates a task and runs the provider's pollers until it is delivered. */
    private static String deliveredTask(CliRunner cli, String ft, String file) throws Exception {
        Path data = Files.writeString(home.resolve(file), FineTuningSeedStepsTest.DATASET);
        Path params = Files.writeString(home.resolve(file + ".params.json"), PARAMS);
        String hash = group(ok(cli.run("fine-tuning", "upload", "--data-path", data.toString(), "--provider", ft)),
                "Dataset uploaded, hash: (0x[0-9a-f]{64})");
        String id = group(ok(cli.run("fine-tuning", "create-task", "--provider", ft, "--model", "mock-model",
                "--dataset", hash, "--config-path", params.toString())), "Created Task ID: ([0-9a-f-]{36})");
        untilProgress(cli, ft, id, "Delivered");
        return id;
    }

    /** Waits for the settlement that releases the key, decrypts, unzips output_model/. */
    private static Path decryptedAdapter(CliRunner cli, String ft, String id, Path models) throws Exception {
        untilProgress(cli, ft, id, "Finished");
        Path zip = home.resolve("lora-" + id + ".zip");
        ok(cli.run("fine-tuning", "decrypt-model", "--provider", ft, "--task-id", id, "--encrypted-model",
                models.resolve("lora_model_" + id + ".zip").toString(), "--output", zip.toString()));
        Path dir = Files.createDirectories(home.resolve("adapter-" + id));
        try (ZipFile z = new ZipFile(zip.toFile())) {
            for (String f : new String[] {"adapter_config.json", "adapter_model.safetensors"}) {
                Files.write(dir.resolve(f), z.getInputStream(z.getEntry("output_model/" + f)).readAllBytes());
            }
        }
        return dir;
    }

    private static void untilProgress(CliRunner cli, String p, String id, String progress) throws Exception {
        JsonNode t = null;
        for (int pass = 0; pass < 5; pass++) {
            stack.fineTuningBroker().orElseThrow().runPollersNow();
            t = JSON.readTree(ok(cli.run("fine-tuning", "get-task", "--provider", p, "--task", id, "--json")).out());
            if (t.get("progress").asText().equals(progress)) {
                return;
            }
        }
        throw new AssertionError("task " + id + " is " + t.get("progress") + ", not " + progress);
    }

    private static ZGComputeNetworkBroker userBroker(Credentials key) {
        var d = stack.devnet();
        return ZGComputeNetworkBroker.create(key, d.rpcUrl(), BrokerOptions.defaults().withContracts(
                new ContractAddresses(d.contracts().ledger().proxy(), d.contracts().inference().proxy(),
                        d.contracts().fineTuning().proxy())).withFundOnRequestHeaders(false));
    }
}
