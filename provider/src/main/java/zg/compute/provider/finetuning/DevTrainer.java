package zg.compute.provider.finetuning;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import zg.compute.protocol.finetuning.FileDigest;

/**
 * DEVELOPMENT STAND-IN for the GPU trainer: no GPU, no model weights, deterministic and instant. It
 * writes a tiny "LoRA adapter" — {@code adapter_config.json} naming the base model and
 * {@code training_summary.json} with the token count, epochs and the dataset's keccak256 — plus one
 * {@code Step: …} progress line per epoch, so the whole delivery and settlement path can run for real.
 */
public final class DevTrainer implements Trainer {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public void train(Job job, Consumer<String> progress) throws IOException {
        Map<String, Object> adapter = new LinkedHashMap<>();
        adapter.put("peft_type", "LORA");
        adapter.put("base_model_name_or_path", job.baseModelName());
        adapter.put("base_model_hash", job.baseModelHash());
        adapter.put("r", 8);
        adapter.put("lora_alpha", 16);
        adapter.put("target_modules", new String[] {"q_proj", "v_proj"});
        adapter.put("dev_trainer", true);
        Files.createDirectories(job.outputDir());
        Files.writeString(job.outputDir().resolve("adapter_config.json"),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(adapter));
        String datasetHash = FileDigest.keccak256(job.dataset());
        for (long epoch = 1; epoch <= job.epochs(); epoch++) {
            progress.accept("Step: " + epoch + ", Logs: {\"epoch\": " + epoch + ", \"loss\": "
                    + String.format(java.util.Locale.ROOT, "%.4f", 1.0 / (epoch + 1)) + "}");
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("task_id", job.taskId());
        summary.put("token_count", job.tokenCount());
        summary.put("epochs", job.epochs());
        summary.put("dataset_keccak256", datasetHash);
        summary.put("training_params", job.trainingParams());
        Files.writeString(job.outputDir().resolve("training_summary.json"),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(summary));
    }
}
