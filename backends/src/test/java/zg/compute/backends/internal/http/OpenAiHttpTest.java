package zg.compute.backends.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import zg.compute.server.ServerLimits;
import zg.compute.server.SlowClient;

/** Every model server runs on {@link OpenAiHttp}: slow clients cannot hold its connections. */
class OpenAiHttpTest {

    private static final ServerLimits SHORT = new ServerLimits(Duration.ofMillis(500), Duration.ofMillis(800),
            Duration.ofMillis(500));

    @Test
    void slowHeadsAndBodiesAreCutAndACompleteRequestIsAnswered() {
        Vertx vertx = Vertx.vertx();
        try {
            OpenAiHttp http = OpenAiHttp.start(vertx, 0, 1024 * 1024, SHORT,
                    r -> r.post("/v1/echo").handler(ctx -> ctx.response().end(ctx.body().asString())));
            int port = Integer.parseInt(http.baseUrl().replaceAll(".*:(\\d+)/v1$", "$1"));
            assertThat(SlowClient.holdPartialHeads("127.0.0.1", port, "/v1/echo", 30,
                    Duration.ofSeconds(3))).hasSize(30).containsOnly("");
            try (SlowClient c = SlowClient.connect("127.0.0.1", port)) {
                String got = c.send("POST /v1/echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 50\r\n\r\n{")
                        .closedWithin(Duration.ofSeconds(3));
                assertThat(got).startsWith("HTTP/1.1 408");
            }
            try (SlowClient c = SlowClient.connect("127.0.0.1", port)) {
                String got = c.send("POST /v1/echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\nok")
                        .closedWithin(Duration.ofSeconds(3));
                assertThat(got).startsWith("HTTP/1.1 200").endsWith("ok");
            }
            http.close();
        } finally {
            vertx.close().await();
        }
    }
}
