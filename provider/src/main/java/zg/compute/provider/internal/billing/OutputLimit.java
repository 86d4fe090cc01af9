package zg.compute.provider.internal.billing;

import io.vertx.core.buffer.Buffer;

/**
 * Counts the {@code data:} events of a plain SSE stream (engines send about one token per event) to
 * tell when an upstream streams past the output a request's reservation covers. A few events of slack
 * cover the role, usage and {@code [DONE]} events that carry no output.
 */
public final class OutputLimit {

    static final int SLACK = 8;
    private static final byte[] DATA = {'d', 'a', 't', 'a', ':'};

    private final long maxEvents;
    private long events;

    public OutputLimit(long outputTokens) {
        this.maxEvents = outputTokens + SLACK;
    }

    /** Adds the chunk's events; true once the stream has gone past the limit. */
    public boolean exceededBy(Buffer chunk) {
        int n = chunk.length();
        for (int i = 0; i + DATA.length <= n; i++) {
            boolean match = true;
            for (int j = 0; j < DATA.length && match; j++) {
                match = chunk.getByte(i + j) == DATA[j];
            }
            if (match) {
                events++;
                i += DATA.length - 1;
            }
        }
        return events > maxEvents;
    }
}
