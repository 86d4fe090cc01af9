package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.math.BigInteger;
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
        upstream = vertx.createHttpServer().requestHandler(this::vllmLike);
        upstream.listen(0, "127.0.0.1").await();
    }

    @AfterEach
    void stop() {
        vertx.close().await();
    }

    private ProviderBroker broker(Devnet d, Path dir, Credentials user) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        ProviderConfig config = new ConfigLoader(f.env()).parse(
                f.yaml(IN, OUT, "http://127.0.0.1:" + upstream.actualPort() + "/v1"), dir);
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
}
