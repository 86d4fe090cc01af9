package zg.compute.provider.internal.billing;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an OpenAI-compatible SSE chat stream as it passes, holding one line at most: the {@code data:}
 * events (about one token each: what {@link #events} counts for the output limit), the last {@code usage}
 * an event carried, and the broker's own count of the content delivered ({@link TokenCount}) for a stream
 * without usage. Comment, blank and {@code event:} lines are skipped; nothing after {@code data: [DONE]} counts.
 */
public final class SseUsage {

    /** Events are parsed strictly (nothing after the value) but without duplicate-key tracking: one parse per token. */
    private static final ObjectMapper EVENTS = new ObjectMapper();
    /** A longer line is not kept: its bytes are counted as delivered content, unparsed. */
    static final int MAX_LINE = 1024 * 1024;

    /**
     * Content events not yet read, payloads separated by '\n', in stream order: a stream that carries its usage
     * (the broker always asks for it) never needs their content, so they are read only if the stream ends without
     * one, or when this many bytes are held.
     */
    static final int MAX_DEFERRED = 64 * 1024;

    private final LineBuffer line = new LineBuffer();
    private final LineBuffer deferred = new LineBuffer();
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
                if (last == null) {
                    readDeferred();
                    content.appendOpaque(overflow);
                }
            }
            overflow = 0;
            return;
        }
        byte[] b = line.buffer();
        int from = 0;
        int to = line.size();
        line.reset();
        while (from < to && isSpace(b[from])) {
            from++;
        }
        while (to > from && isSpace(b[to - 1])) {
            to--;
        }
        if (done || to - from < 5 || b[from] != 'd' || b[from + 1] != 'a' || b[from + 2] != 't' || b[from + 3] != 'a'
                || b[from + 4] != ':') {
            return; // blank separators, ": keep-alive" comments, "event:" lines, anything after [DONE]
        }
        events++;
        from += 5;
        while (from < to && isSpace(b[from])) {
            from++;
        }
        if (to - from == 6 && new String(b, from, 6, StandardCharsets.US_ASCII).equals("[DONE]")) {
            done = true;
            return;
        }
        if (from == to) {
            return;
        }
        boolean mayCarryUsage = mayCarryUsage(b, from, to);
        if (last != null) {
            // the usage is known: content no longer counts, only a later usage can replace it
            if (mayCarryUsage) {
                Event e = readOrNull(b, from, to);
                if (e != null && e.usage != null) {
                    last = e.usage;
                }
            }
            return;
        }
        if (!mayCarryUsage) {
            deferred.write(b, from, to - from);
            deferred.write('\n');
            if (deferred.size() > MAX_DEFERRED) {
                readDeferred();
            }
            return;
        }
        Event e = readOrNull(b, from, to);
        if (e != null && e.usage != null) {
            last = e.usage;
            deferred.reset(); // never needed: the usage wins over any count
            return;
        }
        readDeferred();
        count(e, b, from, to);
    }

    /** Counts an event's content (null: text that is no JSON value, delivered all the same). */
    private void count(Event e, byte[] b, int from, int to) {
        if (e == null) {
            content.append(new String(b, from, to - from, StandardCharsets.UTF_8)).append(" ");
            return;
        }
        for (String piece : e.content) {
            content.append(piece);
        }
    }

    /** Reads and counts the deferred events, in order. */
    private void readDeferred() {
        byte[] d = deferred.buffer();
        int n = deferred.size();
        int start = 0;
        for (int i = 0; i < n; i++) {
            if (d[i] == '\n') {
                count(readOrNull(d, start, i), d, start, i);
                start = i + 1;
            }
        }
        deferred.reset();
    }

    private static Event readOrNull(byte[] b, int from, int to) {
        try {
            return Event.read(b, from, to - from);
        } catch (IOException notJson) {
            return null;
        }
    }

    /**
     * Whether an event's text could hold a {@code usage} object: {@code sage"} then {@code :} and {@code {} (JSON
     * whitespace allowed between), or any backslash-u escape (the only other way to write a key's letters).
     * Never false for an event that has one; sometimes true for one that has not (then it is simply read).
     */
    static boolean mayCarryUsage(byte[] b, int from, int to) {
        for (int i = from; i + 1 < to; i++) {
            if (b[i] == '\\' && b[i + 1] == 'u') {
                return true;
            }
            if (b[i] == 's' && i + 4 < to && b[i + 1] == 'a' && b[i + 2] == 'g' && b[i + 3] == 'e' && b[i + 4] == '"') {
                int j = skipSpace(b, i + 5, to);
                if (j < to && b[j] == ':') {
                    j = skipSpace(b, j + 1, to);
                    if (j < to && b[j] == '{') {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static int skipSpace(byte[] b, int i, int to) {
        while (i < to && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n')) {
            i++;
        }
        return i;
    }

    /** Whitespace as {@link String#strip} sees it in the ASCII range (SSE lines are framed by ASCII). */
    private static boolean isSpace(byte c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0x0b || c == 0x0c || (c >= 0x1c && c <= 0x1f);
    }

    /**
     * One event read with a streaming parser (an event is about one token: building a tree per event was most of
     * a streamed answer's garbage): the top-level {@code usage} and, per choice, {@code delta.content},
     * {@code delta.reasoning_content} and {@code text}; strict, all or nothing, nothing after the value.
     */
    private record Event(Usage usage, List<String> content) {

        static Event read(byte[] b, int off, int len) throws IOException {
            try (JsonParser p = EVENTS.getFactory().createParser(b, off, len)) {
                JsonToken t = p.nextToken();
                Usage usage = null;
                List<String> content = new ArrayList<>(2);
                if (t == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String field = p.currentName();
                        JsonToken v = p.nextToken();
                        if (field.equals("usage")) {
                            usage = UsageExtractor.usage(v == JsonToken.START_OBJECT ? p.readValueAsTree() : null);
                        } else if (field.equals("choices") && v == JsonToken.START_ARRAY) {
                            choices(p, content);
                        } else {
                            p.skipChildren();
                        }
                    }
                } else {
                    p.skipChildren(); // valid JSON that is no object: an event, nothing to count
                }
                if (p.nextToken() != null) {
                    throw new IOException("trailing data after the event");
                }
                return new Event(usage, content);
            }
        }

        private static void choices(JsonParser p, List<String> content) throws IOException {
            while (p.nextToken() != JsonToken.END_ARRAY) {
                if (p.currentToken() != JsonToken.START_OBJECT) {
                    p.skipChildren();
                    continue;
                }
                String delta = "";
                String reasoning = "";
                String text = "";
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken v = p.nextToken();
                    if (field.equals("delta") && v == JsonToken.START_OBJECT) {
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String f = p.currentName();
                            p.nextToken();
                            if (f.equals("content")) {
                                delta = scalar(p);
                            } else if (f.equals("reasoning_content")) {
                                reasoning = scalar(p);
                            } else {
                                p.skipChildren();
                            }
                        }
                    } else if (field.equals("text")) {
                        text = scalar(p);
                    } else {
                        p.skipChildren();
                    }
                }
                content.add(delta);
                content.add(reasoning);
                content.add(text);
            }
        }

        /** A value as Jackson's {@code asText("")} reads it: scalars as text, null and containers as "". */
        private static String scalar(JsonParser p) throws IOException {
            JsonToken t = p.currentToken();
            if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                p.skipChildren();
                return "";
            }
            return t == JsonToken.VALUE_NULL ? "" : p.getText();
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
        if (last != null) {
            return last;
        }
        readDeferred();
        return new Usage(promptEstimate, content.tokens(), false);
    }

    /** Bytes of deferred events held now (at most {@link #MAX_DEFERRED} plus one event). */
    int deferredBytes() {
        return deferred.size();
    }

    /** The current line's bytes, readable in place. */
    private static final class LineBuffer extends ByteArrayOutputStream {
        LineBuffer() {
            super(256);
        }

        byte[] buffer() {
            return buf;
        }
    }
}
