package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
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
import zg.compute.sdk.ZGComputeException;
import zg.compute.sdk.ZGComputeNetworkBroker;

/**
 * Async image jobs (services-and-ui.md A.4) on a text-to-image broker in front of the DEVELOPMENT image renderer,
 * reached through {@link HeldUpstream} so a job can be caught in flight: reserved at submit, polled by its owner
 * only, billed once together with its result and settled; a full queue; a restart fails the jobs in flight
 * without billing them; the SDK's async helper.
 */
@ExtendWith(DevnetExtension.class)
class BrokerAsyncJobsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final BigInteger IN = BigInteger.valueOf(1_000_000_000L);
    private static final BigInteger OUT = BigInteger.valueOf(5_000_000_000L);
    private static final String SUBMIT = "/v1/async/images/generations";

    private Vertx vertx;
    private DevImageServer model;
    private HeldUpstream held;

    @BeforeEach
    void startModel() {
        vertx = Vertx.vertx();
        model = DevImageServer.start(vertx, 0);
        held = HeldUpstream.start(vertx, model.baseUrl());
    }

    @AfterEach
    void stopModel() {
        held.release();
        held.close();
        model.close();
        vertx.close().await();
    }

    private static byte[] request(int n) {
        return ("{\"model\":\"dev\",\"prompt\":\"a lighthouse at dusk\",\"n\":" + n + ",\"size\":\"256x256\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static HttpResponse<byte[]> submit(BrokerFixture f, ProviderBroker b, Credentials u, byte[] body) {
        return f.send(HttpRequest.newBuilder(URI.create(b.baseUrl() + SUBMIT)).header("Authorization", f.authorization(u))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    private static String jobId(HttpResponse<byte[]> submitted) throws Exception {
        assertThat(submitted.statusCode()).as(BrokerFixture.text(submitted)).isEqualTo(202);
        JsonNode n = JSON.readTree(submitted.body());
        assertThat(n.get("status").asText()).isEqualTo("pending");
        return n.get("jobId").asText();
    }

    private static HttpResponse<byte[]> poll(BrokerFixture f, ProviderBroker b, Credentials u, String jobId) {
        return f.get(b, "/v1/async/jobs/" + jobId, f.authorization(u));
    }

    private static JsonNode json(HttpResponse<byte[]> r) throws Exception {
        return JSON.readTree(r.body());
    }

    private static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    private static String status(BrokerFixture f, ProviderBroker b, Credentials u, String jobId) {
        try {
            return json(poll(f, b, u, jobId)).get("status").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static ZGComputeNetworkBroker sdk(Devnet d, Credentials u) {
        ContractAddresses c = new ContractAddresses(d.contracts().ledger().proxy(), d.contracts().inference().proxy(),
                d.contracts().fineTuning().proxy());
        return ZGComputeNetworkBroker.create(u, d.rpcUrl(),
                BrokerOptions.defaults().withContracts(c).withFundOnRequestHeaders(false));
    }

    @Test
    void aJobIsReservedPolledByItsOwnerBilledOnceWithItsResultAndSettled(Devnet d, @TempDir Path dir)
            throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        Credentials u = d.account(2);
        Credentials other = d.account(3);
        try (ProviderBroker b = f.startService("text-to-image", held.baseUrl(), IN, OUT, "")) {
            f.fund(u, 5, 3);
            byte[] body = request(2);
            String job = jobId(submit(f, b, u, body));
            assertThat(b.store().reservedFee(u.getAddress())).as("reserved at submit").isEqualTo(OUT.multiply(BigInteger.TWO));

            waitFor("the job to reach the model server", () -> held.arrived() == 1);
            var running = poll(f, b, u, job);
            assertThat(running.statusCode()).isEqualTo(200);
            assertThat(json(running).get("status").asText()).isEqualTo("processing");
            assertThat(json(running).has("data")).isFalse();
            assertThat(running.headers().firstValue("Retry-After")).hasValue("5");
            assertThat(json(running).get("createdAt").asText()).isNotBlank();

            // only the job's user may read it
            var foreign = poll(f, b, other, job);
            assertThat(foreign.statusCode()).isEqualTo(403);
            assertThat(json(foreign).get("error").asText()).isEqualTo("you do not have permission to access this job");
            var unknown = poll(f, b, u, UUID.randomUUID().toString());
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(json(unknown).get("error").asText()).isEqualTo("job not found");
            assertThat(json(f.get(b, "/v1/async/jobs/", f.authorization(u))).get("error").asText())
                    .isEqualTo("jobID is required");
            var empty = submit(f, b, u, new byte[0]);
            assertThat(empty.statusCode()).isEqualTo(400);
            assertThat(json(empty).get("error").asText()).isEqualTo("request body is required");
            assertThat(b.store().billedTotal()).as("nothing billed before the result").isZero();

            held.release();
            waitFor("the job to complete", () -> status(f, b, u, job).equals("completed"));
            var done = poll(f, b, u, job);
            assertThat(done.headers().firstValue("Retry-After")).isEmpty();
            JsonNode data = json(done).get("data");
            assertThat(data.path("data").isArray()).as(BrokerFixture.text(done)).isTrue();
            List<byte[]> pictures = new ArrayList<>();
            for (JsonNode item : data.get("data")) {
                pictures.add(Base64.getDecoder().decode(item.get("b64_json").asText()));
            }
            assertThat(pictures).hasSize(2);
            String chatKey = done.headers().firstValue("ZG-Res-Key").orElseThrow();
            JsonNode sig = JSON.readTree(f.get(b, "/v1/proxy/signature/" + chatKey, null).body());
            assertThat(new ResponseSignature(sig.get("text").asText(), sig.get("signature").asText())
                    .isSignedBy(BrokerFixture.teeAddress())).isTrue();
            assertThat(sig.get("text").asText()).isEqualTo(ResponseSignature.imagesText(body, pictures));

            // billed exactly once, with the result; reading it again changes nothing
            BigInteger billed = OUT.multiply(BigInteger.TWO);
            assertThat(b.store().billedTotal()).isEqualTo(billed);
            assertThat(b.store().reservedFee(u.getAddress())).isZero();
            assertThat(json(poll(f, b, u, job)).get("status").asText()).isEqualTo("completed");
            assertThat(b.store().billedTotal()).isEqualTo(billed);
            var before = f.subAccounts(List.of(u));
            assertThat(b.settleNow().settled()).isEqualTo(billed);
            assertThat(BrokerFixture.charged(before, f.subAccounts(List.of(u)))).isEqualTo(billed);

            // the SDK's helper: submit, poll as Retry-After says, verify the pictures, count the fee
            try (var sdk = sdk(d, u)) {
                ImageResult r = sdk.inference().images().generateAsync(f.provider.getAddress(),
                        ImageRequest.of("a red fox").withSize("256x256"), java.time.Duration.ofSeconds(60));
                assertThat(r.verification()).isEqualTo(ResponseVerification.VERIFIED);
                assertThat(r.images()).hasSize(1);
                assertThat(r.fee()).isEqualTo(OUT);
            }
            assertThat(b.store().billedTotal()).isEqualTo(billed.add(OUT));
        }
    }

    @Test
    void aFullQueueIsRefusedAndJobsInFlightFailOnRestartUnbilled(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        Credentials u = d.account(2);
        String async = "async: { workers: 1, queueSize: 1 }\n";
        String running;
        String queued;
        try (ProviderBroker b = f.startService("text-to-image", held.baseUrl(), IN, OUT, async)) {
            f.fund(u, 5, 3);
            running = jobId(submit(f, b, u, request(1)));
            waitFor("the first job to reach the model server", () -> held.arrived() == 1);
            queued = jobId(submit(f, b, u, request(1)));
            var full = submit(f, b, u, request(1));
            assertThat(full.statusCode()).isEqualTo(503);
            assertThat(json(full).get("error").asText()).isEqualTo("async job queue is full, please try again later");
            assertThat(full.headers().firstValue("Retry-After")).hasValue("5");
            assertThat(b.store().reservedFee(u.getAddress())).as("the refused job holds nothing")
                    .isEqualTo(OUT.multiply(BigInteger.TWO));
            assertThat(status(f, b, u, running)).isEqualTo("processing");
            assertThat(status(f, b, u, queued)).isEqualTo("pending");
        }
        held.release(); // the model answers now, to a broker that is gone

        try (ProviderBroker b = f.startService("text-to-image", held.baseUrl(), IN, OUT, async)) {
            for (String job : List.of(running, queued)) {
                JsonNode n = json(poll(f, b, u, job));
                assertThat(n.get("status").asText()).as(job).isEqualTo("failed");
                assertThat(n.get("errorMessage").asText()).isEqualTo("broker restarted");
                assertThat(n.has("data")).isFalse();
            }
            assertThat(b.store().reservedFee(u.getAddress())).isZero();
            assertThat(b.store().billedTotal()).isZero();
            assertThat(b.store().unsettledFee(u.getAddress())).isZero();
        }
    }

    @Test
    void refusalsOfOtherTypesAndDisabledJobsAndAFailedJobStopsTheSdk(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        Credentials u = d.account(2);
        f.fund(u, 5, 3);
        try (ProviderBroker b = f.startService("chatbot", "dev", IN, OUT, "")) {
            var r = submit(f, b, u, request(1));
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(json(r).get("error").asText())
                    .isEqualTo("async jobs only support text-to-image and image-editing service types");
        }
        try (ProviderBroker b = f.startService("text-to-image", held.baseUrl(), IN, OUT, "async: { enabled: false }\n")) {
            for (var r : List.of(submit(f, b, u, request(1)), poll(f, b, u, UUID.randomUUID().toString()))) {
                assertThat(r.statusCode()).isEqualTo(503);
                assertThat(json(r).get("error").asText()).isEqualTo("async processing is not enabled");
            }
        }
        // a model server that is not there: the job fails, nothing is billed, and the SDK stops polling with its error
        int nobody = BrokerFixture.freePort();
        try (ProviderBroker b = f.startService("text-to-image", "http://127.0.0.1:" + nobody + "/v1", IN, OUT, "");
                var sdk = sdk(d, u)) {
            assertThatThrownBy(() -> sdk.inference().images().generateAsync(f.provider.getAddress(),
                    ImageRequest.of("a red fox"))).isInstanceOf(ZGComputeException.class)
                    .hasMessageContaining("failed: provider request failed");
            assertThat(b.store().billedTotal()).isZero();
            assertThat(b.store().reservedFee(u.getAddress())).isZero();
        }
    }
}
