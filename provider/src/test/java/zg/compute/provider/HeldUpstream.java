package zg.compute.provider;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test stand-in for a SLOW model server: holds every request until {@link #release()}, then forwards it
 * unchanged to the real one ({@code target}) and relays its answer. Lets a test catch the broker with a
 * request (or async job) in flight.
 */
final class HeldUpstream implements AutoCloseable {

    private final HttpServer server;
    private final HttpClient client;
    private final AtomicInteger arrived = new AtomicInteger();
    private final Promise<Void> gate = Promise.promise();
    private final String path;

    private HeldUpstream(Vertx vertx, String target) {
        URI t = URI.create(target);
        String origin = t.getScheme() + "://" + t.getHost() + ":" + t.getPort();
        this.path = t.getPath();
        this.client = vertx.createHttpClient();
        this.server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
            arrived.incrementAndGet();
            gate.future().onComplete(open -> client.request(new RequestOptions().setMethod(HttpMethod.POST)
                    .setAbsoluteURI(origin + req.uri())).compose(out -> {
                        String ct = req.getHeader("Content-Type");
                        if (ct != null) {
                            out.putHeader("Content-Type", ct);
                        }
                        return out.send(body);
                    }).compose(resp -> resp.body().onSuccess(b -> {
                        String ct = resp.getHeader("Content-Type");
                        if (ct != null) {
                            req.response().putHeader("Content-Type", ct);
                        }
                        req.response().setStatusCode(resp.statusCode()).end(b);
                    })).onFailure(e -> req.response().setStatusCode(502).end(e.toString())));
        }));
        server.listen(0, "127.0.0.1").await();
    }

    static HeldUpstream start(Vertx vertx, String target) {
        return new HeldUpstream(vertx, target);
    }

    /** The base URL to give the broker, with the target's path (e.g. {@code /v1}). */
    String baseUrl() {
        return "http://127.0.0.1:" + server.actualPort() + path;
    }

    /** Requests received so far (held or not). */
    int arrived() {
        return arrived.get();
    }

    /** Lets every held request, and every later one, through. */
    void release() {
        gate.tryComplete();
    }

    @Override
    public void close() {
        server.close().await();
        client.close().await();
    }
}
