package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import zg.compute.backends.DevImageServer;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.signing.ResponseSignature;
import zg.compute.sdk.BrokerOptions;
import zg.compute.sdk.ContractAddresses;
import zg.compute.sdk.ImageRequest;
import zg.compute.sdk.ImageResult;
import zg.compute.sdk.ResponseVerification;
import zg.compute.sdk.ZGComputeNetworkBroker;

/**
 * {@code response_format: url} on a text-to-image broker in front of the DEVELOPMENT image renderer: the pictures
 * are hosted by the broker, served until their TTL, signed over the decoded bytes (so the SDK can fetch and check
 * them), billed per image and settled; the refusals and the b64 fall-back of services-and-ui.md A.2.
 */
@ExtendWith(DevnetExtension.class)
class BrokerHostedImagesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final BigInteger IN = BigInteger.valueOf(1_000_000_000L);
    private static final BigInteger OUT = BigInteger.valueOf(5_000_000_000L);

    private Vertx vertx;
    private DevImageServer model;

    @BeforeEach
    void startModel() {
        vertx = Vertx.vertx();
        model = DevImageServer.start(vertx, 0);
    }

    @AfterEach
    void stopModel() {
        model.close();
        vertx.close().await();
    }

    private static HttpResponse<byte[]> post(BrokerFixture f, ProviderBroker b, Credentials u, byte[] body) {
        return f.send(HttpRequest.newBuilder(URI.create(b.baseUrl() + "/v1/proxy/images/generations"))
                .header("Authorization", f.authorization(u)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    private static HttpResponse<byte[]> get(BrokerFixture f, String url) {
        return f.send(HttpRequest.newBuilder(URI.create(url)).GET().build());
    }

    private static String signedText(BrokerFixture f, ProviderBroker b, HttpResponse<byte[]> r) throws Exception {
        JsonNode n = JSON.readTree(f.get(b, "/v1/proxy/signature/" + r.headers().firstValue("ZG-Res-Key").orElseThrow(),
                null).body());
        assertThat(new ResponseSignature(n.get("text").asText(), n.get("signature").asText())
                .isSignedBy(BrokerFixture.teeAddress())).isTrue();
        return n.get("text").asText();
    }

    @Test
    void urlAnswersAreHostedSignedOverThePicturesBilledAndExpire(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        Credentials u = d.account(2);
        long ttlSeconds = 6;
        try (ProviderBroker b = f.startService("text-to-image", model.baseUrl(), IN, OUT,
                "images: { ttlSeconds: " + ttlSeconds + " }\n")) {
            f.fund(u, 5, 3);
            byte[] body = "{\"model\":\"dev\",\"prompt\":\"a lighthouse at dusk\",\"n\":2,\"size\":\"256x256\",\"response_format\":\"url\"}"
                    .getBytes(StandardCharsets.UTF_8);
            var r = post(f, b, u, body);
            long answeredAt = System.currentTimeMillis();
            assertThat(r.statusCode()).as(BrokerFixture.text(r)).isEqualTo(200);
            String chatKey = r.headers().firstValue("ZG-Res-Key").orElseThrow();
            JsonNode data = JSON.readTree(r.body()).get("data");
            assertThat(data).hasSize(2);
            List<byte[]> pictures = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                assertThat(data.get(i).has("b64_json")).isFalse();
                String url = data.get(i).get("url").asText();
                assertThat(url).isEqualTo(b.baseUrl() + "/v1/proxy/images/" + chatKey + "/" + i);
                var img = get(f, url);
                assertThat(img.statusCode()).isEqualTo(200);
                assertThat(img.headers().firstValue("Content-Type")).hasValue("image/png");
                assertThat(ImageIO.read(new ByteArrayInputStream(img.body())).getWidth()).isEqualTo(256);
                pictures.add(img.body());
            }
            var head = f.send(HttpRequest.newBuilder(URI.create(data.get(0).get("url").asText()))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(head.headers().firstValue("Content-Length")).hasValue(Integer.toString(pictures.get(0).length));

            // the signature covers the original request and exactly the hosted pictures
            assertThat(signedText(f, b, r)).isEqualTo(ResponseSignature.imagesText(body, pictures));
            assertThat(b.store().billedTotal()).isEqualTo(OUT.multiply(BigInteger.TWO));

            // only a lower-case UUID and a small index name a file: nothing else under the store is reachable
            for (String bad : List.of("../broker.db", "%2e%2e%2fbroker.db/0", chatKey.toUpperCase() + "/0",
                    chatKey + "/00", chatKey + "/-1", chatKey + "/2", chatKey + "/0/x", chatKey)) {
                assertThat(get(f, b.baseUrl() + "/v1/proxy/images/" + bad).statusCode()).as(bad)
                        .isIn(400, 404);
            }

            // the SDK fetches the hosted pictures and checks them against the signature
            ContractAddresses c = new ContractAddresses(d.contracts().ledger().proxy(),
                    d.contracts().inference().proxy(), d.contracts().fineTuning().proxy());
            try (var sdk = ZGComputeNetworkBroker.create(u, d.rpcUrl(),
                    BrokerOptions.defaults().withContracts(c).withFundOnRequestHeaders(false))) {
                ImageResult viaSdk = sdk.inference().images().generate(f.provider.getAddress(),
                        ImageRequest.of("a red fox").withSize("256x256").withUrls());
                assertThat(viaSdk.verification()).isEqualTo(ResponseVerification.VERIFIED);
                assertThat(viaSdk.urls()).hasSize(1).allMatch(url -> url.startsWith(b.baseUrl() + "/v1/proxy/images/"));
                assertThat(viaSdk.images()).hasSize(1);
                assertThat(viaSdk.fee()).isEqualTo(OUT);
            }
            BigInteger billed = b.store().billedTotal();
            assertThat(billed).isEqualTo(OUT.multiply(BigInteger.valueOf(3)));
            var before = f.subAccounts(List.of(u));
            assertThat(b.settleNow().settled()).isEqualTo(billed);
            assertThat(BrokerFixture.charged(before, f.subAccounts(List.of(u)))).isEqualTo(billed);

            // after the TTL the picture is gone
            Thread.sleep(Math.max(0, answeredAt + ttlSeconds * 1000 + 500 - System.currentTimeMillis()));
            assertThat(get(f, data.get(0).get("url").asText()).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void aFullStoreAnswersB64ADisabledStoreRefusesUrlAndANonB64UpstreamIsNotForwarded(Devnet d, @TempDir Path dir)
            throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        Credentials u = d.account(2);
        byte[] body = "{\"model\":\"dev\",\"prompt\":\"a lighthouse\",\"size\":\"256x256\",\"response_format\":\"url\"}"
                .getBytes(StandardCharsets.UTF_8);
        f.fund(u, 5, 3);

        // store full (100 bytes): the pictures come inline after all, billed and signed the same way
        try (ProviderBroker b = f.startService("text-to-image", model.baseUrl(), IN, OUT, "images: { maxBytes: 100 }\n")) {
            var r = post(f, b, u, body);
            assertThat(r.statusCode()).as(BrokerFixture.text(r)).isEqualTo(200);
            byte[] png = Base64.getDecoder().decode(JSON.readTree(r.body()).at("/data/0/b64_json").asText());
            assertThat(signedText(f, b, r)).isEqualTo(ResponseSignature.imagesText(body, List.of(png)));
            assertThat(b.store().billedTotal()).isEqualTo(OUT);
        }

        // the store directory cannot be made (a file is in the way): url is refused before anything is reserved
        Path blocker = Files.writeString(dir.resolve("not-a-directory"), "x");
        try (ProviderBroker b = f.startService("text-to-image", model.baseUrl(), IN, OUT,
                "images: { dir: \"" + blocker + "\" }\n")) {
            var r = post(f, b, u, body);
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo("response_format=url requested but"
                    + " image store is disabled (check startup logs for newImageStore error)");
            assertThat(b.store().reservedFee(u.getAddress())).isZero();
        }

        // STAND-IN model server that answers with a URL (which might point into the provider's LAN): refused, not billed
        HttpServer urlOnly = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(x -> req.response()
                .putHeader("Content-Type", "application/json")
                .end("{\"created\":1,\"data\":[{\"url\":\"http://10.0.0.7/internal.png\"}]}")));
        urlOnly.listen(0, "127.0.0.1").await();
        try (ProviderBroker b = f.startService("text-to-image", "http://127.0.0.1:" + urlOnly.actualPort() + "/v1", IN,
                OUT, "")) {
            BigInteger billedBefore = b.store().billedTotal();
            var r = post(f, b, u, body);
            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(JSON.readTree(r.body()).get("error").asText()).startsWith("provider returned non-b64 image"
                    + " response, refusing to forward (may contain LAN-private URLs): ");
            assertThat(BrokerFixture.text(r)).doesNotContain("10.0.0.7");
            assertThat(b.store().billedTotal()).isEqualTo(billedBefore);
            // the reservation goes back right after the refusal is sent (off the event loop)
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (b.store().reservedFee(u.getAddress()).signum() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(b.store().reservedFee(u.getAddress())).isZero();
            assertThat(b.store().billedTotal()).isEqualTo(billedBefore);
        } finally {
            urlOnly.close().await();
        }
    }
}
