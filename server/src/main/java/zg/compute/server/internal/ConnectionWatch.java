package zg.compute.server.internal;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.List;
import zg.compute.server.ServerLimits;

/**
 * The limits of one connection, checked on its event loop every {@link ServerLimits#tick()}: while no request is in
 * flight it waits for a head (header timeout on a new connection, idle timeout after a response); every request in
 * flight must have its whole body within the body timeout.
 */
public final class ConnectionWatch {

    private final HttpConnection conn;
    private final ServerLimits limits;
    private final Vertx vertx;
    private final long timer;
    /** Requests whose body or response is not finished (one on HTTP/1.1; several streams on HTTP/2). */
    private final List<Started> inFlight = new ArrayList<>(1);
    private long waitingSince = System.nanoTime();
    private boolean served;
    private boolean closing;

    private record Started(HttpServerRequest request, long at) {
    }

    public ConnectionWatch(Vertx vertx, HttpConnection conn, ServerLimits limits) {
        this.vertx = vertx;
        this.conn = conn;
        this.limits = limits;
        this.timer = vertx.setPeriodic(limits.tick().toMillis(), id -> check());
    }

    /** A request head arrived on this connection. */
    public synchronized void started(HttpServerRequest req) {
        // Finished requests go now, not at the next tick: a keep-alive connection at thousands of requests per
        // second otherwise held up to a tick's worth of requests (with their bodies and routing state), which
        // outlived young collections and filled the old generation.
        long now = System.nanoTime();
        forgetFinished(now);
        inFlight.add(new Started(req, now));
    }

    /** How many requests this watch still holds (finished ones included until they are noticed). */
    synchronized int held() {
        return inFlight.size();
    }

    public void stop() {
        vertx.cancelTimer(timer);
    }

    private synchronized void check() {
        if (closing) {
            return;
        }
        long now = System.nanoTime();
        forgetFinished(now);
        if (inFlight.isEmpty()) {
            long limit = (served ? limits.idleTimeout() : limits.headerTimeout()).toNanos();
            if (now - waitingSince > limit) {
                close();
            }
            return;
        }
        for (Started s : inFlight) {
            if (!s.request().isEnded() && now - s.at() > limits.bodyTimeout().toNanos()) {
                tooSlow(s.request().response());
                return;
            }
        }
    }

    /** Drops the requests whose body was read and whose response ended; the idle time counts from {@code now}. */
    private void forgetFinished(long now) {
        inFlight.removeIf(s -> {
            boolean done = s.request().isEnded() && s.request().response().ended();
            if (done) {
                served = true;
                waitingSince = now;
            }
            return done;
        });
    }

    /** 408 when nothing was answered yet, then the connection closes (what is left of the body is not read). */
    private void tooSlow(HttpServerResponse resp) {
        closing = true;
        if (!resp.headWritten() && !resp.closed()) {
            resp.setStatusCode(408).putHeader("Content-Type", "application/json").putHeader("Connection", "close")
                    .end("{\"error\":\"request body not received within " + limits.bodyTimeout().toSeconds()
                            + " s\"}")
                    .onComplete(ar -> close());
        } else {
            close();
        }
    }

    private void close() {
        closing = true;
        stop();
        conn.close();
    }
}
