package zg.compute.provider.internal.billing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import zg.compute.protocol.http.ContentEncoding;

/**
 * Reads token usage from an OpenAI-compatible chat response as the client received it: a JSON body,
 * or an SSE stream whose last chunk carrying {@code usage} wins. Comment and {@code event:} lines are
 * tolerated (the official broker stops billing on them). Without any {@code usage}, output is
 * billed by whitespace-separated words of the content and input is free.
 */
public final class UsageExtractor {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_DECODED = 64 * 1024 * 1024;

    private UsageExtractor() {
    }

    /**
     * @param contentEncoding the upstream's {@code Content-Encoding}: none, gzip, deflate or br
     * @throws IOException when the body cannot be decoded (unsupported encoding, corrupt stream)
     */
    public static Usage extract(byte[] body, String contentEncoding, boolean stream) throws IOException {
        String text = new String(ContentEncoding.decode(body, contentEncoding, MAX_DECODED), StandardCharsets.UTF_8);
        return stream ? fromStream(text) : fromJson(text);
    }

    private static Usage fromJson(String text) throws IOException {
        String t = text.strip();
        if (t.startsWith("data:")) {
            t = t.substring(5).strip();
        }
        JsonNode n = JSON.readTree(t);
        if (n == null) {
            throw new IOException("empty response");
        }
        Usage u = usage(n.get("usage"));
        if (u != null) {
            return u;
        }
        StringBuilder content = new StringBuilder();
        for (JsonNode c : n.path("choices")) {
            content.append(c.path("message").path("content").asText("")).append(' ');
        }
        return new Usage(0, words(content), false);
    }

    private static Usage fromStream(String text) {
        Usage last = null;
        StringBuilder content = new StringBuilder();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (!line.startsWith("data:")) {
                continue; // blank separators, ": keep-alive" comments, "event:" lines
            }
            String data = line.substring(5).strip();
            if (data.equals("[DONE]")) {
                break;
            }
            JsonNode n;
            try {
                n = JSON.readTree(data);
            } catch (IOException notJson) {
                continue;
            }
            if (n == null) {
                continue;
            }
            Usage u = usage(n.get("usage"));
            if (u != null) {
                last = u;
            }
            for (JsonNode c : n.path("choices")) {
                content.append(c.path("delta").path("content").asText(""));
            }
        }
        return last != null ? last : new Usage(0, words(content), false);
    }

    private static Usage usage(JsonNode u) {
        if (u == null || !u.isObject() || !u.has("prompt_tokens") && !u.has("completion_tokens")) {
            return null;
        }
        long in = u.path("prompt_tokens").asLong(0);
        long out = u.path("completion_tokens").asLong(0);
        return new Usage(Math.max(0, in), Math.max(0, out), true);
    }

    private static long words(CharSequence s) {
        String t = s.toString().strip();
        return t.isEmpty() ? 0 : t.split("\\s+").length;
    }
}
