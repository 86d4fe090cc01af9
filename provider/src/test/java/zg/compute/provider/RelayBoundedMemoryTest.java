package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.signing.ResponseSignature;

/**
 * A paid answer longer than the broker's whole heap is relayed, billed and signed: the broker holds a bounded
 * amount of it (its hash and usage are taken as it passes), never the answer. The broker runs as its own JVM
 * with {@code -Xmx256m}; the upstream streams 384 MiB of SSE — held whole, it could not fit.
 */
@ExtendWith(DevnetExtension.class)
class RelayBoundedMemoryTest {

    private static final BigInteger IN = BigInteger.valueOf(1_000_000_000L);
    private static final BigInteger OUT = BigInteger.valueOf(3_000_000_000L);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int EVENTS = 6 * 1024;
    /** One SSE event of about 64 KiB of content. */
    private static final byte[] EVENT = ("data: {\"choices\":[{\"delta\":{\"content\":\""
            + "lorem ipsum ".repeat(64 * 1024 / 12) + "\"}}]}\n\n").getBytes(StandardCharsets.UTF_8);
    private static final String USAGE = "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":21,\"completion_tokens\":"
            + EVENTS + "}}\n\ndata: [DONE]\n\n";

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES) // before the fix the broker ran out of heap and the answer hung
    void anAnswerLongerThanTheHeapIsRelayedBilledAndSigned(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        f.startAcknowledged(IN, OUT).close();
        Credentials user = d.account(2);
        f.fund(user, 5, 3);

        Vertx vertx = Vertx.vertx();
        HttpServer upstream = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
            HttpServerResponse r = req.response().setChunked(true).putHeader("Content-Type", "text/event-stream");
            stream(r, new int[] {EVENTS});
        }));
        upstream.listen(0, "127.0.0.1").await();
        Path config = dir.resolve("provider.yaml");
        Files.writeString(config, f.yaml(IN, OUT, "http://127.0.0.1:" + upstream.actualPort() + "/v1"));
        Path logback = dir.resolve("logback.xml");
        Files.writeString(logback, BrokerJvm.LOGBACK);
        BrokerJvm jvm = new BrokerJvm(config, f.env(), logback, dir.resolve("no-archive.jsa"),
                System.getProperty("java.class.path"));
        BrokerJvm.BrokerProcess broker = jvm.spawn(dir.resolve("broker.log"), false);
        try {
            String base = broker.awaitReady(Duration.ofSeconds(60));
            String body = "{\"model\":\"dev-model\",\"stream\":true,\"max_tokens\":10000,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"a long answer please\"}]}";
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/proxy/chat/completions"))
                    .header("Content-Type", "application/json").header("Authorization", f.authorization(user))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(r.statusCode()).isEqualTo(200);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            long size = 0;
            try (InputStream in = r.body()) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; size += n) {
                    sha.update(buf, 0, n);
                }
            }
            long expectedSize = (long) EVENTS * EVENT.length + USAGE.length();
            assertThat(size).as("every byte relayed").isEqualTo(expectedSize);
            assertThat(expectedSize).as("more than the broker's heap").isGreaterThan(256L * 1024 * 1024);

            String key = r.headers().firstValue("ZG-Res-Key").orElseThrow();
            JsonNode s = JSON.readTree(f.send(HttpRequest.newBuilder(
                    URI.create(base + "/v1/proxy/signature/" + key + "?model=dev-model")).GET().build()).body());
            ResponseSignature sig = new ResponseSignature(s.get("text").asText(), s.get("signature").asText());
            assertThat(sig.text()).as("signed over the bytes the client received").isEqualTo(
                    ResponseSignature.sha256Hex(body.getBytes(StandardCharsets.UTF_8)) + ":"
                            + HexFormat.of().formatHex(sha.digest()));
            assertThat(sig.isSignedBy(BrokerFixture.teeAddress())).isTrue();

            HttpResponse<byte[]> fee = f.send(HttpRequest.newBuilder(URI.create(base + "/v1/user/"
                    + user.getAddress() + "/unsettledfee")).header("Authorization", f.authorization(user)).GET().build());
            assertThat(new BigInteger(JSON.readTree(fee.body()).get("unsettledFee").asText()))
                    .as("billed from the stream's usage").isEqualTo(IN.multiply(BigInteger.valueOf(21))
                            .add(OUT.multiply(BigInteger.valueOf(EVENTS))));
            assertThat(Files.readString(dir.resolve("broker.log"))).doesNotContain("OutOfMemoryError");
        } finally {
            broker.stop();
            upstream.close().await();
            vertx.close().await();
        }
    }

    /** Writes the events as fast as the broker reads them, then the usage event and [DONE]. */
    private static void stream(HttpServerResponse r, int[] left) {
        while (left[0] > 0 && !r.writeQueueFull()) {
            r.write(Buffer.buffer(EVENT));
            left[0]--;
        }
        if (left[0] > 0) {
            r.drainHandler(v -> stream(r, left));
        } else {
            r.end(USAGE);
        }
    }
}
