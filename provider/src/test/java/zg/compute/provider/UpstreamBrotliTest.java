package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.aayushatharva.brotli4j.decoder.Decoder;
import com.aayushatharva.brotli4j.encoder.Encoder;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.signing.ResponseSignature;
import zg.compute.provider.internal.settlement.SettlementFault;

/**
 * An upstream that answers {@code Content-Encoding: br} (compressed by the real brotli encoder): the
 * client gets the compressed bytes as sent and the signature covers them, while billing decodes them
 * and charges exactly the usage inside — for a JSON body and for an SSE stream.
 */
@ExtendWith(DevnetExtension.class)
class UpstreamBrotliTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final BigInteger IN = BigInteger.valueOf(1_000_000_000L);
    private static final BigInteger OUT = BigInteger.valueOf(3_000_000_000L);
    private static final String CHAT = "/v1/proxy/chat/completions";
    private static final String JSON_BODY = "{\"id\":\"x\",\"choices\":[{\"message\":{\"content\":\"hi\"}}],"
            + "\"usage\":{\"prompt_tokens\":13,\"completion_tokens\":8}}";
    private static final String SSE_BODY = "data: {\"id\":\"x\",\"choices\":[{\"delta\":{\"content\":\"one two\"}}]}\n\n"
            + "data: {\"id\":\"x\",\"choices\":[],\"usage\":{\"prompt_tokens\":6,\"completion_tokens\":21}}\n\n"
            + "data: [DONE]\n\n";

    private Vertx vertx;
    private HttpServer upstream;
    private final AtomicReference<String> acceptEncoding = new AtomicReference<>();

    static byte[] brotli(String s) throws Exception {
        Brotli4jLoader.ensureAvailability();
        return Encoder.compress(s.getBytes(StandardCharsets.UTF_8));
    }

    @BeforeEach
    void startUpstream() throws Exception {
        byte[] json = brotli(JSON_BODY);
        byte[] sse = brotli(SSE_BODY);
        vertx = Vertx.vertx();
        upstream = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
            acceptEncoding.set(req.getHeader("Accept-Encoding"));
            var resp = req.response().putHeader("Content-Encoding", "br");
            if (body.toString().contains("\"stream\":true")) {
                // The compressed stream arrives in two pieces, as a streaming encoder would flush it.
                int half = sse.length / 2;
                resp.setChunked(true).putHeader("Content-Type", "text/event-stream");
                resp.write(Buffer.buffer(java.util.Arrays.copyOfRange(sse, 0, half)));
                resp.end(Buffer.buffer(java.util.Arrays.copyOfRange(sse, half, sse.length)));
            } else {
                resp.putHeader("Content-Type", "application/json").end(Buffer.buffer(json));
            }
        }));
        upstream.listen(0, "127.0.0.1").await();
    }

    @AfterEach
    void stopUpstream() {
        vertx.close().await();
    }

    @Test
    void brotliAnswersAreBilledFromTheUsageInside(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        try (ProviderBroker b = ProviderBroker.start(
                new ConfigLoader(f.env()).parse(f.yaml(IN, OUT, "http://127.0.0.1:" + upstream.actualPort()), dir),
                new ProviderBroker.Options(Clock.systemUTC(), false, SettlementFault.NONE))) {
            d.inference(d.account(0)).acknowledgeTEESignerByOwner(f.provider.getAddress()).send();
            Credentials u = d.account(2);
            f.fund(u, 5, 3);

            String request = BrokerFixture.chat("brotli please", false);
            HttpResponse<byte[]> r = f.post(b, CHAT, f.authorization(u), request);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(acceptEncoding.get()).isEqualTo("gzip, deflate, br");
            assertThat(r.headers().firstValue("Content-Encoding")).hasValue("br");
            assertThat(new String(Decoder.decompress(r.body()).getDecompressedData(), StandardCharsets.UTF_8))
                    .isEqualTo(JSON_BODY);
            BigInteger jsonFee = IN.multiply(BigInteger.valueOf(13)).add(OUT.multiply(BigInteger.valueOf(8)));
            assertThat(b.store().unsettledFee(u.getAddress())).isEqualTo(jsonFee);
            var sig = JSON.readTree(f.get(b, "/v1/proxy/signature/" + r.headers().firstValue("ZG-Res-Key").orElseThrow(),
                    null).body());
            assertThat(new ResponseSignature(sig.get("text").asText(), sig.get("signature").asText())
                    .covers(request.getBytes(StandardCharsets.UTF_8), r.body())).isTrue();

            HttpResponse<byte[]> s = f.post(b, CHAT, f.authorization(u), BrokerFixture.chat("stream brotli", true));
            assertThat(s.statusCode()).isEqualTo(200);
            assertThat(new String(Decoder.decompress(s.body()).getDecompressedData(), StandardCharsets.UTF_8))
                    .isEqualTo(SSE_BODY);
            assertThat(b.store().unsettledFee(u.getAddress()))
                    .isEqualTo(jsonFee.add(IN.multiply(BigInteger.valueOf(6)).add(OUT.multiply(BigInteger.valueOf(21)))));
        }
    }
}
