package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static zg.compute.cli.OfficialCliInteropTest.official;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Hash;
import zg.compute.cli.internal.devnet.DevnetStack;
import zg.compute.cli.internal.devnet.StackConfig;
import zg.compute.protocol.units.Units;

/**
 * Interop: the OFFICIAL {@code 0g-compute-cli} (pinned npm package) runs the fine-tuning flow against our devnet's
 * fine-tuning provider: list-providers, list-models (its provider model through {@code GET /v1/model}),
 * create-task with {@code --dataset-path} (its 0G Storage upload fails offline and it falls back to our TEE upload;
 * the model name resolves through {@code GET /v1/model/{name}}), get-task until delivered, get-log,
 * acknowledge-model {@code --download-method tee} (its hash check passes on our raw 32-byte root), decrypt-model,
 * model-usage ({@code GET /v1/model/desc/{name}}), get-adapter-name, and LoRA: deploy-adapter {@code --wait} and chat
 * on the devnet's LoRA provider.
 */
class OfficialFineTuningCliInteropTest {

    @Test
    void theOfficialCliFineTunesOnOurProvider(@TempDir Path home) throws Exception {
        Path interop = OfficialSdkInteropTest.interopDir();
        try (DevnetStack stack = DevnetStack.start(new StackConfig(0, 3600, Duration.ofSeconds(60), null, null, null,
                null, false).withFineTuning(true), line -> { })) {
            var ft = stack.fineTuning().orElseThrow();
            String p = ft.address();
            Path config = home.resolve(".0g-compute-cli/config.json");
            Files.createDirectories(config.getParent());
            Files.writeString(config, new ObjectMapper().writeValueAsString(Map.of("privateKey",
                    stack.user().privateKey(), "rpcEndpoint", stack.devnet().rpcUrl(), "network", "custom")));
            Path data = Files.writeString(home.resolve("data.jsonl"), FineTuningSeedStepsTest.DATASET);
            Path params = Files.writeString(home.resolve("params.json"), FineTuningSeedStepsTest.PARAMS);

            assertThat(official(interop, home, "fine-tuning", "list-providers")).contains(p);
            String models = official(interop, home, "fine-tuning", "list-models");
            assertThat(models.substring(models.indexOf("Provider's Model:"))).contains("mock-model").contains(p);

            String created = official(interop, home, "fine-tuning", "create-task", "--provider", p, "--model",
                    "mock-model", "--dataset-path", data.toString(), "--config-path", params.toString());
            assertThat(created).contains("Falling back to direct TEE upload");
            String id = group(created, "Created Task ID: ([0-9a-f-]{36})");

            String task = untilProgress(stack, interop, home, p, id, "Delivered");
            BigInteger fee = new BigInteger(group(task, "Fee \\(neuron\\)\\s*│\\s*(\\d+)"));
            assertThat(official(interop, home, "fine-tuning", "get-log", "--provider", p, "--task", id))
                    .contains("Step: 1").contains("model delivered");

            Path models2 = Files.createDirectories(home.resolve("models"));
            String ack = official(interop, home, "fine-tuning", "acknowledge-model", "--provider", p, "--task-id", id,
                    "--data-path", models2.toString(), "--download-method", "tee");
            assertThat(ack).contains("Hash verification passed for task " + id).doesNotContain("Hash mismatch");
            Path encrypted = models2.resolve("lora_model_" + id + ".zip");
            assertThat(stack.devnet().fineTuning(stack.devnet().account(0)).getDeliverable(stack.user().address(), p,
                    id).send().modelRootHash).isEqualTo(Hash.sha3(Files.readAllBytes(encrypted)));

            untilProgress(stack, interop, home, p, id, "Finished");
            Path lora = home.resolve("lora.zip");
            official(interop, home, "fine-tuning", "decrypt-model", "--provider", p, "--task-id", id,
                    "--encrypted-model", encrypted.toString(), "--output", lora.toString());
            try (ZipFile z = new ZipFile(lora.toFile())) {
                assertThat(z.getEntry("output_model/adapter_config.json")).isNotNull();
            }
            assertThat(stack.devnet().fineTuning(stack.devnet().account(0)).getAccount(stack.user().address(), p)
                    .send().balance).isEqualTo(Units.og(3).subtract(fee));

            // model-usage downloads our usage zip; get-adapter-name agrees with ours
            // (its --rpc defaults to the testnet, not to the configured endpoint)
            official(interop, home, "fine-tuning", "model-usage", "--provider", p, "--model", "mock-model",
                    "--output", home.toString(), "--rpc", stack.devnet().rpcUrl());
            try (ZipFile z = new ZipFile(home.resolve("mock-model.zip").toFile())) {
                assertThat(z.getEntry("mock-model/README.md")).isNotNull();
            }
            String name = official(interop, home, "fine-tuning", "get-adapter-name", "--model",
                    "/Qwen/Qwen2.5-0.5B Instruct/", "--task-id", id).strip();
            assertThat(name).endsWith(zg.compute.sdk.FineTuningBroker.adapterName("/Qwen/Qwen2.5-0.5B Instruct/", id))
                    .endsWith("ft-Qwen-Qwen2-5-0-5B-Instruct-" + id.substring(0, 12));

            // LoRA: provider 2 prepared the acknowledged adapter by itself (the official --wait polls for `ready`
            // before it deploys), deploys it and serves the official chat with it
            String loraProvider = stack.providers().get(1).address();
            String deployed = official(interop, home, "fine-tuning", "deploy-adapter", "--provider", loraProvider, "--model",
                    "mock-model", "--task-id", id, "--wait", "--timeout", "60", "--rpc", stack.devnet().rpcUrl());
            assertThat(deployed).contains("Adapter name: ft-mock-model-" + id.substring(0, 12))
                    .contains("Adapter deployed successfully!");
            String chat = official(interop, home, "fine-tuning", "chat", "--provider", loraProvider, "--model", "mock-model",
                    "--task-id", id, "--message", "Name the network.", "--rpc", stack.devnet().rpcUrl());
            assertThat(chat).contains("Assistant:").containsPattern("Tokens: \\d+ prompt \\+ \\d+ completion");
        }
    }

    private static String untilProgress(DevnetStack stack, Path interop, Path home, String p, String id,
            String progress) throws Exception {
        String out = "";
        for (int pass = 0; pass < 5; pass++) {
            stack.fineTuningBroker().orElseThrow().runPollersNow();
            out = official(interop, home, "fine-tuning", "get-task", "--provider", p, "--task", id);
            if (Pattern.compile("Progress\\s*│\\s*" + progress + "\\b").matcher(out).find()) {
                return out;
            }
        }
        throw new AssertionError("task " + id + " is not " + progress + " after 5 passes:\n" + out);
    }

    private static String group(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as("%s in%n%s", regex, text).isTrue();
        return m.group(1);
    }
}
