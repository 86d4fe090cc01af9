package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.auth.SessionToken;
import zg.compute.provider.internal.chain.ChainUnavailable;
import zg.compute.provider.internal.settlement.SettlementFault;
import zg.compute.server.SlowClient;

/**
 * Issue 12's hardening of the broker: the body is read only after the headers authenticated a user who may pay,
 * a junk token costs no RPC call, slow connections are closed, an RPC outage is served from cached state (or
 * 503) with one log line.
 */
@ExtendWith(DevnetExtension.class)
class BrokerHardeningTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final BigInteger IN = BigInteger.valueOf(1_000_000_000L);
    private static final BigInteger OUT = BigInteger.valueOf(3_000_000_000L);
    private static final String CHAT = "/v1/proxy/chat/completions";
    private static final String SHORT_LIMITS = ", headerTimeoutSeconds: 1, bodyTimeoutSeconds: 1, idleTimeoutSeconds: 1";

    /** A broker reaching the chain through {@code rpcUrl}, with {@code serverKeys} added to its server section. */
    private static ProviderBroker start(BrokerFixture f, String rpcUrl, String serverKeys, String extraYaml)
            throws Exception {
        String yaml = f.yaml(IN, OUT).replace("rpcUrl: " + f.devnet.rpcUrl(), "rpcUrl: " + rpcUrl)
                .replace("metricsPort: 0 }", "metricsPort: 0" + serverKeys + " }") + extraYaml;
        ProviderBroker b = ProviderBroker.start(new ConfigLoader(f.env()).parse(yaml, f.dir),
                new ProviderBroker.Options(Clock.systemUTC(), false, SettlementFault.NONE));
        f.devnet.inference(f.devnet.account(0)).acknowledgeTEESignerByOwner(f.provider.getAddress()).send();
        return b;
    }

    private static String head(String path, String authorization, long contentLength) {
        return "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
                + "Content-Length: " + contentLength + "\r\n\r\n";
    }

    @Test
    void aPaidRequestIsRefusedFromItsHeadersWithoutItsBodyBeingRead(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        try (ProviderBroker b = f.startAcknowledged(IN, OUT)) {
            long size = 31L * 1024 * 1024;
            for (String auth : new String[] {null, "Bearer app-sk-junk"}) {
                try (SlowClient c = SlowClient.connect("127.0.0.1", b.port())) {
                    String got = c.send(head(CHAT, auth, size)).closedWithin(Duration.ofSeconds(5));
                    assertThat(got).as("answered (and closed) before any of the 31 MiB body was sent")
                            .startsWith("HTTP/1.1 400").contains("validate session");
                }
            }
            // a user without an account is refused before the body too
            Credentials stranger = Credentials.create(Keys.createEcKeyPair());
            try (SlowClient c = SlowClient.connect("127.0.0.1", b.port())) {
                String got = c.send(head(CHAT, f.authorization(stranger), size)).closedWithin(Duration.ofSeconds(5));
                assertThat(got).startsWith("HTTP/1.1 400").contains("account not exist");
            }
        }
    }

    @Test
    void onlyAnAuthenticatedPaidRequestMayHaveALargeBody(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        try (ProviderBroker b = f.startAcknowledged(IN, OUT)) {
            Credentials u = d.account(2);
            f.fund(u, 5, 3);
            String big = "x".repeat(100 * 1024);
            var other = f.post(b, "/v1/proxy/embeddings", null, "{\"input\":\"" + big + "\"}");
            assertThat(other.statusCode()).isEqualTo(413);
            assertThat(JSON.readTree(other.body()).get("error").asText())
                    .isEqualTo("Request body size exceeds the maximum allowed size of 32MB");
            var chunked = f.send(HttpRequest.newBuilder(URI.create(b.baseUrl() + "/v1/proxy/embeddings"))
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(
                            big.getBytes()))).build());
            assertThat(chunked.statusCode()).as("no Content-Length").isEqualTo(413);

            var paid = f.post(b, CHAT, f.authorization(u), BrokerFixture.chat(big.substring(0, 90 * 1024), false));
            assertThat(paid.statusCode()).as(BrokerFixture.text(paid)).isEqualTo(200);
        }
    }

    @Test
    void aJunkTokenCostsNoRpcCallAndAnUnknownAccountOnePerWindow(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        try (RpcFaultProxy rpc = new RpcFaultProxy(d.rpcUrl());
                ProviderBroker b = start(f, rpc.url(), "", "")) {
            Credentials victim = d.account(2);
            Credentials forger = Credentials.create(Keys.createEcKeyPair());
            long before = ethCalls(rpc);
            for (int i = 0; i < 5; i++) {
                long now = System.currentTimeMillis();
                SessionToken claimed = new SessionToken(victim.getAddress(), f.provider.getAddress(), now,
                        now + 3_600_000, UUID.randomUUID().toString().replace("-", ""), 0, 255);
                var r = f.post(b, CHAT, BrokerFixture.token(forger, claimed), BrokerFixture.chat("hi", false));
                assertThat(BrokerFixture.text(r)).contains("signature verification failed");
            }
            assertThat(ethCalls(rpc) - before).as("forged tokens are refused before any chain read").isZero();

            Credentials stranger = Credentials.create(Keys.createEcKeyPair());
            for (int i = 0; i < 5; i++) {
                var r = f.post(b, CHAT, f.authorization(stranger), BrokerFixture.chat("hi", false));
                assertThat(BrokerFixture.text(r)).contains("get account from contract, account not exist");
            }
            assertThat(ethCalls(rpc) - before).as("an unknown account is remembered for a few seconds").isEqualTo(1);
        }
    }

    private static long ethCalls(RpcFaultProxy rpc) {
        return rpc.methods().stream().filter("eth_call"::equals).count();
    }

    @Test
    void slowConnectionsAreClosed(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        try (ProviderBroker b = start(f, d.rpcUrl(), SHORT_LIMITS, "")) {
            Credentials u = d.account(2);
            f.fund(u, 5, 3);
            assertThat(SlowClient.holdPartialHeads("127.0.0.1", b.port(), CHAT, 40,
                    Duration.ofSeconds(4))).as("no complete head in 1 s").hasSize(40).containsOnly("");
            try (SlowClient c = SlowClient.connect("127.0.0.1", b.port())) {
                String got = c.send(head(CHAT, f.authorization(u), 1000) + "{\"model\"")
                        .closedWithin(Duration.ofSeconds(4));
                assertThat(got).startsWith("HTTP/1.1 408");
            }
            assertThat(f.post(b, CHAT, f.authorization(u), BrokerFixture.chat("still fine", false)).statusCode())
                    .isEqualTo(200);
            try (SlowClient c = SlowClient.connect("127.0.0.1", b.port())) {
                assertThat(c.send("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n").closedWithin(Duration.ofSeconds(4)))
                        .as("kept alive 1 s, then closed").startsWith("HTTP/1.1 200").endsWith("{\"status\":\"ok\"}");
            }
        }
    }

    @Test
    void anRpcOutageIsServedFromCachedStateOr503WithOneLogLine(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        try (RpcFaultProxy rpc = new RpcFaultProxy(d.rpcUrl());
                ProviderBroker b = start(f, rpc.url(), "", "caches: { accountSeconds: 1 }\n")) {
            Credentials known = d.account(2);
            Credentials unseen = d.account(3);
            f.fund(known, 5, 3);
            f.fund(unseen, 5, 3);
            f.chat(b, known, 1); // its account (and the TEE acknowledgement) are cached now
            rpc.add((call, p) -> call.method().equals("eth_call") ? new RpcFaultProxy.Drop(false) : null);
            Thread.sleep(1_200); // past the cache TTL: every read goes to the (dead) chain
            logged.start();
            root.addAppender(logged);
            try {
                for (int i = 0; i < 30; i++) {
                    var r = f.post(b, CHAT, f.authorization(known), BrokerFixture.chat("outage " + i, i % 2 == 0));
                    assertThat(r.statusCode()).as(BrokerFixture.text(r)).isEqualTo(200);
                }
                for (int i = 0; i < 10; i++) {
                    var r = f.post(b, CHAT, f.authorization(unseen), BrokerFixture.chat("outage", false));
                    assertThat(r.statusCode()).isEqualTo(503);
                    assertThat(r.headers().firstValue("Retry-After")).hasValue("5");
                    assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo(ChainUnavailable.MESSAGE);
                }
            } finally {
                root.detachAppender(logged);
            }
            List<ILoggingEvent> warnings = logged.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                    .toList();
            assertThat(warnings).as("one line for the outage, not one per request").hasSize(1);
            assertThat(warnings.get(0).getFormattedMessage()).startsWith("chain RPC unreachable");
            assertThat(warnings.get(0).getThrowableProxy()).as("no stack trace").isNull();

            rpc.clear();
            f.chat(b, unseen, 1);
            assertThat(b.store().unsettledFee(known.getAddress())).as("the requests served in the outage are billed")
                    .isPositive();
        }
    }

    @Test
    void aSettlementScheduleDuringAnRpcOutageLogsOneLineNotAStackTracePerTick(Devnet d, @TempDir Path dir)
            throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        try (RpcFaultProxy rpc = new RpcFaultProxy(d.rpcUrl());
                ProviderBroker b = f.start(IN, OUT, rpc.url(), "intervalSeconds: 1", true)) {
            d.inference(d.account(0)).acknowledgeTEESignerByOwner(f.provider.getAddress()).send();
            Credentials user = d.account(2);
            f.fund(user, 5, 3);
            f.chat(b, user, 1); // a billed row: every settlement run has work to do
            logged.start();
            root.addAppender(logged);
            try {
                rpc.add((call, p) -> new RpcFaultProxy.Drop(false));
                Thread.sleep(4_500); // four or more settlement ticks against a dead chain
            } finally {
                root.detachAppender(logged);
            }
            List<ILoggingEvent> warnings = logged.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                    .toList();
            assertThat(warnings).as("one line for the outage, not one per settlement tick: %s",
                    warnings.stream().map(ILoggingEvent::getFormattedMessage).toList()).hasSize(1);
            assertThat(warnings.get(0).getFormattedMessage()).startsWith("chain RPC unreachable");
            assertThat(warnings.get(0).getThrowableProxy()).as("no stack trace").isNull();
            rpc.clear();
        }
    }
}
