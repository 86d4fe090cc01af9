package zg.compute.webui.internal;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import zg.compute.protocol.units.Units;
import zg.compute.sdk.DatasetUpload;
import zg.compute.sdk.FineTuningBroker;
import zg.compute.sdk.FineTuningModel;
import zg.compute.sdk.FineTuningTask;
import zg.compute.sdk.InvalidRequestException;
import zg.compute.sdk.TokenEstimate;
import zg.compute.sdk.TxResult;

/**
 * The fine-tuning page, as far as the SDK goes here: the predefined models, a provider's tasks with their progress
 * and log, creating a task (the dataset goes to the provider's TEE upload route; 0G Storage is not reachable), and
 * acknowledging a delivered model's deliverable on chain.
 */
public final class FineTuningApi {

    private final FineTuningBroker ft;

    private final zg.compute.sdk.LoraApi lora;

    /** @param lora deploys and chats with fine-tuned adapters on inference providers */
    public FineTuningApi(FineTuningBroker ft, zg.compute.sdk.LoraApi lora) {
        this.ft = ft;
        this.lora = lora;
    }

    public JsonObject models(Body b) {
        JsonArray models = new JsonArray();
        for (FineTuningModel m : ft.listModel()) {
            models.add(new JsonObject().put("name", m.name()).put("dataType", m.dataType()));
        }
        return new JsonObject().put("models", models);
    }

    public JsonObject tasks(Body b) {
        String provider = b.required("provider");
        JsonArray tasks = new JsonArray();
        for (FineTuningTask t : ft.listTask(provider)) {
            tasks.add(task(t));
        }
        return new JsonObject().put("provider", provider).put("tasks", tasks);
    }

    public JsonObject task(Body b) {
        String provider = b.required("provider");
        String id = b.required("taskId");
        return task(ft.getTask(provider, id)).put("log", ft.getLog(provider, id));
    }

    /** Uploads the dataset to the provider's TEE, then creates the task with the given training parameters. */
    public JsonObject create(Body b) {
        String provider = b.required("provider");
        String model = b.required("model");
        return withFiles(b, (data, paramsFile) -> {
            DatasetUpload up = ft.uploadDatasetToTEE(provider, data);
            String id = ft.createTask(provider, model, up.datasetHash(), paramsFile, Boolean.TRUE.equals(
                    b.json().getBoolean("waitInQueue", false)));
            return new JsonObject().put("message", "Task " + id + " created").put("taskId", id)
                    .put("datasetHash", up.datasetHash());
        });
    }

    /**
     * calculate-token: the dataset's tokens by the SDK's counter and, with a provider (and model), the fee — our
     * provider counts with the same counter, so that is what a task on this dataset will be charged.
     */
    public JsonObject calculate(Body b) {
        String provider = b.optional("provider");
        String model = b.optional("model");
        return withFiles(b, (data, paramsFile) -> {
            TokenEstimate e = ft.calculateToken(data, model, provider, paramsFile);
            JsonObject r = new JsonObject().put("tokens", e.tokens()).put("lines", e.lines())
                    .put("tokenizer", e.tokenizer()).put("epochs", e.epochs());
            String message = e.tokens() + " tokens (" + e.tokenizer() + ") in " + e.lines() + " lines × "
                    + e.epochs() + " epochs";
            if (e.fee() != null) {
                r.put("pricePerToken", e.pricePerToken().toString()).put("fee", Body.amount(e.fee()));
                message += ": fee " + Units.neuronToOg(e.fee()).toPlainString() + " 0G";
            }
            return r.put("message", message);
        });
    }

    private interface WithFiles {
        JsonObject run(Path dataset, Path params) throws IOException;
    }

    /** The page's dataset and training parameters ({@code {}} if none) as files for the SDK, deleted after. */
    private static JsonObject withFiles(Body b, WithFiles action) {
        String params = b.optional("params") == null ? "{}" : b.optional("params");
        byte[] dataset = b.file("dataset");
        if (dataset.length > FineTuningBroker.MAX_DATASET_BYTES) {
            throw new InvalidRequestException("the dataset is larger than 100 MB");
        }
        Path dir = null;
        try {
            dir = Files.createTempDirectory("zg-webui-ft");
            Path data = Files.write(dir.resolve("dataset.jsonl"), dataset);
            Path paramsFile = Files.writeString(dir.resolve("params.json"), params, StandardCharsets.UTF_8);
            return action.run(data, paramsFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (dir != null) {
                try (var files = Files.list(dir)) {
                    files.forEach(p -> p.toFile().delete());
                } catch (IOException ignored) {
                    // a temp dir left behind is harmless
                }
                dir.toFile().delete();
            }
        }
    }

    public JsonObject acknowledge(Body b) {
        String provider = b.required("provider");
        String id = b.required("taskId");
        Optional<TxResult> tx = ft.acknowledgeDeliverable(provider, id);
        return tx.map(t -> AccountApi.tx("Deliverable of task " + id + " acknowledged", t))
                .orElse(new JsonObject().put("message", "Already acknowledged"));
    }

    /** Deploys the task's adapter on an inference provider that serves adapters (no wait: the page polls). */
    public JsonObject deploy(Body b) {
        var d = lora.deployAdapter(b.required("provider"), b.required("model"), b.required("taskId"), false, null,
                null);
        return new JsonObject().put("message", d.message()).put("adapterName", d.adapterName()).put("state", d.state());
    }

    public JsonObject adapter(Body b) {
        var s = lora.getAdapterStatus(b.required("provider"), b.required("adapterName"));
        return new JsonObject().put("adapterName", s.adapterName()).put("state", s.state()).put("error", s.error());
    }

    /** A chat with the adapter through the paid path: billed as its base model, the signature checked. */
    public JsonObject chat(Body b) {
        String model = b.required("model");
        String taskId = b.required("taskId");
        var c = lora.chat(b.required("provider"), zg.compute.protocol.finetuning.AdapterName.of(model, taskId), model,
                b.required("message"), null);
        return new JsonObject().put("content", c.content()).put("promptTokens", c.promptTokens())
                .put("completionTokens", c.completionTokens()).put("fee", Body.amount(c.fee()))
                .put("verified", c.verification().isVerified()).put("chatId", c.chatId());
    }

    private static JsonObject task(FineTuningTask t) {
        return new JsonObject().put("id", t.id()).put("progress", t.progress())
                .put("createdAt", t.createdAt() == null ? null : t.createdAt().toEpochMilli())
                .put("fee", Body.amount(t.fee() == null ? java.math.BigInteger.ZERO : t.fee()))
                .put("finished", t.finished());
    }
}
