package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import zg.compute.cli.internal.serve.EndpointTarget;
import zg.compute.cli.internal.serve.PriorityRouter;
import zg.compute.cli.internal.serve.ProxyServer;
import zg.compute.server.ServerLimits;
import zg.compute.server.SlowClient;

/**
 * {@code inference serve}/{@code router-serve} answer only their own Host names (DNS rebinding) and close slow
 * connections. Host and timeouts are decided before any target is called, so a target that is never reached
 * stands in for the upstream here.
 */
class ServeHardeningTest {

    private static final Consumer<String> QUIET = line -> { };

    private static ProxyServer start(ProxyServer.Settings settings) {
        var target = new EndpointTarget("never-called", "http://127.0.0.1:9/v1", "sk-none", "m", "chatbot");
        return ProxyServer.start(new PriorityRouter(List.of(new PriorityRouter.Prioritised(target, 1)),
                Duration.ofSeconds(60), Clock.systemUTC()), settings, QUIET);
    }

    private static String get(ProxyServer s, String host) {
        try (SlowClient c = SlowClient.connect("127.0.0.1", s.port())) {
            return c.send("GET /v1/models HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .closedWithin(Duration.ofSeconds(5));
        }
    }

    @Test
    void onlyLocalhostIpLiteralsAndAllowedNamesAreAnswered() {
        var settings = new ProxyServer.Settings("127.0.0.1", 0, Duration.ofSeconds(10), Duration.ofSeconds(60));
        try (ProxyServer plain = start(settings);
                ProxyServer named = start(settings.withAllowedHosts(List.of("my-box.lan")))) {
            for (String ok : List.of("localhost:" + plain.port(), "127.0.0.1:" + plain.port(), "[::1]:1")) {
                assertThat(get(plain, ok)).as(ok).startsWith("HTTP/1.1 200").contains("\"object\":\"list\"");
            }
            String refused = get(plain, "evil.example:" + plain.port());
            assertThat(refused).startsWith("HTTP/1.1 403");
            String body = refused.substring(refused.indexOf("\r\n\r\n") + 4);
            assertThat(body).isEqualTo("{\"error\":\"Host evil.example:" + plain.port() + " is not allowed: this "
                    + "server answers only localhost, IP addresses and names given with --allowed-host (DNS "
                    + "rebinding protection)\"}");
            assertThat(get(plain, "my-box.lan")).startsWith("HTTP/1.1 403");
            assertThat(get(named, "MY-BOX.lan:" + named.port())).startsWith("HTTP/1.1 200");
            assertThat(get(named, "evil.example")).startsWith("HTTP/1.1 403");
        }
    }

    @Test
    void slowConnectionsAreClosed() {
        var settings = new ProxyServer.Settings("127.0.0.1", 0, Duration.ofSeconds(10), Duration.ofSeconds(60))
                .withLimits(new ServerLimits(Duration.ofMillis(500), Duration.ofMillis(800), Duration.ofMillis(500)));
        try (ProxyServer s = start(settings)) {
            assertThat(SlowClient.holdPartialHeads("127.0.0.1", s.port(), "/v1/chat/completions", 30,
                    Duration.ofSeconds(3))).hasSize(30).containsOnly("");
            try (SlowClient c = SlowClient.connect("127.0.0.1", s.port())) {
                String got = c.send("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
                        + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"model\"")
                        .closedWithin(Duration.ofSeconds(3));
                assertThat(got).startsWith("HTTP/1.1 408");
            }
        }
    }
}
