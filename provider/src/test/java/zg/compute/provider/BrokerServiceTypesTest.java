package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
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
 * Every non-chat service type through the real broker against an upstream speaking the OpenAI shapes of
 * services-and-ui.md A.8 (a fixed-answer test server, not a model: the model servers themselves are tested in
 * the backends module): the route, what is forwarded, the fee, the signed text, {@code ZG-Res-Key},
 * settlement of exactly what was billed, upstream errors unbilled, and the spec's error texts.
 */
@ExtendWith(DevnetExtension.class)
class BrokerServiceTypesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final BigInteger IN = BigInteger.valueOf(1_000_000_000L);
    private static final BigInteger OUT = BigInteger.valueOf(7_000_000_000L);
    private static final byte[][] IMAGES = {"png-bytes-one".getBytes(StandardCharsets.UTF_8),
        "png-bytes-two".getBytes(StandardCharsets.UTF_8), "png-bytes-three".getBytes(StandardCharsets.UTF_8)};

    private Vertx vertx;
    private HttpServer upstream;
    private final AtomicReference<String> lastUri = new AtomicReference<>();
    private final AtomicReference<MultiMap> lastHeaders = new AtomicReference<>();
    private final AtomicReference<byte[]> lastBody = new AtomicReference<>();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        upstream = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
            lastUri.set(req.uri());
            lastHeaders.set(MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
            lastBody.set(body.getBytes());
            String b = body.toString();
            var resp = req.response().putHeader("Content-Type", "application/json");
            if (b.contains("overloaded")) {
                resp.setStatusCode(503).end("{\"error\":\"overloaded\"}");
            } else if (req.path().startsWith("/v1/images/")) {
                // asked for n, answers with 2 images at most (providers may clamp n)
                StringBuilder data = new StringBuilder();
                for (int i = 0; i < 2; i++) {
                    data.append(i == 0 ? "" : ",").append("{\"b64_json\":\"")
                            .append(Base64.getEncoder().encodeToString(IMAGES[i])).append("\"}");
                }
                resp.end("{\"created\":1,\"data\":[" + data + "]}");
            } else if (req.path().equals("/v1/audio/transcriptions")) {
                if (b.contains("name=\"stream\"\r\n\r\ntrue")) {
                    resp.putHeader("Content-Type", "text/event-stream");
                    resp.end("data: {\"type\":\"transcript.text.delta\",\"delta\":\"hello\"}\n\n"
                            + "data: {\"type\":\"transcript.text.done\",\"text\":\"hello world\","
                            + "\"usage\":{\"type\":\"duration\",\"seconds\":4.6}}\n\n");
                } else if (b.contains("tokens-model")) {
                    resp.end("{\"text\":\"hello world\",\"usage\":{\"type\":\"tokens\",\"input_tokens\":30,"
                            + "\"output_tokens\":3,\"total_tokens\":33}}");
                } else {
                    resp.end("{\"text\":\"hello world\",\"usage\":{\"type\":\"duration\",\"seconds\":3.4}}");
                }
            } else if (req.path().equals("/v1/embeddings")) {
                resp.end("{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":[0.1,0.2]}],"
                        + "\"model\":\"m\",\"usage\":{\"prompt_tokens\":7,\"total_tokens\":7}}");
            } else {
                resp.setStatusCode(404).end("{\"error\":\"no route\"}");
            }
        }));
        upstream.listen(0, "127.0.0.1").await();
    }

    @AfterEach
    void stop() {
        vertx.close().await();
    }

    private record Running(BrokerFixture f, ProviderBroker b, Credentials user) {
    }

    private Running broker(Devnet d, Path dir, String type) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        String yaml = f.yaml(IN, OUT, "http://127.0.0.1:" + upstream.actualPort() + "/v1")
                .replace("  model: dev-model", "  type: " + type + "\n  model: dev-model");
        ProviderBroker b = ProviderBroker.start(new ConfigLoader(f.env()).parse(yaml, dir),
                new ProviderBroker.Options(java.time.Clock.systemUTC(), false, SettlementFault.NONE));
        d.inference(d.account(0)).acknowledgeTEESignerByOwner(f.provider.getAddress()).send();
        Credentials u = d.account(2);
        f.fund(u, 5, 3);
        assertThat(d.inference(u).getService(f.provider.getAddress()).send().serviceType).isEqualTo(type);
        return new Running(f, b, u);
    }

    private static HttpResponse<byte[]> post(Running r, String path, String contentType, byte[] body) {
        return r.f().send(HttpRequest.newBuilder(URI.create(r.b().baseUrl() + path))
                .header("Authorization", r.f().authorization(r.user())).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    private static final String boundary = "zgBoundary7MA4YWxk";

    private static byte[] multipart(List<String[]> fields, byte[] file, String fileField) {
        StringBuilder s = new StringBuilder();
        for (String[] f : fields) {
            s.append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"").append(f[0])
                    .append("\"\r\n\r\n").append(f[1]).append("\r\n");
        }
        byte[] head = s.append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"")
                .append(fileField).append("\"; filename=\"a.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .toString().getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(head.length + file.length + tail.length);
        return out.put(head).put(file).put(tail).array();
    }

    /** The signature stored under the response's ZG-Res-Key. */
    private static JsonNode signature(Running r, HttpResponse<byte[]> resp) throws Exception {
        String key = resp.headers().firstValue("ZG-Res-Key").orElseThrow();
        var sig = r.f().get(r.b(), "/v1/proxy/signature/" + key, null);
        assertThat(sig.statusCode()).isEqualTo(200);
        JsonNode n = JSON.readTree(sig.body());
        assertThat(new ResponseSignature(n.get("text").asText(), n.get("signature").asText())
                .isSignedBy(BrokerFixture.teeAddress())).isTrue();
        return n;
    }

    private static void assertSettlesExactly(Running r) throws Exception {
        BigInteger billed = r.b().store().billedTotal();
        var before = r.f().subAccounts(List.of(r.user()));
        assertThat(r.b().settleNow().settled()).isEqualTo(billed);
        assertThat(BrokerFixture.charged(before, r.f().subAccounts(List.of(r.user())))).isEqualTo(billed);
    }

    @Test
    void textToImageBillsImagesDeliveredAndSignsTheDecodedImages(Devnet d, @TempDir Path dir) throws Exception {
        Running r = broker(d, dir, "text-to-image");
        try (ProviderBroker b = r.b()) {
            byte[] request = "{\"model\":\"m\",\"prompt\":\"a red fox\",\"n\":3}".getBytes(StandardCharsets.UTF_8);
            var resp = post(r, "/v1/proxy/images/generations", "application/json", request);
            assertThat(resp.statusCode()).isEqualTo(200);
            assertThat(lastUri.get()).isEqualTo("/v1/images/generations?wait=true");
            assertThat(JSON.readTree(lastBody.get()).get("response_format").asText()).isEqualTo("b64_json");
            // 3 requested, 2 delivered: 2 × outputPrice
            assertThat(b.store().billedTotal()).isEqualTo(OUT.multiply(BigInteger.TWO));
            assertThat(signature(r, resp).get("text").asText())
                    .isEqualTo(ResponseSignature.imagesText(request, List.of(IMAGES[0], IMAGES[1])));

            // url is served by the broker (BrokerHostedImagesTest); other formats are refused
            var png = post(r, "/v1/proxy/images/generations", "application/json",
                    "{\"prompt\":\"x\",\"response_format\":\"png\"}".getBytes(StandardCharsets.UTF_8));
            assertThat(png.statusCode()).isEqualTo(400);
            assertThat(BrokerFixture.text(png)).contains("response_format must be b64_json or url");
            var noPrompt = post(r, "/v1/proxy/images/generations", "application/json", "{\"n\":1}".getBytes());
            assertThat(BrokerFixture.text(noPrompt)).contains("prompt field not found");
            var stringN = post(r, "/v1/proxy/images/generations", "application/json",
                    "{\"prompt\":\"x\",\"n\":\"2\"}".getBytes());
            assertThat(BrokerFixture.text(stringN)).contains("`n` could not be read unambiguously");
            var failing = post(r, "/v1/proxy/images/generations", "application/json",
                    "{\"prompt\":\"overloaded\"}".getBytes());
            assertThat(failing.statusCode()).isEqualTo(503);
            assertThat(b.store().billedTotal()).as("errors unbilled").isEqualTo(OUT.multiply(BigInteger.TWO));
            assertThat(post(r, "/v1/proxy/chat/completions", "application/json", BrokerFixture.chat("hi", false)
                    .getBytes()).statusCode()).as("another type's route").isEqualTo(400);
            assertSettlesExactly(r);
        }
    }

    @Test
    void imageEditsReadNWithARealMultipartParser(Devnet d, @TempDir Path dir) throws Exception {
        Running r = broker(d, dir, "image-editing");
        try (ProviderBroker b = r.b()) {
            String ct = "multipart/form-data; boundary=" + boundary;
            byte[] body = multipart(List.<String[]>of(new String[] {"prompt", "add a hat"}, new String[] {"n", "1"},
                    new String[] {"response_format", "b64_json"}), IMAGES[2], "image");
            var resp = post(r, "/v1/proxy/images/edits", ct, body);
            assertThat(resp.statusCode()).as(BrokerFixture.text(resp)).isEqualTo(200);
            assertThat(new String(lastBody.get(), StandardCharsets.UTF_8)).contains("name=\"response_format\"\r\n\r\nb64_json")
                    .contains("add a hat");
            assertThat(b.store().billedTotal()).as("n = 1").isEqualTo(OUT);
            assertThat(signature(r, resp).get("text").asText())
                    .isEqualTo(ResponseSignature.imagesText(body, List.of(IMAGES[0])));

            byte[] twice = multipart(List.<String[]>of(new String[] {"prompt", "p"}, new String[] {"n", "1"},
                    new String[] {"n", "4"}), IMAGES[2], "image");
            var dup = post(r, "/v1/proxy/images/edits", ct, twice);
            assertThat(dup.statusCode()).isEqualTo(400);
            assertThat(BrokerFixture.text(dup)).isEqualTo("{\"error\":\"`n` could not be read unambiguously\"}");
            var noImage = post(r, "/v1/proxy/images/edits", ct, multipart(List.<String[]>of(new String[] {"prompt", "p"}),
                    IMAGES[2], "other"));
            assertThat(BrokerFixture.text(noImage)).contains("image field not found");
            var json = post(r, "/v1/proxy/images/edits", "application/json",
                    ("{\"prompt\":\"p\",\"n\":2,\"image\":\"" + Base64.getEncoder().encodeToString(IMAGES[2]) + "\"}")
                            .getBytes());
            assertThat(json.statusCode()).isEqualTo(200);
            assertThat(b.store().billedTotal()).isEqualTo(OUT.multiply(BigInteger.valueOf(3)));
            assertSettlesExactly(r);
        }
    }

    private static byte[] wav(double seconds) {
        int rate = 16_000;
        int data = (int) (seconds * rate) * 2;
        ByteBuffer b = ByteBuffer.allocate(44 + data).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(36 + data).put("WAVE".getBytes()).put("fmt ".getBytes()).putInt(16)
                .putShort((short) 1).putShort((short) 1).putInt(rate).putInt(rate * 2).putShort((short) 2)
                .putShort((short) 16).put("data".getBytes()).putInt(data);
        return b.array();
    }

    @Test
    void speechToTextBillsSecondsOrTokensAndReadsStreams(Devnet d, @TempDir Path dir) throws Exception {
        Running r = broker(d, dir, "speech-to-text");
        try (ProviderBroker b = r.b()) {
            String ct = "multipart/form-data; boundary=" + boundary;
            byte[] body = multipart(List.<String[]>of(new String[] {"model", "whisper"}), wav(3.4), "file");
            var resp = post(r, "/v1/proxy/audio/transcriptions", ct, body);
            assertThat(resp.statusCode()).as(BrokerFixture.text(resp)).isEqualTo(200);
            assertThat(b.store().billedTotal()).as("round(3.4) s × inputPrice").isEqualTo(IN.multiply(BigInteger.valueOf(3)));
            assertThat(signature(r, resp).get("text").asText()).isEqualTo(ResponseSignature.text(body, resp.body()));

            var stream = post(r, "/v1/proxy/audio/transcriptions", ct, multipart(List.<String[]>of(new String[] {"stream", "true"}),
                    wav(5), "file"));
            assertThat(stream.statusCode()).isEqualTo(200);
            BigInteger afterStream = IN.multiply(BigInteger.valueOf(3 + 5)); // round(4.6) = 5
            assertThat(b.store().billedTotal()).isEqualTo(afterStream);

            var tokens = post(r, "/v1/proxy/audio/transcriptions", ct,
                    multipart(List.<String[]>of(new String[] {"model", "tokens-model"}), wav(1), "file"));
            assertThat(tokens.statusCode()).isEqualTo(200);
            assertThat(b.store().billedTotal()).isEqualTo(afterStream.add(IN.multiply(BigInteger.valueOf(30)))
                    .add(OUT.multiply(BigInteger.valueOf(3))));

            var noFile = post(r, "/v1/proxy/audio/transcriptions", ct, multipart(List.<String[]>of(), wav(1), "audio"));
            assertThat(BrokerFixture.text(noFile)).contains("file field not found");
            var notMultipart = post(r, "/v1/proxy/audio/transcriptions", "application/json", "{}".getBytes());
            assertThat(BrokerFixture.text(notMultipart)).contains("takes multipart/form-data");
            assertSettlesExactly(r);
        }
    }

    @Test
    void embeddingsBillInputTokens(Devnet d, @TempDir Path dir) throws Exception {
        Running r = broker(d, dir, "embedding");
        try (ProviderBroker b = r.b()) {
            byte[] body = "{\"model\":\"m\",\"input\":[\"hello world\",\"good night\"]}".getBytes(StandardCharsets.UTF_8);
            var resp = post(r, "/v1/proxy/embeddings", "application/json", body);
            assertThat(resp.statusCode()).isEqualTo(200);
            assertThat(b.store().billedTotal()).isEqualTo(IN.multiply(BigInteger.valueOf(7)));
            assertThat(signature(r, resp).get("text").asText()).isEqualTo(ResponseSignature.text(body, resp.body()));
            var noInput = post(r, "/v1/proxy/embeddings", "application/json", "{\"model\":\"m\"}".getBytes());
            assertThat(BrokerFixture.text(noInput)).contains("input field not found");
            var models = JSON.readTree(r.f().get(b, "/v1/models", null).body()).at("/data/0");
            assertThat(models.get("type").asText()).isEqualTo("embedding");
            assertThat(models.at("/pricing/unit").asText()).contains("input token");
            assertSettlesExactly(r);
        }
    }
}
