package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import zg.compute.backends.DevImageServer;
import zg.compute.backends.EmbeddingServer;
import zg.compute.backends.ModelServer;
import zg.compute.backends.TextToSpeechServer;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.audio.Wav;
import zg.compute.protocol.signing.ResponseSignature;
import zg.compute.provider.internal.settlement.SettlementFault;

/**
 * The broker in front of the model servers of the backends module: the REAL all-MiniLM-L6-v2 embeddings
 * model, the DEVELOPMENT image renderer and the REAL espeak-ng speech synthesiser. Paid, verified against the signed text, settled on chain.
 */
@ExtendWith(DevnetExtension.class)
class BrokerModelServersTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final BigInteger IN = BigInteger.valueOf(1_000_000_000L);
    private static final BigInteger OUT = BigInteger.valueOf(5_000_000_000L);

    private static ProviderBroker broker(BrokerFixture f, String type, ModelServer model) throws Exception {
        String yaml = f.yaml(IN, OUT, model.baseUrl()).replace("  model: dev-model", "  type: " + type + "\n  model: dev-model");
        ProviderBroker b = ProviderBroker.start(new ConfigLoader(f.env()).parse(yaml, f.dir),
                new ProviderBroker.Options(java.time.Clock.systemUTC(), false, SettlementFault.NONE));
        f.devnet.inference(f.devnet.account(0)).acknowledgeTEESignerByOwner(f.provider.getAddress()).send();
        return b;
    }

    private static JsonNode signature(BrokerFixture f, ProviderBroker b, java.net.http.HttpResponse<byte[]> r)
            throws Exception {
        var s = f.get(b, "/v1/proxy/signature/" + r.headers().firstValue("ZG-Res-Key").orElseThrow(), null);
        JsonNode n = JSON.readTree(s.body());
        assertThat(new ResponseSignature(n.get("text").asText(), n.get("signature").asText())
                .isSignedBy(BrokerFixture.teeAddress())).isTrue();
        return n;
    }

    private static java.net.http.HttpResponse<byte[]> post(BrokerFixture f, ProviderBroker b, Credentials u,
            String path, byte[] body) {
        return f.send(HttpRequest.newBuilder(URI.create(b.baseUrl() + path)).header("Authorization", f.authorization(u))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    @Test
    void realEmbeddingsAreBilledByTheModelsOwnTokenCount(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        Credentials u = d.account(2);
        try (EmbeddingServer model = EmbeddingServer.start(0); ProviderBroker b = broker(f, "embedding", model)) {
            f.fund(u, 5, 3);
            byte[] body = "{\"model\":\"all-MiniLM-L6-v2\",\"input\":[\"The cat sits on the mat.\",\"Stocks fell today.\"]}"
                    .getBytes(StandardCharsets.UTF_8);
            var r = post(f, b, u, "/v1/proxy/embeddings", body);
            assertThat(r.statusCode()).as(BrokerFixture.text(r)).isEqualTo(200);
            JsonNode answer = JSON.readTree(r.body());
            assertThat(answer.at("/data/0/embedding").size()).isEqualTo(EmbeddingServer.DIMENSIONS);
            long tokens = answer.at("/usage/prompt_tokens").asLong();
            assertThat(tokens).isPositive();
            assertThat(b.store().billedTotal()).isEqualTo(IN.multiply(BigInteger.valueOf(tokens)));
            assertThat(signature(f, b, r).get("text").asText()).isEqualTo(ResponseSignature.text(body, r.body()));
            var before = f.subAccounts(List.of(u));
            assertThat(b.settleNow().settled()).isEqualTo(b.store().billedTotal());
            assertThat(BrokerFixture.charged(before, f.subAccounts(List.of(u)))).isEqualTo(b.store().billedTotal());
        }
    }

    @Test
    void developmentImagesAreBilledPerImageAndSignedOverTheDecodedPngs(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        Credentials u = d.account(2);
        Vertx vertx = Vertx.vertx();
        try (DevImageServer model = DevImageServer.start(vertx, 0); ProviderBroker b = broker(f, "text-to-image", model)) {
            f.fund(u, 5, 3);
            byte[] body = "{\"model\":\"dev\",\"prompt\":\"a lighthouse at dusk\",\"n\":2,\"size\":\"256x256\"}"
                    .getBytes(StandardCharsets.UTF_8);
            var r = post(f, b, u, "/v1/proxy/images/generations", body);
            assertThat(r.statusCode()).as(BrokerFixture.text(r)).isEqualTo(200);
            List<byte[]> images = new ArrayList<>();
            for (JsonNode item : JSON.readTree(r.body()).get("data")) {
                byte[] png = Base64.getDecoder().decode(item.get("b64_json").asText());
                assertThat(ImageIO.read(new ByteArrayInputStream(png)).getWidth()).isEqualTo(256);
                images.add(png);
            }
            assertThat(images).hasSize(2);
            assertThat(b.store().billedTotal()).isEqualTo(OUT.multiply(BigInteger.TWO));
            assertThat(signature(f, b, r).get("text").asText()).isEqualTo(ResponseSignature.imagesText(body, images));
        } finally {
            vertx.close().await();
        }
    }

    @Test
    void realGeneratedSpeechIsBilledByTheSecondsOfTheWavDelivered(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        Credentials u = d.account(2);
        Vertx vertx = Vertx.vertx();
        try (TextToSpeechServer model = TextToSpeechServer.start(vertx, 0);
                ProviderBroker b = broker(f, "audio-generation", model)) {
            f.fund(u, 5, 3);
            byte[] body = "{\"model\":\"espeak-ng-en-us\",\"input\":\"Please open the window before you leave.\"}"
                    .getBytes(StandardCharsets.UTF_8);
            var r = post(f, b, u, "/v1/proxy/audio/speech", body);
            assertThat(r.statusCode()).as(BrokerFixture.text(r)).isEqualTo(200);
            double seconds = Wav.read(r.body()).seconds();
            assertThat(seconds).isBetween(1.5, 5.0);
            long billable = (long) Math.ceil(seconds);
            assertThat(b.store().billedTotal()).isEqualTo(OUT.multiply(BigInteger.valueOf(billable)));
            assertThat(signature(f, b, r).get("text").asText()).isEqualTo(ResponseSignature.text(body, r.body()));
            var before = f.subAccounts(List.of(u));
            assertThat(b.settleNow().settled()).isEqualTo(b.store().billedTotal());
            assertThat(BrokerFixture.charged(before, f.subAccounts(List.of(u)))).isEqualTo(b.store().billedTotal());

            // the model server's own 400 is relayed and nothing is billed for it
            var bad = post(f, b, u, "/v1/proxy/audio/speech",
                    "{\"input\":\"hi\",\"voice\":\"robot\"}".getBytes(StandardCharsets.UTF_8));
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(BrokerFixture.text(bad)).contains("voice must be one of");
            // the broker's own check: nothing to speak
            var empty = post(f, b, u, "/v1/proxy/audio/speech", "{\"input\":\"  \"}".getBytes(StandardCharsets.UTF_8));
            assertThat(empty.statusCode()).isEqualTo(400);
            assertThat(BrokerFixture.text(empty)).contains("input must be a non-empty string");
            assertThat(b.store().billedTotal()).isEqualTo(OUT.multiply(BigInteger.valueOf(billable)));
        } finally {
            vertx.close().await();
        }
    }
}
