package zg.compute.provider.internal.finetuning;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
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

    private static JsonObject json(FineTuningConfig.Model m) {
        // no container image or training script: this build trains in-process (the development trainer)
        return new JsonObject().put("name", m.name()).put("hash", m.hash()).put("image", "").put("dataType", "text")
                .put("trainingScript", "").put("description", m.name() + ": trained by this provider's "
                        + "development trainer (a stand-in for a GPU training container)")
                .put("tokenizer", "");
    }
}
