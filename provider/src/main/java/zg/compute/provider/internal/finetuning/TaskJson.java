package zg.compute.provider.internal.finetuning;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/** The wire form of a task (provider spec §7.3); secrets and the user's public key are never included. */
final class TaskJson {

    private TaskJson() {
    }

    static JsonObject of(Task t) {
        return new JsonObject()
                .put("id", t.id())
                .put("createdAt", Instant.ofEpochMilli(t.createdAtMillis()).toString())
                .put("updatedAt", Instant.ofEpochMilli(t.updatedAtMillis()).toString())
                .put("userAddress", t.userAddress())
                .put("preTrainedModelHash", t.preTrainedModelHash())
                .put("datasetHash", t.datasetHash())
                .put("trainingParams", t.trainingParams())
                .put("fee", t.fee().toString())
                .put("nonce", t.nonce().toString())
                .put("signature", t.signature())
                .put("progress", t.progress().name())
                .put("deliverIndex", t.deliverIndex())
                .put("deliverTime", t.deliverTimeSeconds())
                .put("modelType", t.modelType())
                .put("wait", t.waitForQueue());
    }
}
