package zg.compute.provider.internal.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import zg.compute.server.ServerLimits;

class MetricsHttpTest {

    @Test
    void aScrapeReadsItsGaugesOffTheEventLoop() throws Exception {
        AtomicReference<Boolean> onEventLoop = new AtomicReference<>();
        BrokerMetrics metrics = new BrokerMetrics(() -> {
            onEventLoop.set(Context.isOnEventLoopThread()); // the real supplier is a store query
            return 0;
        }, Clock.systemUTC());
        Vertx vertx = Vertx.vertx();
        try {
            MetricsHttp m = MetricsHttp.start(vertx, metrics, "127.0.0.1", 0, ServerLimits.DEFAULTS);
            HttpClient http = HttpClient.newHttpClient();
            var r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + m.port() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("zg_broker_settlement_lag_seconds 0.0");
            assertThat(onEventLoop.get()).isFalse();
            var other = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + m.port() + "/v1/models"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(other.statusCode()).isEqualTo(404);
            m.close();
        } finally {
            vertx.close().await();
        }
    }
}
