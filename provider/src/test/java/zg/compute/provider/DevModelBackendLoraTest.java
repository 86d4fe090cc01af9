package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zg.compute.provider.finetuning.DevTrainer;
import zg.compute.provider.finetuning.Trainer;
import zg.compute.provider.internal.dev.DevLoraAdapter;
import zg.compute.provider.internal.finetuning.training.ByteLoraModel;

/**
 * The development backend serves an adapter the development trainer wrote, through vLLM's dynamic LoRA API:
 * {@code /v1/load_lora_adapter}, then a chat with {@code model} = its name answers with what the adapter learned
 * (here: a dataset of "abc abc …" continues a prompt ending in "c" with " abc abc"), usage counted; the base model's
 * answers are unchanged; a directory without an adapter is refused in one line.
 */
class DevModelBackendLoraTest {

    @TempDir
    static Path dir;
    static Vertx vertx;
    static DevModelBackend backend;
    static Path adapter;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void trainAndStart() throws Exception {
        Path data = Files.writeString(dir.resolve("data.jsonl"), "{\"text\": \"abc abc abc abc abc abc\"}\n".repeat(4));
        adapter = dir.resolve("task/output_model");
        new DevTrainer().train(new Trainer.Job("t1", ConfigLoader.MOCK_MODEL_HASH, "mock-model", data,
                "{\"num_train_epochs\": 40, \"per_device_train_batch_size\": 1, \"learning_rate\": 0.01}", 40, 40,
                adapter, adapter.getParent()), line -> { });
        vertx = Vertx.vertx();
        backend = DevModelBackend.start(vertx, 0);
    }

    @AfterAll
    static void stop() {
        backend.close();
        vertx.close().await();
    }

    @Test
    void aLoadedAdapterAnswersWithWhatItLearned() throws Exception {
        HttpResponse<String> load = post("/load_lora_adapter", new JsonObject().put("lora_name", "ft-mock-model-abc")
                .put("lora_path", adapter.toString()));
        assertThat(load.statusCode()).as(load.body()).isEqualTo(200);

        String prompt = "Say abc";
        JsonObject answer = new JsonObject(post("/chat/completions", chat("ft-mock-model-abc", prompt, 12)).body());
        String content = answer.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content");
        assertThat(content).startsWith(" abc abc");
        assertThat(content).isEqualTo(DevLoraAdapter.load(adapter).continuation(prompt, 12).stripTrailing());
        String base = new String(ByteLoraModel.fresh(DevTrainer.seed(ConfigLoader.MOCK_MODEL_HASH), DevTrainer.DIM,
                DevTrainer.RANK, DevTrainer.ALPHA).continueGreedy(prompt.getBytes(StandardCharsets.UTF_8), 12),
                StandardCharsets.UTF_8);
        assertThat(content).isNotEqualTo(base);
        assertThat(answer.getJsonObject("usage").getInteger("completion_tokens"))
                .isEqualTo(zg.compute.provider.internal.dev.TokenCounter.count(content)).isLessThanOrEqualTo(12);

        // the base model still answers as the development backend
        JsonObject plain = new JsonObject(post("/chat/completions", chat("dev-model", prompt, 64)).body());
        assertThat(plain.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"))
                .isEqualTo(DevModelBackend.REPLY_PREFIX + prompt);
    }

    @Test
    void aDirectoryWithoutAnAdapterIsRefusedInOneLine() throws Exception {
        HttpResponse<String> r = post("/load_lora_adapter", new JsonObject().put("lora_name", "x")
                .put("lora_path", dir.resolve("nothing").toString()));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(r.body()).getJsonObject("error").getString("message"))
                .startsWith("cannot load adapter x: no adapter_config.json").doesNotContain("\n");
    }

    private static JsonObject chat(String model, String prompt, int maxTokens) {
        return new JsonObject().put("model", model).put("max_tokens", maxTokens).put("messages",
                new io.vertx.core.json.JsonArray().add(new JsonObject().put("role", "user").put("content", prompt)));
    }

    private HttpResponse<String> post(String path, JsonObject body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(backend.baseUrl() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.encode()))
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}
