package zg.compute.sdk.internal.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The pictures of an OpenAI images answer ({@code {"data":[{"b64_json":…}]}}), decoded the way our broker reads
 * them before it signs (services-and-ui.md A.2): in order, stopping at the first item without {@code b64_json},
 * at most the requested n.
 */
public final class ImageAnswer {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ImageAnswer() {
    }

    /** The decoded images (at most {@code max}), or null when the body is not such an answer. */
    public static List<byte[]> decode(byte[] body, int max) {
        try {
            JsonNode doc = JSON.readTree(body);
            if (doc == null || !doc.path("data").isArray()) {
                return null;
            }
            List<byte[]> out = new ArrayList<>();
            for (JsonNode item : doc.get("data")) {
                if (out.size() >= max || !item.path("b64_json").isTextual()) {
                    break;
                }
                out.add(Base64.getMimeDecoder().decode(item.get("b64_json").asText()));
            }
            return out;
        } catch (Exception unreadable) {
            return null;
        }
    }

    /** The {@code n} of an image request JSON (1 when absent), or -1 when the body is not JSON (multipart). */
    public static int requestedCount(String requestJson) {
        try {
            JsonNode doc = requestJson == null ? null : JSON.readTree(requestJson);
            if (doc == null || !doc.isObject()) {
                return -1;
            }
            JsonNode n = doc.get("n");
            if (n == null || n.isNull()) {
                return 1;
            }
            int v = n.isTextual() ? Integer.parseInt(n.asText().trim()) : n.isIntegralNumber() ? n.asInt() : -1;
            return v >= 1 ? v : -1;
        } catch (Exception notJson) {
            return -1;
        }
    }
}
