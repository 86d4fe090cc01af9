package zg.compute.provider.internal.http;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;

/**
 * The client's side of a relayed answer: what the upstream sent, written to the client. A small answer that is not a
 * stream is held whole and goes out with the end (one write). A stream goes out as it comes, but the chunks of one
 * upstream read are written together once that read is handled, and what arrived with the upstream's end is held
 * until the bill commits: it goes out with the end in one write, and an answer that could not be billed never ends
 * with its final events ({@code data: [DONE]}). When the whole answer arrived at once, nothing reached the client
 * before the bill, so a failed bill is still answered 503 instead of a broken stream. Event-loop only.
 */
final class RelayedBody {

    private final Context loop;
    private final HttpServerResponse resp;
    private final HttpClientResponse up;
    private final boolean whole;
    private Buffer pending = Buffer.buffer();
    private boolean flushQueued;
    private boolean heldForEnd;

    /**
     * @param whole hold the whole answer for the end (a small answer that is not a stream); else stream it
     */
    RelayedBody(Context loop, HttpServerResponse resp, HttpClientResponse up, boolean whole) {
        this.loop = loop;
        this.resp = resp;
        this.up = up;
        this.whole = whole;
        resp.setChunked(!whole);
    }

    void write(Buffer chunk) {
        pending.appendBuffer(chunk);
        if (!whole && !flushQueued && !heldForEnd) {
            flushQueued = true;
            loop.runOnContext(v -> flush()); // after the rest of this read: its chunks go out in one write
        }
    }

    /** The upstream is done: what is not written yet waits for {@link #end}. */
    void holdForEnd() {
        heldForEnd = true;
    }

    /** Whether any of the body reached the client (then a failure can only break the stream off). */
    boolean flowing() {
        return resp.headWritten();
    }

    /** Ends the response with what was held. */
    void end() {
        Buffer last = pending;
        pending = Buffer.buffer();
        resp.end(last);
    }

    private void flush() {
        flushQueued = false;
        if (heldForEnd || pending.length() == 0 || resp.closed()) {
            return;
        }
        Buffer out = pending;
        pending = Buffer.buffer();
        resp.write(out);
        if (resp.writeQueueFull()) {
            up.pause();
            resp.drainHandler(v -> up.resume());
        }
    }
}
