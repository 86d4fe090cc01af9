package zg.compute.sdk.internal.billing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import zg.compute.protocol.audio.Wav;

/**
 * What the fee of an answer is counted from, read from its exact bytes: the {@code usage} object of a JSON answer or
 * of the last SSE chunk carrying one, the completion {@code id}, or the seconds of a WAV answer.
 *
 * @param usageJson    the usage object as JSON, null when absent or unreadable
 * @param completionId the completion id, null when absent
 * @param wavSeconds   seconds of audio when the answer is a WAV file, else 0
 */
public record ExchangeFacts(String usageJson, String completionId, double wavSeconds) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static ExchangeFacts read(byte[] answer) {
        if (answer == null || answer.length == 0) {
            return new ExchangeFacts(null, null, 0);
        }
        if (answer.length > 12 && answer[0] == 'R' && answer[1] == 'I' && answer[2] == 'F' && answer[3] == 'F') {
            try {
                return new ExchangeFacts(null, null, Wav.read(answer).seconds());
            } catch (IllegalArgumentException notWav) {
                return new ExchangeFacts(null, null, 0);
            }
        }
        String text = new String(answer, StandardCharsets.UTF_8);
        return text.stripLeading().startsWith("{") ? fromJson(text) : fromStream(text);
    }

    private static ExchangeFacts fromJson(String text) {
        try {
            JsonNode n = JSON.readTree(text);
            return n == null ? new ExchangeFacts(null, null, 0) : new ExchangeFacts(usage(n), id(n), 0);
        } catch (IOException e) {
            return new ExchangeFacts(null, null, 0);
        }
    }

    private static ExchangeFacts fromStream(String text) {
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
                if (n != null) {
                    String u = usage(n);
                    usage = u != null ? u : usage;
                    id = id != null ? id : id(n);
                }
            } catch (IOException notJson) {
                // one malformed chunk does not hide the usage of the others
            }
        }
        return new ExchangeFacts(usage, id, 0);
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
