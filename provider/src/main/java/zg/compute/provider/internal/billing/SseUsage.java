package zg.compute.provider.internal.billing;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads an OpenAI-compatible SSE chat stream as it passes, holding one line at most: the {@code data:}
 * events (about one token each: what {@link #events} counts for the output limit), the last {@code usage}
 * an event carried, and the broker's own count of the content delivered ({@link TokenCount}) for a stream
 * without usage. Comment, blank and {@code event:} lines are skipped; nothing after {@code data: [DONE]} counts.
 */
public final class SseUsage {

    /** Events are parsed strictly (no trailing data) but without duplicate-key tracking: one parse per token. */
    private static final ObjectMapper EVENTS = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    /** A longer line is not kept: its bytes are counted as delivered content, unparsed. */
    static final int MAX_LINE = 1024 * 1024;

    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    private long overflow;
    private final TokenCount content = new TokenCount();
    private Usage last;
    private long events;
    private boolean done;

    /** Feeds the next bytes of the stream (a chunk may end anywhere, inside a line or a character). */
    public void accept(byte[] bytes, int offset, int length) {
        int start = offset;
        int end = offset + length;
        for (int i = offset; i < end; i++) {
            if (bytes[i] == '\n') {
                keep(bytes, start, i - start);
                endLine();
                start = i + 1;
            }
        }
        keep(bytes, start, end - start);
    }

    public void accept(byte[] bytes) {
        accept(bytes, 0, bytes.length);
    }

    private void keep(byte[] bytes, int from, int n) {
        if (n == 0) {
            return;
        }
        if (overflow > 0 || line.size() + n > MAX_LINE) {
            overflow += line.size() + n;
            line.reset();
        } else {
            line.write(bytes, from, n);
        }
    }

    private void endLine() {
        if (overflow > 0) {
            if (!done) {
                events++;
                content.appendOpaque(overflow);
            }
            overflow = 0;
            return;
        }
        String text = line.toString(StandardCharsets.UTF_8).strip();
        line.reset();
        if (done || !text.startsWith("data:")) {
            return; // blank separators, ": keep-alive" comments, "event:" lines, anything after [DONE]
        }
        events++;
        String data = text.substring(5).strip();
        if (data.equals("[DONE]")) {
            done = true;
            return;
        }
        JsonNode n;
        try {
            n = EVENTS.readTree(data);
        } catch (IOException notJson) {
            content.append(data).append(" "); // delivered all the same
            return;
        }
        if (n == null) {
            return;
        }
        Usage u = UsageExtractor.usage(n.get("usage"));
        if (u != null) {
            last = u;
        }
        for (JsonNode c : n.path("choices")) {
            content.append(c.path("delta").path("content").asText(""))
                    .append(c.path("delta").path("reasoning_content").asText(""))
                    .append(c.path("text").asText(""));
        }
    }

    /** {@code data:} events seen so far (a last line without its newline is not counted until it ends). */
    public long events() {
        return events;
    }

    /** The stream's usage, else the prompt estimate and the broker's count of the content delivered. */
    public Usage usage(long promptEstimate) {
        if (line.size() > 0 || overflow > 0) {
            endLine(); // a last event without its newline was delivered too
        }
        return last != null ? last : new Usage(promptEstimate, content.tokens(), false);
    }
}
