package zg.compute.sdk.internal.finetuning;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import org.web3j.crypto.Credentials;
import zg.compute.protocol.finetuning.FineTuningSignatures;
import zg.compute.sdk.FineTuningTask;
import zg.compute.sdk.ProviderHttpException;

/** The JSON of the provider's fine-tuning task API (sdk-cli.md §8.4-8.6): request bodies and {@link FineTuningTask}. */
public final class TaskJson {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private TaskJson() {
    }

    /**
     * The body of {@code POST /v1/user/{user}/task}: the fee is "0" (the provider computes it), the nonce a
     * decimal string, the training parameters the JSON text as a string.
     */
    public static String createTask(Credentials creds, String user, String datasetHash, String trainingParams,
            String preTrainedModelHash, BigInteger nonce, boolean wait) {
        ObjectNode n = JSON.createObjectNode();
        n.put("userAddress", user);
        n.put("datasetHash", datasetHash);
        n.put("trainingParams", trainingParams);
        n.put("preTrainedModelHash", preTrainedModelHash);
        n.put("fee", "0");
        n.put("nonce", nonce.toString());
        n.put("signature", FineTuningSignatures.taskCreation(creds, user, nonce, datasetHash));
        n.put("wait", wait);
        return n.toString();
    }

    /** The body of {@code POST …/task/{id}/cancel}. */
    public static String cancel(Credentials creds, String taskId) {
        return JSON.createObjectNode().put("signature", FineTuningSignatures.cancel(creds, taskId)).toString();
    }

    /** The body of {@code POST …/task/{id}/lora}, signed for {@code timestampSec}. */
    public static String loraDownload(Credentials creds, String taskId, long timestampSec) {
        return JSON.createObjectNode().put("signature", FineTuningSignatures.loraDownload(creds, taskId, timestampSec))
                .put("timestamp", timestampSec).toString();
    }

    /** Whether {@code text} is JSON (any value), as the official SDK's {@code JSON.parse} check. */
    public static boolean isJson(String text) {
        try {
            JSON.readTree(text);
            return !text.isBlank();
        } catch (JsonProcessingException e) {
            return false;
        }
    }

    public static JsonNode read(String body, String what) {
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ProviderHttpException("The provider's " + what + " is not JSON: " + e.getOriginalMessage(), 200,
                    e);
        }
    }

    /** The {@code error} text of a provider's JSON error body, else the body itself. */
    public static String errorText(String body) {
        if (body == null || body.isBlank()) {
            return "(no error text)";
        }
        try {
            JsonNode n = JSON.readTree(body);
            if (n != null && n.hasNonNull("error")) {
                return n.get("error").asText();
            }
        } catch (JsonProcessingException e) {
            // plain text
        }
        return body.strip();
    }

    public static List<FineTuningTask> tasks(JsonNode array) {
        if (!array.isArray()) {
            throw new ProviderHttpException("The provider's task list is not a JSON array", 200, null);
        }
        List<FineTuningTask> out = new ArrayList<>();
        array.forEach(n -> out.add(task(n)));
        return out;
    }

    public static FineTuningTask task(JsonNode n) {
        return new FineTuningTask(text(n, "id"), instant(n, "createdAt"), instant(n, "updatedAt"),
                text(n, "userAddress"), text(n, "preTrainedModelHash"), text(n, "datasetHash"),
                text(n, "trainingParams"), integer(n, "fee"), integer(n, "nonce"), text(n, "signature"),
                text(n, "progress"), n.path("deliverIndex").asLong(0), instant(n, "deliverTime"),
                text(n, "modelType"), n.path("wait").asBoolean(false));
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static BigInteger integer(JsonNode n, String field) {
        String s = text(n, field);
        if (s == null || s.isEmpty()) {
            return BigInteger.ZERO;
        }
        try {
            return new BigInteger(s);
        } catch (NumberFormatException e) {
            throw new ProviderHttpException("The provider's task field " + field + " is not an integer: " + s, 200, e);
        }
    }

    /** RFC 3339 text, or unix seconds as a number ({@code deliverTime}; 0 = not yet). */
    private static Instant instant(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v != null && v.isIntegralNumber()) {
            return v.asLong() == 0 ? null : Instant.ofEpochSecond(v.asLong());
        }
        String s = text(n, field);
        if (s == null || s.isEmpty()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException e) {
            throw new ProviderHttpException("The provider's task field " + field + " is not an RFC 3339 time: " + s,
                    200, e);
        }
    }
}
