package zg.compute.cli.internal.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import zg.compute.protocol.http.ContentEncoding;

/**
 * What the proxy needs from a chat response: the {@code usage} object (from the JSON body, or from the
 * last SSE chunk that carries one) and the completion {@code id}.
 *
 * @param usageJson    the usage object as JSON, null when absent or unreadable
 * @param completionId the completion id, null when absent
 */
record ResponseFacts(String usageJson, String completionId) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_DECODED = 64 * 1024 * 1024;

    static ResponseFacts read(byte[] body, String contentEncoding, boolean sse) {
        String text;
        try {
            text = new String(ContentEncoding.decode(body, contentEncoding, MAX_DECODED), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return new ResponseFacts(null, null);
        }
        return sse ? fromStream(text) : fromJson(text);
    }

    private static ResponseFacts fromJson(String text) {
        try {
            JsonNode n = JSON.readTree(text);
            return n == null ? new ResponseFacts(null, null) : new ResponseFacts(usage(n), id(n));
        } catch (IOException e) {
            return new ResponseFacts(null, null);
        }
    }

    private static ResponseFacts fromStream(String text) {
        String usage = null;
        String id = null;
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (!line.startsWith("data:")) {
                continue; // separators, comments, event: lines
            }
            String data = line.substring(5).strip();
            if (data.equals("[DONE]")) {
                break;
            }
            try {
                JsonNode n = JSON.readTree(data);
                if (n == null) {
                    continue;
                }
                String u = usage(n);
                usage = u != null ? u : usage;
                id = id != null ? id : id(n);
            } catch (IOException notJson) {
                // a malformed chunk is the client's problem, not a reason to skip billing the rest
            }
        }
        return new ResponseFacts(usage, id);
    }

    private static String usage(JsonNode n) {
        JsonNode u = n.get("usage");
        return u != null && u.isObject() ? u.toString() : null;
    }

    private static String id(JsonNode n) {
        JsonNode id = n.get("id");
        return id != null && id.isTextual() && !id.asText().isEmpty() ? id.asText() : null;
    }
}
