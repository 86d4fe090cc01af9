package zg.compute.provider.internal.billing;

import io.vertx.core.buffer.Buffer;

/**
 * Counts the {@code data:} events of a plain SSE stream (engines send about one token per event) to
 * tell when an upstream streams past the output a request's reservation covers. Only {@code data:} at
 * the start of a line counts (JSON text cannot hold a raw newline, so content never fakes one). A few
 * events of slack cover the role, usage and {@code [DONE]} events that carry no output.
 */
public final class OutputLimit {

    static final int SLACK = 8;
    private static final byte[] DATA = {'d', 'a', 't', 'a', ':'};

    private final long maxEvents;
    private long events;
    /** Bytes of "data:" matched so far at the start of the current line; -1 inside a line. */
    private int matched;

    public OutputLimit(long outputTokens) {
        this.maxEvents = outputTokens + SLACK;
    }

    /** Adds the chunk's events; true once the stream has gone past the limit. */
    public boolean exceededBy(Buffer chunk) {
        if (events > maxEvents) {
            return true;
        }
        byte[] bytes = chunk.getBytes(); // one copy beats a bounds-checked read per byte
        for (byte b : bytes) {
            if (b == '\n' || b == '\r') {
                matched = 0;
            } else if (matched >= 0 && b == DATA[matched]) {
                if (++matched == DATA.length) {
                    events++;
                    matched = -1;
                }
            } else {
                matched = -1;
            }
        }
        return events > maxEvents;
    }
}
