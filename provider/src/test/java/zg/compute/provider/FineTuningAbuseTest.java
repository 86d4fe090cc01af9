package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.finetuning.FineTuningSignatures;
import zg.compute.provider.finetuning.DevTrainer;
import zg.compute.provider.finetuning.FineTuningProviderBroker;
import zg.compute.provider.finetuning.Trainer;
import zg.compute.server.SlowClient;

/** Abuse of the fine-tuning task server: uploads without an account, over quota, replayed; tasks that crash it. */
@ExtendWith(DevnetExtension.class)
class FineTuningAbuseTest {

    private static final byte[] DATASET = FineTuningServerTest.DATASET;

    @Test
    void anUploadIsReadOnlyForAFundedSubAccountAndWithinTheQuotas(Devnet d, @TempDir Path dir) throws Exception {
        FineTuningFixture f = new FineTuningFixture(d, dir);
        String yaml = f.configYaml(FineTuningFixture.PRICE, 5, 21_600)
                + "  datasetQuotaBytesPerUser: 70000\n  datasetQuotaBytesTotal: 140000\n";
        try (FineTuningProviderBroker b = f.start(new ConfigLoader(f.base.env()).parseFineTuning(yaml, dir))) {
            Credentials stranger = d.account(2);
            // no sub-account: refused from the head alone, a 50 MB body is never awaited
            String head = "POST /v1/user/" + stranger.getAddress() + "/dataset HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 50000000\r\n\r\n";
            try (SlowClient c = SlowClient.connect("127.0.0.1", b.port())) {
                assertThat(c.send(head).closedWithin(Duration.ofSeconds(5))).startsWith("HTTP/1.1 403").contains(
                        "no funded fine-tuning sub-account of " + stranger.getAddress() + " with this provider");
            }
            HttpResponse<byte[]> r = f.upload(b, stranger, stranger, FineTuningFixture.now(), DATASET);
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(uploadsLeft(dir)).as("nothing spooled to disk").isZero();

            Credentials user = d.account(3);
            f.fund(user, 5, 2);
            // a declared body larger than the user's quota: 413 before reading it
            try (SlowClient c = SlowClient.connect("127.0.0.1", b.port())) {
                assertThat(c.send(head.replace(stranger.getAddress(), user.getAddress()))
                        .closedWithin(Duration.ofSeconds(5))).startsWith("HTTP/1.1 413")
                        .contains("dataset quota exceeded: your datasets use 0 of the 70000 bytes a user may store;"
                                + " an upload of 50000000 bytes does not fit");
            }
            byte[] big = jsonl(60_000);
            f.uploadOk(b, user, big);
            HttpResponse<byte[]> over = f.upload(b, user, user, FineTuningFixture.now(), jsonl(20_000));
            assertThat(over.statusCode()).isEqualTo(413);
            assertThat(FineTuningFixture.error(over)).startsWith("dataset quota exceeded: your datasets use ")
                    .contains(" of the 70000 bytes a user may store");

            // the total quota: a second user fills it
            Credentials other = d.account(4);
            f.fund(other, 5, 2);
            f.uploadOk(b, other, jsonl(60_000));
            Credentials third = d.account(5);
            f.fund(third, 5, 2);
            HttpResponse<byte[]> full = f.upload(b, third, third, FineTuningFixture.now(), jsonl(30_000));
            assertThat(full.statusCode()).isEqualTo(413);
            assertThat(FineTuningFixture.error(full)).startsWith(
                    "dataset quota exceeded: the provider's dataset storage is full");
            assertThat(uploadsLeft(dir)).isZero();
        }
    }

