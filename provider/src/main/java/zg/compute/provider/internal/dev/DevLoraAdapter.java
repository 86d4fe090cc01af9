package zg.compute.provider.internal.dev;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import zg.compute.provider.finetuning.DevTrainer;
import zg.compute.provider.internal.finetuning.training.ByteLoraModel;
import zg.compute.provider.internal.finetuning.training.Safetensors;

/**
 * An adapter the development trainer wrote ({@code adapter_config.json} + {@code adapter_model.safetensors}),
 * loaded onto its base — regenerated from the config's {@code base_model_hash}, as the trainer seeded it — so the
 * development backend answers with what the adapter learned. Byte-level, greedy: a DEVELOPMENT model, not an LLM.
 */
public final class DevLoraAdapter {

    static final String LORA_A = "base_model.model.lm_head.lora_A.weight";
    static final String LORA_B = "base_model.model.lm_head.lora_B.weight";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ByteLoraModel model;

    private DevLoraAdapter(ByteLoraModel model) {
        this.model = model;
    }

    /** @throws IOException a directory without a development-trainer adapter, with the reason in one line */
    public static DevLoraAdapter load(Path dir) throws IOException {
        Path config = dir.resolve("adapter_config.json");
        Path weights = dir.resolve("adapter_model.safetensors");
        if (!Files.isRegularFile(config) || !Files.isRegularFile(weights)) {
            throw new IOException("no adapter_config.json and adapter_model.safetensors in " + dir);
        }
        JsonNode c = JSON.readTree(config.toFile());
        String hash = c.path("base_model_hash").asText("");
        if (!hash.matches("0x[0-9a-fA-F]{2,}")) {
            throw new IOException("adapter_config.json names no base_model_hash: this backend serves only adapters"
                    + " of the development trainer");
        }
        Map<String, Safetensors.Tensor> t = Safetensors.read(weights);
        Safetensors.Tensor a = t.get(LORA_A);
        Safetensors.Tensor b = t.get(LORA_B);
        if (a == null || b == null || a.shape().length != 2) {
            throw new IOException("adapter_model.safetensors lacks " + LORA_A + " / " + LORA_B);
        }
        try {
            return new DevLoraAdapter(ByteLoraModel.withAdapter(DevTrainer.seed(hash), a.shape()[1],
                    c.path("lora_alpha").asInt(DevTrainer.ALPHA), a, b));
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** The adapter's continuation of {@code prompt}: {@code maxBytes} bytes, greedy, as UTF-8 text. */
    public String continuation(String prompt, int maxBytes) {
        byte[] out = model.continueGreedy(prompt.getBytes(StandardCharsets.UTF_8), Math.max(0, maxBytes));
        return new String(out, StandardCharsets.UTF_8);
    }
}
