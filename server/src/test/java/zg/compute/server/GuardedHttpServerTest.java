package zg.compute.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.Handler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GuardedHttpServerTest {

    static final ServerLimits SHORT = new ServerLimits(Duration.ofMillis(600), Duration.ofMillis(900),
            Duration.ofMillis(700));

    static Vertx vertx;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() {
        vertx.close().await();
    }

    /** Echoes the body; {@code /slow} answers after 2 s, longer than every limit. */
    static final Handler<HttpServerRequest> ECHO = req -> req.body().onSuccess(b -> {
        if (req.path().equals("/slow")) {
            vertx.setTimer(2_000, t -> req.response().end("late " + b));
        } else {
            req.response().end("got " + b);
        }
    });

    static GuardedHttpServer.Listeners guarded() {
        return GuardedHttpServer.listen(vertx, new HttpServerOptions(), SHORT, ECHO, "127.0.0.1", 0, "");
    }

    @Test
    void plainVertxKeepsAConnectionWithoutAHeadOpen() {
        HttpServer plain = vertx.createHttpServer().requestHandler(ECHO);
        plain.listen(0, "127.0.0.1").await();
        try (SlowClient c = SlowClient.connect("127.0.0.1", plain.actualPort()).partialHead("/")) {
            assertThat(c.closedWithin(Duration.ofMillis(2_500))).as("the reason for this module").isNull();
        } finally {
            plain.close().await();
        }
    }

    @Test
    void manyConnectionsWithoutACompleteHeadAreClosed() {
        GuardedHttpServer.Listeners s = guarded();
        List<SlowClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 60; i++) {
                clients.add(SlowClient.connect("127.0.0.1", s.actualPort()).partialHead("/"));
            }
            long t0 = System.nanoTime();
            for (SlowClient c : clients) {
                assertThat(c.closedWithin(Duration.ofSeconds(3))).isEqualTo("");
            }
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThan(Duration.ofMillis(400));
        } finally {
            clients.forEach(SlowClient::close);
            s.close().await();
        }
    }

    @Test
    void aConnectionThatSendsNothingIsClosed() {
        GuardedHttpServer.Listeners s = guarded();
        try (SlowClient c = SlowClient.connect("127.0.0.1", s.actualPort())) {
            assertThat(c.closedWithin(Duration.ofSeconds(3))).isEqualTo("");
        } finally {
            s.close().await();
        }
    }

    @Test
    void aBodyThatDoesNotArriveInTimeIsAnswered408AndCut() {
        GuardedHttpServer.Listeners s = guarded();
        try (SlowClient c = SlowClient.connect("127.0.0.1", s.actualPort())) {
            c.send("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n0123456789");
            String got = c.closedWithin(Duration.ofSeconds(3));
            assertThat(got).startsWith("HTTP/1.1 408").contains("request body not received within");
        } finally {
            s.close().await();
        }
    }

    @Test
    void anIdleKeptAliveConnectionIsClosedAfterItsResponse() {
        GuardedHttpServer.Listeners s = guarded();
        try (SlowClient c = SlowClient.connect("127.0.0.1", s.actualPort())) {
            c.send("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\nhi");
            String got = c.closedWithin(Duration.ofSeconds(3));
            assertThat(got).startsWith("HTTP/1.1 200").endsWith("got hi");
        } finally {
            s.close().await();
        }
    }

    @Test
    void aSlowAnswerToACompleteRequestIsNotCutAndKeepAliveGoesOn() {
        GuardedHttpServer.Listeners s = guarded();
        try (SlowClient c = SlowClient.connect("127.0.0.1", s.actualPort())) {
            c.send("POST /slow HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\nhi");
            c.send("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\nyou");
            String got = c.closedWithin(Duration.ofSeconds(5));
            assertThat(got).contains("late hi").endsWith("got you");
        } finally {
            s.close().await();
        }
    }

    @Test
    void listenersOnSeveralEventLoopsShareOnePortThatStaysExclusive() throws Exception {
        java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        GuardedHttpServer.Listeners l = GuardedHttpServer.listen(vertx, new HttpServerOptions(), SHORT, req -> {
            threads.add(Thread.currentThread().getName());
            req.response().end("ok");
        }, "127.0.0.1", 0, "", 2);
        try {
            assertThat(l.actualPort()).isPositive();
            for (int i = 0; i < 8; i++) { // a connection each: the listeners take them in turn
                try (SlowClient c = SlowClient.connect("127.0.0.1", l.actualPort())) {
                    c.send("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
                    assertThat(c.closedWithin(Duration.ofSeconds(3))).startsWith("HTTP/1.1 200").endsWith("ok");
                }
            }
            assertThat(threads).as("event loops that served").hasSize(2);
            // one socket, no SO_REUSEPORT: another process cannot bind the port and take a share of the clients
            try (java.net.ServerSocket other = new java.net.ServerSocket()) {
                org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> other.bind(new java.net.InetSocketAddress("127.0.0.1", l.actualPort())))
                        .isInstanceOf(java.net.BindException.class);
            }
        } finally {
            l.close().await();
        }
        Ports.requireFree("127.0.0.1", l.actualPort(), ""); // closed: free again
    }
}