    @Test
    void anUploadSignatureCarriesOneFileOnly(Devnet d, @TempDir Path dir) throws Exception {
        FineTuningFixture f = new FineTuningFixture(d, dir);
        try (FineTuningProviderBroker b = f.start(f.config(FineTuningFixture.PRICE, 5, 21_600))) {
            Credentials user = d.account(2);
            f.fund(user, 5, 2);
            long ts = FineTuningFixture.now();
            String hash = Numeric.toHexString(Hash.sha3(DATASET));
            String bound = FineTuningSignatures.datasetUploadBound(user, FineTuningFixture.checksum(user), ts, hash);
            assertThat(post(f, b, user, bound, ts, DATASET).statusCode()).isEqualTo(200);
            // the bound signature carries no other file
            HttpResponse<byte[]> other = post(f, b, user, bound, ts, "{\"text\": \"forged\"}\n".getBytes());
            assertThat(other.statusCode()).isEqualTo(401);
            assertThat(FineTuningFixture.error(other)).startsWith("invalid signature: signed by 0x");

            // the official SDK's signature names no file: accepted once, its replay refused
            String official = FineTuningSignatures.datasetUpload(user, FineTuningFixture.checksum(user), ts);
            assertThat(post(f, b, user, official, ts, DATASET).statusCode()).isEqualTo(200);
            HttpResponse<byte[]> replay = post(f, b, user, official, ts, "{\"text\": \"replayed\"}\n".getBytes());
            assertThat(replay.statusCode()).isEqualTo(401);
            assertThat(FineTuningFixture.error(replay)).isEqualTo(
                    "this upload signature was used for another file: sign every upload anew");
            assertThat(post(f, b, user, official, ts, DATASET).statusCode()).as("the same file again").isEqualTo(200);
        }
    }

    @Test
    void unusedDatasetsExpireButNotWhileATaskNeedsThem(Devnet d, @TempDir Path dir) throws Exception {
        FineTuningFixture f = new FineTuningFixture(d, dir);
        String yaml = f.configYaml(FineTuningFixture.PRICE, 5, 21_600) + "  datasetTtlSeconds: 3600\n";
        try (FineTuningProviderBroker b = f.startAcknowledged(new ConfigLoader(f.base.env()).parseFineTuning(yaml,
                dir), new DevTrainer())) {
            Credentials user = d.account(2);
            Credentials other = d.account(3);
            f.fund(user, 5, 2);
            f.fund(other, 5, 2);
            String unused = f.uploadOk(b, user, DATASET);
            String used = f.uploadOk(b, other, DATASET);
            f.createOk(b, other, used, false);
            Instant twoHoursAgo = Instant.now().minusSeconds(7200);
            for (Path p : datasets(dir)) {
                Files.setLastModifiedTime(p, FileTime.from(twoHoursAgo));
            }
            assertThat(b.sweepDatasets()).isEqualTo(1);
            assertThat(datasets(dir)).hasSize(1).allMatch(p -> p.getFileName().toString().equals(used));
            HttpResponse<byte[]> gone = f.createTask(b, user, FineTuningFixture.taskBody(user, user,
                    FineTuningFixture.MOCK_MODEL, unused, FineTuningFixture.nonce(), "{}", false));
            assertThat(FineTuningFixture.error(gone)).startsWith("dataset " + unused + " not found");
        }
    }

    /** A training run that takes the process down with it (as a zip bomb in the old token counter did). */
    private static final class ProcessDeath extends ThreadDeath {
        @java.io.Serial
        private static final long serialVersionUID = 1L;
    }

    @Test
    void aTaskThatKillsTheServerRepeatedlyIsFailedAndAnOutOfMemoryErrorFailsOnlyTheAttempt(Devnet d,
            @TempDir Path dir) throws Exception {
        FineTuningFixture f = new FineTuningFixture(d, dir);
        var config = f.config(FineTuningFixture.PRICE, 5, 21_600);
        Credentials user = d.account(2);
        String id;
        Trainer deadly = (job, progress) -> {
            throw new ProcessDeath();
        };
        try (FineTuningProviderBroker b = f.startAcknowledged(config, deadly)) {
            f.fund(user, 5, 2);
            id = f.createOk(b, user, f.uploadOk(b, user, DATASET), false);
            assertThatThrownBy(b::runPollersNow).isInstanceOf(ProcessDeath.class);
        }
        for (int restart = 1; restart < 3; restart++) {
            try (FineTuningProviderBroker b = f.start(config, deadly)) {
                assertThat(f.task(b, user, id).get("progress").asText()).isEqualTo("SetUp");
                assertThatThrownBy(b::runPollersNow).isInstanceOf(ProcessDeath.class);
            }
        }
        try (FineTuningProviderBroker b = f.start(config, deadly)) {
            assertThat(f.task(b, user, id).get("progress").asText()).isEqualTo("Failed");
            assertThat(BrokerFixture.text(f.get(b, "/v1/user/" + user.getAddress() + "/task/" + id + "/log")))
                    .contains("the server stopped 3 times during Training of this task; giving up; task failed");
            b.runPollersNow(); // nothing left to crash on
        }

        // an OutOfMemoryError in a step is caught: the attempt fails and is retried, the server goes on
        try (FineTuningProviderBroker b = f.start(config, (job, progress) -> {
            throw new OutOfMemoryError("Java heap space");
        })) {
            Credentials other = d.account(3);
            f.fund(other, 5, 2);
            String second = f.createOk(b, other, f.uploadOk(b, other, DATASET), false);
            for (int i = 0; i < 3; i++) {
                b.runPollersNow();
            }
            assertThat(f.task(b, other, second).get("progress").asText()).isEqualTo("Failed");
            assertThat(BrokerFixture.text(f.get(b, "/v1/user/" + other.getAddress() + "/task/" + second + "/log")))
                    .contains("Training failed: java.lang.OutOfMemoryError: Java heap space; will retry",
                            "; task failed");
        }
    }

