package zg.compute.bench.load;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;

/**
 * The fixture's SSE answer paced as a model streams it: the first event at once, the rest {@link #REST_MILLIS} later.
 * nginx cannot pace a small static file ({@code limit_rate} allows a second's worth at once), so the upstream nginx
 * proxies {@code X-Bench-Stream: 2} here; every target of the first-byte probe goes through the same hop.
 */
final class PacedStream implements AutoCloseable {

    static final long REST_MILLIS = 50;

    private final Vertx vertx;
    private final HttpServer server;

    private PacedStream(Vertx vertx, HttpServer server) {
        this.vertx = vertx;
        this.server = server;
    }

    static PacedStream start(String sse) {
        int split = sse.indexOf("\n\n") + 2;
        String first = sse.substring(0, split);
        String rest = sse.substring(split);
        Vertx vertx = Vertx.vertx();
        HttpServer server = vertx.createHttpServer().requestHandler(req -> req.body().onComplete(b -> {
            HttpServerResponse r = req.response().setChunked(true).putHeader("Content-Type", "text/event-stream");
            r.write(first);
            vertx.setTimer(REST_MILLIS, t -> r.end(rest));
        }));
        server.listen(0, "127.0.0.1").await();
        return new PacedStream(vertx, server);
    }

    int port() {
        return server.actualPort();
    }

    @Override
    public void close() {
        vertx.close().await();
    }
}
