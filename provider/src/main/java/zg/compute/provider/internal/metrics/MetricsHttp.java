package zg.compute.provider.internal.metrics;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import zg.compute.server.GuardedHttpServer;
import zg.compute.server.ServerLimits;

/**
 * Prometheus {@code GET /metrics} on a listener of its own ({@code server.metricsHost:metricsPort}, loopback by
 * default), never on the public API port. A scrape runs on a worker thread: its gauges read the store.
 */
public final class MetricsHttp {

    private final GuardedHttpServer.Listeners server;

    private MetricsHttp(GuardedHttpServer.Listeners server) {
        this.server = server;
    }

    /** @throws IllegalStateException with a friendly text when {@code host:port} cannot be bound */
    public static MetricsHttp start(Vertx vertx, BrokerMetrics metrics, String host, int port, ServerLimits limits) {
        GuardedHttpServer.Listeners server = GuardedHttpServer.listen(vertx, new HttpServerOptions(), limits, req -> {
            if (req.method() != HttpMethod.GET || !req.path().equals("/metrics")) {
                req.response().setStatusCode(404).putHeader("Content-Type", "text/plain; charset=utf-8")
                        .end("not found: only GET /metrics is served here\n");
                return;
            }
            vertx.executeBlocking(metrics::scrape, false).onComplete(ar -> {
                if (ar.failed()) {
                    req.response().setStatusCode(500).putHeader("Content-Type", "text/plain; charset=utf-8")
                            .end("scrape failed: " + ar.cause() + "\n");
                } else {
                    req.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                            .end(ar.result());
                }
            });
        }, host, port, " (server.metricsPort; 0 = any free port)");
        return new MetricsHttp(server);
    }

    public int port() {
        return server.actualPort();
    }

    public void close() {
        server.close().await();
    }
}
