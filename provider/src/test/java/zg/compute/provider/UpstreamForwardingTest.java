package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.signing.ResponseSignature;
import zg.compute.provider.internal.billing.TokenEstimate;
import zg.compute.provider.internal.settlement.SettlementFault;

/**
 * The broker in front of a real external upstream HTTP server (standing in for vLLM): what is
 * forwarded, what is billed from compressed and messy SSE responses, and upstream failures.
 */
@ExtendWith(DevnetExtension.class)
class UpstreamForwardingTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final BigInteger IN = BigInteger.valueOf(1_000_000_000L);
    private static final BigInteger OUT = BigInteger.valueOf(3_000_000_000L);
    private static final String CHAT = "/v1/proxy/chat/completions";

    private Vertx vertx;
    private HttpServer upstream;
    private final AtomicReference<MultiMap> lastHeaders = new AtomicReference<>();
    private final AtomicReference<String> lastPath = new AtomicReference<>();
    private final AtomicReference<String> lastBody = new AtomicReference<>();

    static byte[] gzip(String s) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(s.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    @BeforeEach
    void startUpstream() {
        vertx = Vertx.vertx();
        upstream = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
            lastHeaders.set(MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
            lastPath.set(req.path());
            lastBody.set(body.toString());
            String b = body.toString();
            var resp = req.response();
            try {
                if (b.contains("cut off")) {
                    resp.setChunked(true).putHeader("Content-Type", "text/event-stream");
                    resp.write("data: {\"id\":\"x\",\"choices\":[{\"delta\":{\"content\":\"four words then silence\"}}]}\n\n")
                            .onComplete(w -> req.connection().close());
                } else if (b.contains("overload")) {
                    resp.setStatusCode(503).putHeader("Content-Type", "application/json").end("{\"error\":\"overloaded\"}");
                } else if (b.contains("\"stream\":true")) {
                    // CRLF endings, a keep-alive comment and an event line: all tolerated, usage still billed.
                    resp.setChunked(true).putHeader("Content-Type", "text/event-stream");
                    resp.write(": keep-alive\r\n\r\n");
                    resp.write("data: {\"id\":\"x\",\"choices\":[{\"delta\":{\"content\":\"one two\"}}]}\r\n\r\n");
                    resp.write("event: ping\r\n\r\n");
                    resp.write("data: {\"id\":\"x\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":9}}\r\n\r\n");
                    resp.end("data: [DONE]\r\n\r\n");
                } else if (b.contains("no usage")) {
                    resp.putHeader("Content-Type", "application/json")
                            .end("{\"id\":\"x\",\"choices\":[{\"message\":{\"content\":\"three little words\"}}]}");
                } else {
                    resp.putHeader("Content-Type", "application/json").putHeader("Content-Encoding", "gzip")
                            .end(Buffer.buffer(gzip("{\"id\":\"x\",\"choices\":[{\"message\":{\"content\":\"hi\"}}],"
                                    + "\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":7}}")));
                }
            } catch (Exception e) {
                resp.setStatusCode(500).end();
            }
        }));
        upstream.listen(0, "127.0.0.1").await();
    }

    @AfterEach
    void stopUpstream() {
        vertx.close().await();
    }

    private ProviderBroker start(BrokerFixture f, String target) throws Exception {
        ProviderBroker b = ProviderBroker.start(new ConfigLoader(f.env()).parse(f.yaml(IN, OUT, target), f.dir),
                new ProviderBroker.Options(Clock.systemUTC(), false, SettlementFault.NONE));
        f.devnet.inference(f.devnet.account(0)).acknowledgeTEESignerByOwner(f.provider.getAddress()).send();
        return b;
    }

    @Test
    void forwardsWithoutUserCredentialsButWithTheUpstreamSecret(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        try (ProviderBroker b = start(f, "http://127.0.0.1:" + upstream.actualPort() + "/v1")) {
            Credentials u = d.account(2);
            f.fund(u, 5, 3);
            String body = BrokerFixture.chat("compressed please", false);
            HttpResponse<byte[]> r = f.send(HttpRequest.newBuilder(URI.create(b.baseUrl() + CHAT))
                    .header("Authorization", f.authorization(u)).header("Content-Type", "application/json")
                    .header("Address", u.getAddress()).header("Session-Token", "{}").header("Session-Signature", "0x")
                    .header("VLLM-Proxy", "true").header("X-Upstream-Key", "user-chosen").header("X-Trace", "t-1")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build());
            assertThat(r.statusCode()).isEqualTo(200);

            MultiMap h = lastHeaders.get();
            assertThat(lastPath.get()).isEqualTo("/v1/chat/completions");
            assertThat(lastBody.get()).isEqualTo(body);
            for (String stripped : new String[] {"Authorization", "Address", "Session-Token", "Session-Signature",
                    "VLLM-Proxy"}) {
                assertThat(h.contains(stripped)).as(stripped + " must not reach the upstream").isFalse();
            }
            assertThat(h.get("X-Upstream-Key")).as("configured secret wins").isEqualTo("upstream-secret");
            assertThat(h.get("X-Trace")).isEqualTo("t-1");

            // The client gets the compressed bytes as sent; billing decoded them.
            assertThat(r.headers().firstValue("Content-Encoding")).hasValue("gzip");
            String decoded = new String(new GZIPInputStream(new java.io.ByteArrayInputStream(r.body())).readAllBytes(),
                    StandardCharsets.UTF_8);
            assertThat(decoded).contains("\"prompt_tokens\":11");
            assertThat(b.store().unsettledFee(u.getAddress()))
                    .isEqualTo(IN.multiply(BigInteger.valueOf(11)).add(OUT.multiply(BigInteger.valueOf(7))));
            var sig = JSON.readTree(f.get(b, "/v1/proxy/signature/" + r.headers().firstValue("ZG-Res-Key").orElseThrow(),
                    null).body());
            assertThat(new ResponseSignature(sig.get("text").asText(), sig.get("signature").asText())
                    .covers(body.getBytes(StandardCharsets.UTF_8), r.body())).isTrue();
        }
    }

    @Test
    void streamsAreBilledFromTheLastUsageChunkDespiteCommentsAndCrlf(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        try (ProviderBroker b = start(f, "http://127.0.0.1:" + upstream.actualPort())) {
            Credentials u = d.account(2);
            f.fund(u, 5, 3);
            HttpResponse<byte[]> r = f.post(b, CHAT, f.authorization(u), BrokerFixture.chat("stream it", true));
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("X-Accel-Buffering")).hasValue("no");
            assertThat(BrokerFixture.text(r)).startsWith(": keep-alive\r\n").endsWith("data: [DONE]\r\n\r\n");
            // The broker asked the upstream for usage in the stream.
            assertThat(JSON.readTree(lastBody.get()).at("/stream_options/include_usage").asBoolean()).isTrue();
            assertThat(b.store().unsettledFee(u.getAddress()))
                    .isEqualTo(IN.multiply(BigInteger.valueOf(5)).add(OUT.multiply(BigInteger.valueOf(9))));

            // Without usage the broker bills its own count of prompt and output (the official bills output words
            // only, the prompt free).
            HttpResponse<byte[]> plain = f.post(b, CHAT, f.authorization(u), BrokerFixture.chat("no usage", false));
            assertThat(plain.statusCode()).isEqualTo(200);
            long prompt = TokenEstimate.of("no usage") + 4;
            assertThat(b.store().unsettledFee(u.getAddress())).isEqualTo(IN.multiply(BigInteger.valueOf(5 + prompt))
                    .add(OUT.multiply(BigInteger.valueOf(9 + TokenEstimate.of("three little words")))));
        }
    }

    @Test
    void aStreamThatBreaksOffIsBilledForWhatArrivedAndResetForTheClient(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        try (ProviderBroker b = start(f, "http://127.0.0.1:" + upstream.actualPort())) {
            Credentials u = d.account(2);
            f.fund(u, 5, 3);
            HttpRequest req = HttpRequest.newBuilder(URI.create(b.baseUrl() + CHAT))
                    .header("Authorization", f.authorization(u)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(BrokerFixture.chat("cut off", true))).build();
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> f.http.send(req, HttpResponse.BodyHandlers.ofByteArray()))
                    .isInstanceOf(java.io.IOException.class);
            // No usage arrived: the prompt and the words delivered are billed by the broker's count (and nothing hangs).
            assertThat(b.store().unsettledFee(u.getAddress()))
                    .isEqualTo(IN.multiply(BigInteger.valueOf(TokenEstimate.of("cut off") + 4))
                            .add(OUT.multiply(BigInteger.valueOf(TokenEstimate.of("four words then silence")))));
        }
    }

    @Test
    void upstreamFailuresPassThroughUnbilled(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        try (ProviderBroker b = start(f, "http://127.0.0.1:" + upstream.actualPort())) {
            Credentials u = d.account(2);
            f.fund(u, 5, 3);
            HttpResponse<byte[]> r = f.post(b, CHAT, f.authorization(u), BrokerFixture.chat("overload", false));
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(BrokerFixture.text(r)).isEqualTo("{\"error\":\"overloaded\"}");
            assertThat(r.headers().firstValue("ZG-Res-Key")).isEmpty();
            assertThat(b.store().unsettledFee(u.getAddress())).isZero();
        }
        try (ProviderBroker b = start(f, "http://127.0.0.1:1")) {
            Credentials u = d.account(2);
            HttpResponse<byte[]> r = f.post(b, CHAT, f.authorization(u), BrokerFixture.chat("anyone there", false));
            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo("upstream model server unavailable");
            assertThat(b.store().unsettledFee(u.getAddress())).isZero();
        }
    }
}
