package zg.compute.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import zg.compute.server.ServerLimits;

/** What a connection's watch keeps between its ticks. */
class ConnectionWatchTest {

    private Vertx vertx;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stop() {
        vertx.close().await();
    }

    @Test
    void finishedRequestsOnAKeptAliveConnectionAreNotHeldUntilTheNextTick() {
        // the default limits tick once a second: far longer than the 100 requests below take
        assertThat(ServerLimits.DEFAULTS.tick().toMillis()).isEqualTo(1_000);
        AtomicReference<ConnectionWatch> watch = new AtomicReference<>();
        HttpServer server = vertx.createHttpServer()
                .connectionHandler(conn -> watch.set(new ConnectionWatch(vertx, conn, ServerLimits.DEFAULTS)))
                .requestHandler(req -> {
                    watch.get().started(req);
                    req.body().onSuccess(b -> req.response().end("ok " + b));
                });
        server.listen(0, "127.0.0.1").await();
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(1));
        long started = System.nanoTime();
        for (int i = 0; i < 100; i++) {
            String body = client.request(HttpMethod.POST, server.actualPort(), "127.0.0.1", "/")
                    .compose(r -> r.send("x").compose(resp -> resp.body())).await().toString();
            assertThat(body).isEqualTo("ok x");
        }
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        // before: every one of them (a tick's worth of requests, bodies and routing state per connection)
        assertThat(watch.get().held()).as("requests held after %d ms on one connection", tookMillis)
                .isLessThanOrEqualTo(1);
    }
}
