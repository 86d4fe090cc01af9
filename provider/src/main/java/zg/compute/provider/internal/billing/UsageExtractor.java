package zg.compute.provider.internal.billing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import zg.compute.protocol.http.ContentEncoding;

/**
 * Reads token usage from an OpenAI-compatible chat response as the client received it. What the body
 * is comes from the response's {@code Content-Type} (SSE or JSON; sniffed only when absent), never
 * from what the request asked for: an upstream that streams although the request said otherwise is
 * still billed for the whole stream. JSON is parsed strictly (trailing data is not ignored). In a
 * stream the last chunk carrying {@code usage} wins; comment and {@code event:} lines are tolerated.
 * Without a readable {@code usage}, the broker bills its own count ({@link TokenEstimate}) of the
 * prompt and of the output it relayed — never 0 for a non-empty prompt.
 */
public final class UsageExtractor {

    private static final ObjectMapper JSON = StrictJson.MAPPER;
    private static final int MAX_DECODED = 64 * 1024 * 1024;

    private UsageExtractor() {
    }

    /**
     * @param contentEncoding the upstream's {@code Content-Encoding}: none, gzip, deflate or br
     * @param contentType     the upstream's {@code Content-Type}
     * @param promptEstimate  the broker's count of the prompt, billed when no usage is reported
     * @throws IOException when the body cannot be decoded (unsupported encoding, corrupt stream)
     */
    public static Usage extract(byte[] body, String contentEncoding, String contentType, long promptEstimate)
            throws IOException {
        String text = new String(ContentEncoding.decode(body, contentEncoding, MAX_DECODED), StandardCharsets.UTF_8);
        return switch (kind(contentType, text)) {
            case SSE -> fromStream(text, promptEstimate);
            case JSON -> fromJson(text, promptEstimate);
            case OTHER -> new Usage(promptEstimate, TokenEstimate.of(text), false);
        };
    }

    enum Kind { SSE, JSON, OTHER }

    static Kind kind(String contentType, String text) {
        String ct = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        if (ct.contains("text/event-stream")) {
            return Kind.SSE;
        }
        if (ct.contains("json")) {
            return Kind.JSON;
        }
        String t = text.stripLeading();
        if (ct.isEmpty() && (t.startsWith("data:") || t.startsWith(":") || t.startsWith("event:"))) {
            return Kind.SSE;
        }
        return ct.isEmpty() && t.startsWith("{") ? Kind.JSON : Kind.OTHER;
    }

    private static Usage fromJson(String text, long promptEstimate) {
        JsonNode n;
        try {
            n = JSON.readTree(text);
        } catch (IOException notStrictJson) {
            // Unreadable or with trailing data: bill what was delivered by the broker's own count.
            return new Usage(promptEstimate, TokenEstimate.of(text), false);
        }
        Usage u = n == null ? null : usage(n.get("usage"));
        if (u != null) {
            return u;
        }
        StringBuilder content = new StringBuilder();
        if (n != null) {
            for (JsonNode c : n.path("choices")) {
                append(content, c.path("message").path("content"));
                append(content, c.path("message").path("reasoning_content"));
                append(content, c.path("text"));
            }
        }
        return new Usage(promptEstimate, TokenEstimate.of(content), false);
    }

    private static Usage fromStream(String text, long promptEstimate) {
        SseUsage stream = new SseUsage();
        stream.accept(text.getBytes(StandardCharsets.UTF_8));
        return stream.usage(promptEstimate);
    }

    private static void append(StringBuilder out, JsonNode text) {
        String t = text.asText("");
        if (!t.isEmpty()) {
            out.append(out.isEmpty() ? "" : " ").append(t);
        }
    }

    static Usage usage(JsonNode u) {
        if (u == null || !u.isObject() || !u.has("prompt_tokens") && !u.has("completion_tokens")) {
            return null;
        }
        long in = u.path("prompt_tokens").asLong(0);
        long out = u.path("completion_tokens").asLong(0);
        return new Usage(Math.max(0, in), Math.max(0, out), true);
    }
}
