package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.provider.internal.billing.TokenEstimate;
import zg.compute.provider.internal.settlement.SettlementFault;

/**
 * Hostile clients against a vLLM-like upstream: lax about types (a truthy {@code stream} streams),
 * usage in a stream only when asked for. Every request the upstream answers is billed for its
 * prompt and its output; nothing is served for free.
 */
@ExtendWith(DevnetExtension.class)
class BrokerBillingBypassTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final BigInteger IN = BigInteger.valueOf(1_000_000_000L);
    private static final BigInteger OUT = BigInteger.valueOf(3_000_000_000L);
    private static final String CHAT = "/v1/proxy/chat/completions";
    private static final int REPLY_WORDS = 20;

    private Vertx vertx;
    private HttpServer upstream;
    private final AtomicInteger upstreamCalls = new AtomicInteger();
    /** Completes the held-open streams. */
    private io.vertx.core.Promise<Void> release;

    /** vLLM's shape: prompt tokens = words of the messages here; reply = REPLY_WORDS words. */
    private void vllmLike(HttpServerRequest req) {
        req.body().onSuccess(body -> {
            upstreamCalls.incrementAndGet();
            JsonNode n;
            try {
                n = JSON.readTree(body.getBytes());
            } catch (Exception e) {
                req.response().setStatusCode(400).end("{\"error\":\"bad json\"}");
                return;
            }
            long prompt = 0;
            for (JsonNode m : n.path("messages")) {
                prompt += m.path("content").asText().isBlank() ? 0 : m.path("content").asText().strip().split("\\s+").length;
            }
            JsonNode s = n.path("stream");
            boolean stream = s.asBoolean(false) || s.asText().equals("true") || s.asText().equals("1");
            boolean usage = n.path("stream_options").path("include_usage").asBoolean(false)
                    && !n.toString().contains("never-usage");
            String usageJson = "{\"prompt_tokens\":" + prompt + ",\"completion_tokens\":" + REPLY_WORDS + "}";
            var resp = req.response();
            if (n.toString().contains("hold-open")) {
                resp.setChunked(true).putHeader("Content-Type", "text/event-stream");
                resp.write("data: {\"choices\":[{\"delta\":{\"content\":\"wait \"}}]}\n\n");
                release.future().onComplete(v -> resp.end("data: [DONE]\n\n"));
                return;
            }
            if (stream) {
                resp.setChunked(true).putHeader("Content-Type", "text/event-stream");
                for (int i = 0; i < REPLY_WORDS; i++) {
                    resp.write("data: {\"choices\":[{\"delta\":{\"content\":\"w" + i + " \"}}]}\n\n");
                }
                if (usage) {
                    resp.write("data: {\"choices\":[],\"usage\":" + usageJson + "}\n\n");
                }
                resp.end("data: [DONE]\n\n");
            } else {
                resp.putHeader("Content-Type", "application/json").end("{\"choices\":[{\"message\":{\"content\":\""
                        + "w ".repeat(REPLY_WORDS).strip() + "\"}}],\"usage\":" + usageJson + "}");
            }
        });
    }

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        release = io.vertx.core.Promise.promise();
        upstream = vertx.createHttpServer().requestHandler(this::vllmLike);
        upstream.listen(0, "127.0.0.1").await();
    }

    @AfterEach
    void stop() {
        vertx.close().await();
    }

    private ProviderBroker broker(Devnet d, Path dir, Credentials user) throws Exception {
        return broker(d, dir, user, "");
    }

    private ProviderBroker broker(Devnet d, Path dir, Credentials user, String extraYaml) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        ProviderConfig config = new ConfigLoader(f.env()).parse(
                f.yaml(IN, OUT, "http://127.0.0.1:" + upstream.actualPort() + "/v1") + extraYaml, dir);
        ProviderBroker b = ProviderBroker.start(config,
                new ProviderBroker.Options(java.time.Clock.systemUTC(), false, SettlementFault.NONE));
        d.inference(d.account(0)).acknowledgeTEESignerByOwner(f.provider.getAddress()).send();
        f.fund(user, 5, 3);
        return b;
    }

    private static String body(String content, String streamJson, String extra) {
        return "{\"model\":\"dev-model\",\"stream\":" + streamJson + extra + ",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"" + content + "\"}]}";
    }

    @Test
    void aStreamThatDeclinesUsageIsStillBilledForItsPrompt(Devnet d, @TempDir Path dir) throws Exception {
        Credentials u = d.account(2);
        BrokerFixture f = new BrokerFixture(d, dir);
        try (ProviderBroker b = broker(d, dir, u)) {
            String prompt = "token ".repeat(3001).strip();
            var r = f.post(b, CHAT, f.authorization(u), body(prompt, "true", ",\"stream_options\":{\"include_usage\":false}"));
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(b.store().billedTotal()).as("3,001 prompt tokens and 20 output tokens")
                    .isEqualTo(IN.multiply(BigInteger.valueOf(3001)).add(OUT.multiply(BigInteger.valueOf(REPLY_WORDS))));
        }
    }

    @Test
    void anUpstreamThatSendsNoUsageIsBilledByTheBrokersOwnCount(Devnet d, @TempDir Path dir) throws Exception {
        Credentials u = d.account(2);
        BrokerFixture f = new BrokerFixture(d, dir);
        try (ProviderBroker b = broker(d, dir, u)) {
            String prompt = "never-usage " + "token ".repeat(999).strip();
            var r = f.post(b, CHAT, f.authorization(u), body(prompt, "true", ""));
            assertThat(r.statusCode()).isEqualTo(200);
            long promptEstimate = TokenEstimate.of(prompt) + 4;
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < REPLY_WORDS; i++) {
                out.append('w').append(i).append(' ');
            }
            assertThat(b.store().billedTotal()).isEqualTo(IN.multiply(BigInteger.valueOf(promptEstimate))
                    .add(OUT.multiply(BigInteger.valueOf(TokenEstimate.of(out)))));
            assertThat(promptEstimate).isGreaterThanOrEqualTo(1000);
        }
    }

    @Test
    void truthyNonBooleanStreamFlagsAreRefusedInsteadOfServedForFree(Devnet d, @TempDir Path dir) throws Exception {
        Credentials u = d.account(2);
        BrokerFixture f = new BrokerFixture(d, dir);
        try (ProviderBroker b = broker(d, dir, u)) {
            for (String flag : new String[] {"\"true\"", "1", "\"1\""}) {
                var r = f.post(b, CHAT, f.authorization(u), body("hello there", flag, ""));
                assertThat(r.statusCode()).as("stream: " + flag).isEqualTo(400);
                assertThat(BrokerFixture.text(r)).contains("stream must be true or false");
            }
            assertThat(upstreamCalls).as("nothing reached the upstream").hasValue(0);
            var ok = f.post(b, CHAT, f.authorization(u), body("hello there", "true", ""));
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(b.store().billedTotal()).isEqualTo(IN.multiply(BigInteger.TWO)
                    .add(OUT.multiply(BigInteger.valueOf(REPLY_WORDS))));
        }
    }

    @Test
    void bodiesWithTrailingDataOrDuplicateKeysAreRefused(Devnet d, @TempDir Path dir) throws Exception {
        Credentials u = d.account(2);
        BrokerFixture f = new BrokerFixture(d, dir);
        try (ProviderBroker b = broker(d, dir, u)) {
            var trailing = f.post(b, CHAT, f.authorization(u), body("hi", "false", "") + "{\"stream\":true}");
            assertThat(trailing.statusCode()).isEqualTo(400);
            var dup = f.post(b, CHAT, f.authorization(u), body("hi", "false", ",\"stream\":true"));
            assertThat(dup.statusCode()).isEqualTo(400);
            assertThat(BrokerFixture.text(dup)).startsWith("{\"error\":\"invalid request body: not valid JSON");
            assertThat(upstreamCalls).hasValue(0);
        }
    }

    @Test
    void aUsersRequestsInFlightAreCappedWith429(Devnet d, @TempDir Path dir) throws Exception {
        Credentials u = d.account(2);
        BrokerFixture f = new BrokerFixture(d, dir);
        try (ProviderBroker b = broker(d, dir, u, "limits: { maxConcurrentPerUser: 2 }\n")) {
            var held = new ArrayList<java.util.concurrent.CompletableFuture<HttpResponse<byte[]>>>();
            for (int i = 0; i < 2; i++) {
                held.add(f.http.sendAsync(HttpRequest.newBuilder(URI.create(b.baseUrl() + CHAT))
                        .header("Authorization", f.authorization(u)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body("hold-open " + i, "true", ""))).build(),
                        HttpResponse.BodyHandlers.ofByteArray()));
            }
            long deadline = System.currentTimeMillis() + 10_000;
            while (upstreamCalls.get() < 2 && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            var third = f.post(b, CHAT, f.authorization(u), body("one more", "false", ""));
            assertThat(third.statusCode()).isEqualTo(429);
            assertThat(third.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(BrokerFixture.text(third)).contains("too many concurrent requests: at most 2");
            Credentials other = d.account(3);
            f.fund(other, 5, 3);
            assertThat(f.post(b, CHAT, f.authorization(other), body("another user", "false", "")).statusCode())
                    .as("other users are not affected").isEqualTo(200);

            vertx.runOnContext(v -> release.complete());
            for (var h : held) {
                assertThat(h.get().statusCode()).isEqualTo(200);
            }
            assertThat(f.post(b, CHAT, f.authorization(u), body("after", "false", "")).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aStreamPastWhatTheBalanceCoversIsEndedCleanlyAndBilledNoMore(Devnet d, @TempDir Path dir) throws Exception {
        Credentials u = d.account(2);
        BrokerFixture f = new BrokerFixture(d, dir);
        try (ProviderBroker b = broker(d, dir, u)) {
            // This upstream ignores max_tokens and streams 20 words. The account covers the prompt and 5 tokens
            // beyond the 1 0G reserve (the balance read at funding time).
            Credentials poor = d.account(4);
            String prompt = "hello there";
            long promptTokens = TokenEstimate.of(prompt) + 4;
            BigInteger headroom = IN.multiply(BigInteger.valueOf(promptTokens)).add(OUT.multiply(BigInteger.valueOf(5)));
            d.ledger(poor).addLedger("", zg.compute.protocol.units.Units.og(3)).send();
            d.ledger(poor).transferFund(f.provider.getAddress(), BrokerFixture.SERVICE,
                    zg.compute.protocol.units.Units.og(1).add(headroom)).send();
            var r = f.post(b, CHAT, f.authorization(poor), body(prompt, "true", ""));
            assertThat(r.statusCode()).isEqualTo(200);
            String text = BrokerFixture.text(r);
            assertThat(text).endsWith("data: [DONE]\n\n").doesNotContain("w19");
            assertThat(b.store().unsettledFee(poor.getAddress())).as("billed at most the headroom")
                    .isEqualTo(headroom);
            var refused = f.post(b, CHAT, f.authorization(poor), body(prompt, "false", ""));
            assertThat(refused.statusCode()).isEqualTo(400);
            assertThat(BrokerFixture.text(refused)).startsWith("{\"error\":\"insufficient balance");
        }
    }
}
