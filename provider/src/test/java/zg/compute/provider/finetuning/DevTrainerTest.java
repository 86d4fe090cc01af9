package zg.compute.provider.finetuning;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zg.compute.provider.ConfigLoader;
import zg.compute.provider.internal.finetuning.training.ByteLoraModel;
import zg.compute.provider.internal.finetuning.training.Safetensors;

/** The built-in development trainer trains for real: the loss falls and a PEFT-style adapter is written. */
class DevTrainerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern STEP = Pattern.compile("^Step: (\\d+), Logs: (\\{.*})$");

    /** The sample the task server's tests train on (instruction, input/output, text lines). */
    private static final String SAMPLE = """
            {"text": "the quick brown fox"}
            {"input": "hello world", "output": "hi there you"}
            {"label": 1, "text": "ok"}
            {"instruction": "Say hello", "input": "", "output": "hello hello hello"}
            {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello there"}]}
            """;

    @Test
    void theLossFallsAndTheAdapterIsSafetensors(@TempDir Path dir) throws Exception {
        Path data = Files.writeString(dir.resolve("data.jsonl"), SAMPLE);
        Path out = dir.resolve("task/output_model");
        String params = "{\"neftune_noise_alpha\": 0, \"num_train_epochs\": 10, \"per_device_train_batch_size\": 2,"
                + " \"learning_rate\": 0.001, \"max_steps\": -1}";
        List<String> log = new ArrayList<>();
        new DevTrainer().train(new Trainer.Job("t1", ConfigLoader.MOCK_MODEL_HASH, "mock-model", data, params, 20, 10,
                out, out.getParent()), log::add);

        // 5 examples in batches of 2 = 3 steps an epoch, 10 epochs; every step logged with its loss and progress
        List<Double> losses = new ArrayList<>();
        for (String line : log) {
            Matcher m = STEP.matcher(line);
            if (m.matches()) {
                JsonNode logs = JSON.readTree(m.group(2));
                assertThat(logs.get("learning_rate").asDouble()).isEqualTo(0.001);
                assertThat(logs.get("progress").asText()).isEqualTo(m.group(1) + "/30");
                losses.add(logs.get("loss").asDouble());
            }
        }
        assertThat(losses).hasSize(30);
        assertThat(log.get(0)).startsWith("development trainer (byte-level LoRA, not an LLM): 5 examples, 30 steps");
        double firstEpoch = (losses.get(0) + losses.get(1) + losses.get(2)) / 3;
        double lastEpoch = (losses.get(27) + losses.get(28) + losses.get(29)) / 3;
        assertThat(lastEpoch).isLessThan(firstEpoch - 0.05);

        JsonNode metrics = JSON.readTree(out.resolve("training_metrics.json").toFile());
        assertThat(metrics.get("loss_after").asDouble()).isLessThan(metrics.get("loss_before").asDouble() - 0.05);
        assertThat(metrics.get("steps").asLong()).isEqualTo(30);

        JsonNode config = JSON.readTree(out.resolve("adapter_config.json").toFile());
        assertThat(config.get("peft_type").asText()).isEqualTo("LORA");
        assertThat(config.get("r").asInt()).isEqualTo(8);
        assertThat(config.get("lora_alpha").asInt()).isEqualTo(32);
        assertThat(config.get("target_modules").get(0).asText()).isEqualTo("lm_head");
        assertThat(config.get("base_model_name_or_path").asText()).isEqualTo("mock-model");

        // the safetensors layout read by hand: u64 LE header length, JSON header, F32 LE data at its offsets
        byte[] file = Files.readAllBytes(out.resolve("adapter_model.safetensors"));
        long n = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(n % 8).isZero();
        JsonNode header = JSON.readTree(new String(file, 8, (int) n, StandardCharsets.UTF_8));
        JsonNode a = header.get("base_model.model.lm_head.lora_A.weight");
        JsonNode b = header.get("base_model.model.lm_head.lora_B.weight");
        assertThat(a.get("dtype").asText()).isEqualTo("F32");
        assertThat(a.get("shape").toString()).isEqualTo("[8,32]");
        assertThat(b.get("shape").toString()).isEqualTo("[256,8]");
        assertThat(a.get("data_offsets").toString()).isEqualTo("[0,1024]");
        assertThat(b.get("data_offsets").toString()).isEqualTo("[1024,9216]");
        assertThat(file.length).isEqualTo(8 + n + 9216);
        float firstB = ByteBuffer.wrap(file, (int) (8 + n + 1024), 4).order(ByteOrder.LITTLE_ENDIAN).getFloat();
        var tensors = Safetensors.read(out.resolve("adapter_model.safetensors"));
        assertThat(tensors.get("base_model.model.lm_head.lora_B.weight").data()[0]).isEqualTo(firstB);
        assertThat(tensors.get("base_model.model.lm_head.lora_B.weight").data()).as("B trained away from zero")
                .isNotEqualTo(new float[256 * 8]);

        // the written adapter on the same seeded base reproduces the trained loss
        ByteLoraModel reloaded = ByteLoraModel.withAdapter(DevTrainer.seed(ConfigLoader.MOCK_MODEL_HASH),
                DevTrainer.DIM, DevTrainer.ALPHA, tensors.get("base_model.model.lm_head.lora_A.weight"),
                tensors.get("base_model.model.lm_head.lora_B.weight"));
        List<byte[]> examples = new ArrayList<>();
        for (String line : SAMPLE.strip().split("\n")) {
            examples.add(("\n" + DevTrainer.text(line)).getBytes(StandardCharsets.UTF_8));
        }
        assertThat(reloaded.loss(examples)).isCloseTo(metrics.get("loss_after").asDouble(),
                org.assertj.core.data.Offset.offset(1e-4));
    }

    @Test
    void maxStepsBoundsTheRun(@TempDir Path dir) throws Exception {
        Path data = Files.writeString(dir.resolve("data.jsonl"), SAMPLE);
        Path out = dir.resolve("task/output_model");
        List<String> log = new ArrayList<>();
        new DevTrainer().train(new Trainer.Job("t2", ConfigLoader.MOCK_MODEL_HASH, "mock-model", data,
                "{\"num_train_epochs\": 3, \"max_steps\": 4}", 20, 3, out, out.getParent()), log::add);
        assertThat(log.stream().filter(l -> l.startsWith("Step: "))).hasSize(4).last().asString()
                .contains("\"progress\": \"4/4\"");
    }
}
