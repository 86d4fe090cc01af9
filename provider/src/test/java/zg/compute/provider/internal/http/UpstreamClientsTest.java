package zg.compute.provider.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import zg.compute.server.GuardedHttpServer;
import zg.compute.server.ServerLimits;

/** Which upstream client a request gets, on a server with two event loops. */
class UpstreamClientsTest {

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
    void eachEventLoopHasOneClientHoweverManyRequestsItServes() {
        UpstreamClients clients = new UpstreamClients(vertx, new HttpClientOptions(), new PoolOptions());
        Map<HttpClient, Set<String>> threadsByClient = new ConcurrentHashMap<>();
        GuardedHttpServer.Listeners server = GuardedHttpServer.listen(vertx, new HttpServerOptions(),
                ServerLimits.DEFAULTS, req -> {
                    threadsByClient.computeIfAbsent(clients.current(), c -> ConcurrentHashMap.newKeySet())
                            .add(Thread.currentThread().getName());
                    req.response().end("ok");
                }, "127.0.0.1", 0, "", 2);
        // a connection per request: the two listeners take them in turn
        HttpClient caller = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
        for (int i = 0; i < 20; i++) {
            assertThat(caller.request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/")
                    .compose(r -> r.send().compose(resp -> resp.body())).await().toString()).isEqualTo("ok");
        }
        // every server request runs on a context of its own: keyed by context, this was a client per request
        assertThat(threadsByClient).hasSize(2);
        assertThat(threadsByClient.values()).allSatisfy(threads -> assertThat(threads).hasSize(1));
        assertThat(clients.size()).isEqualTo(2);
        server.close().await();
    }
}