    /** A pass that throws what no step catches must not end the schedule (it used to, silently). */
    @Test
    void theScheduledPollersOutliveAPassThatThrows(Devnet d, @TempDir Path dir) throws Exception {
        FineTuningFixture f = new FineTuningFixture(d, dir);
        String yaml = f.configYaml(FineTuningFixture.PRICE, 5, 21_600) + "  pollIntervalSeconds: 1\n";
        var config = new ConfigLoader(f.base.env()).parseFineTuning(yaml, dir);
        Credentials first = d.account(2);
        Credentials second = d.account(3);
        java.util.concurrent.atomic.AtomicBoolean thrown = new java.util.concurrent.atomic.AtomicBoolean();
        zg.compute.provider.internal.finetuning.TaskPipeline.Checkpoints once = (taskId, point) -> {
            if (point.equals("claimed:SettingUp") && thrown.compareAndSet(false, true)) {
                throw new ProcessDeath();
            }
        };
        try (FineTuningProviderBroker b = FineTuningProviderBroker.start(config, new FineTuningProviderBroker.Options(
                java.time.Clock.systemUTC(), true, new DevTrainer(), once))) {
            d.fineTuning(d.account(0)).acknowledgeTEESignerByOwner(f.provider()).send();
            f.fund(first, 5, 2);
            f.fund(second, 5, 2);
            // the pass that sets up the first task throws past every step (and leaves it to a restart) ...
            f.createOk(b, first, f.uploadOk(b, first, DATASET), false);
            // ... and a later pass still carries the second task, queued behind it, to delivery
            String id = f.createOk(b, second, f.uploadOk(b, second, DATASET), true);
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (!f.task(b, second, id).get("progress").asText().equals("Delivered")
                    && System.nanoTime() < deadline) {
                Thread.sleep(50); // awaiting the poller thread
            }
            assertThat(thrown).isTrue();
            assertThat(f.task(b, second, id).get("progress").asText()).isEqualTo("Delivered");
        }
    }

    private static byte[] jsonl(int bytes) {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < bytes - 40) {
            sb.append("{\"text\": \"").append(UUID.randomUUID()).append("\"}\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static HttpResponse<byte[]> post(FineTuningFixture f, FineTuningProviderBroker b, Credentials user,
            String signature, long ts, byte[] data) {
        String boundary = "----zg" + UUID.randomUUID().toString().replace("-", "");
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        // the official SDK's order: the file first, then signature and timestamp
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"d.jsonl\""
                + "\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(data);
        body.writeBytes(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"signature\"\r\n\r\n"
                + signature + "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"timestamp\"\r\n\r\n"
                + ts + "\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return f.base.send(HttpRequest.newBuilder(URI.create(b.baseUrl() + "/v1/user/"
                + FineTuningFixture.checksum(user) + "/dataset"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build());
    }

    private static long uploadsLeft(Path dir) throws Exception {
        Path uploads = dir.resolve("ft-work/uploads");
        try (Stream<Path> s = Files.list(uploads)) {
            return s.count();
        }
    }

    private static java.util.List<Path> datasets(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir.resolve("ft-work/datasets"))) {
            return s.filter(Files::isRegularFile).toList();
        }
    }
}
