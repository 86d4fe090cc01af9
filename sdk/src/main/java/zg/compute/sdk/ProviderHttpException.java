package zg.compute.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;

/** A provider's HTTP endpoint failed: a non-2xx status (with the provider's text) or no answer. */
public class ProviderHttpException extends ZGComputeException {

    private final int status;

    public ProviderHttpException(String message, int status, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The provider's words in an error body: {@code {"error": "…"}} or {@code {"error": {"message": "…"}}}, else the
     * body as text; whitespace collapsed to single spaces, empty for an empty or missing body.
     */
    public static String providerText(byte[] body) {
        String text = body == null ? "" : new String(body, StandardCharsets.UTF_8).strip();
        try {
            JsonNode n = JSON.readTree(text);
            JsonNode e = n == null ? null : n.get("error");
            if (e != null && e.isTextual()) {
                text = e.asText();
            } else if (e != null && e.path("message").isTextual()) {
                text = e.get("message").asText();
            }
        } catch (Exception notJson) {
            // keep the raw text
        }
        return text.replaceAll("\\s+", " ");
    }

    /** HTTP status; -1 when there was no response. */
    public int status() {
        return status;
    }
}
