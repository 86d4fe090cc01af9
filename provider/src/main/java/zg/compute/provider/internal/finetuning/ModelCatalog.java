package zg.compute.provider.internal.finetuning;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import java.util.Optional;
import zg.compute.provider.finetuning.FineTuningConfig;

/**
 * The models this server trains, as {@code GET /v1/model[/{name}]} shows them (fine-tuning.md §1.3): the same
 * list, in the same order, whose names the service publishes on chain. The official SDK resolves a model name
 * outside its mainnet table through {@link #find}'s route and takes its {@code hash}.
 */
public final class ModelCatalog {

    private final List<FineTuningConfig.Model> models;

    public ModelCatalog(List<FineTuningConfig.Model> models) {
        this.models = List.copyOf(models);
    }

    public JsonArray list() {
        JsonArray out = new JsonArray();
        models.forEach(m -> out.add(json(m)));
        return out;
    }

    /** By name, or by root hash (case-insensitive). */
    public Optional<JsonObject> find(String nameOrHash) {
        return models.stream().filter(m -> m.name().equals(nameOrHash) || m.hash().equalsIgnoreCase(nameOrHash))
                .findFirst().map(ModelCatalog::json);
    }

    /**
     * {@code GET /v1/model/desc/{name}} ({@code model-usage}): a zip holding {@code <name>/README.md}, how to train
     * the model here (dataset lines, the five training parameters, delivery).
     */
    public Optional<byte[]> usageZip(String nameOrHash) {
        return models.stream().filter(m -> m.name().equals(nameOrHash) || m.hash().equalsIgnoreCase(nameOrHash))
                .findFirst().map(ModelCatalog::zip);
    }

    private static byte[] zip(FineTuningConfig.Model m) {
        String readme = "# " + m.name() + "\n\nRoot hash: " + m.hash() + "\n\n"
                + "Trained by this provider's development trainer (a stand-in for a GPU training container).\n\n"
                + "Dataset: JSONL, one JSON object per line: {\"instruction\",\"input\",\"output\"}, "
                + "{\"messages\":[{\"role\",\"content\"}]} or {\"text\"}; upload it to this provider's TEE "
                + "(fine-tuning upload --provider, or create-task --dataset-path).\n\n"
                + "Training parameters (create-task --config-path), exactly these five:\n"
                + "{\"neftune_noise_alpha\": 5, \"num_train_epochs\": 2, \"per_device_train_batch_size\": 2, "
                + "\"learning_rate\": 0.0002, \"max_steps\": -1}\n\n"
                + "Delivery: an encrypted zip of output_model/ (adapter_config.json, ...), downloaded with "
                + "acknowledge-model --download-method tee and opened with decrypt-model once the task is Finished.\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(out)) {
            z.putNextEntry(new ZipEntry(m.name() + "/README.md"));
            z.write(readme.getBytes(StandardCharsets.UTF_8));
            z.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in memory: cannot happen
        }
        return out.toByteArray();
    }

    private static JsonObject json(FineTuningConfig.Model m) {
        // no container image or training script: this build trains in-process (the development trainer)
        return new JsonObject().put("name", m.name()).put("hash", m.hash()).put("image", "").put("dataType", "text")
                .put("trainingScript", "").put("description", m.name() + ": trained by this provider's "
                        + "development trainer (a stand-in for a GPU training container)")
                .put("tokenizer", "");
    }
}
