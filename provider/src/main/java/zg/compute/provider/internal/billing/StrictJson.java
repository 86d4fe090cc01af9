package zg.compute.provider.internal.billing;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import zg.compute.provider.internal.auth.RequestRejected;

/**
 * The one JSON reading rule of billing: exactly one value, no trailing data, no duplicate keys — what the
 * upstream reads must be what the broker billed.
 */
public final class StrictJson {

    public static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private StrictJson() {
    }

    /** A request body that must be a JSON object; 400 {@code invalid request body: …} otherwise. */
    public static ObjectNode object(byte[] body) throws RequestRejected {
        JsonNode n;
        try {
            n = MAPPER.readTree(body);
        } catch (IOException e) {
            throw new RequestRejected(400, "invalid request body: " + reason(e));
        }
        if (n == null || !n.isObject()) {
            throw new RequestRejected(400, "invalid request body: not a JSON object");
        }
        return (ObjectNode) n;
    }

    /** A response or fragment; null when it is not strict JSON. */
    public static JsonNode readOrNull(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (IOException e) {
            return null;
        }
    }

    public static byte[] write(JsonNode n) {
        try {
            return MAPPER.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String reason(IOException e) {
        if (e instanceof JsonProcessingException j) {
            String m = j.getOriginalMessage();
            int nl = m.indexOf('\n');
            return "not valid JSON (" + (nl > 0 ? m.substring(0, nl) : m) + ")";
        }
        return "not valid JSON";
    }
}
