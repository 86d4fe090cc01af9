package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.contracts.bindings.FineTuningServing;
import zg.compute.protocol.finetuning.Ecies;
import zg.compute.protocol.finetuning.ModelCipher;
import zg.compute.provider.finetuning.DevTrainer;
import zg.compute.provider.finetuning.FineTuningProviderBroker;
import zg.compute.provider.finetuning.Trainer;
import zg.compute.provider.internal.registration.ServiceRegistrar.Action;
import zg.compute.server.SlowClient;

/**
 * The fine-tuning task server end to end on a real devnet: a user uploads a dataset, creates a task, the
 * pollers train (development trainer), encrypt and deliver it, the user downloads and acknowledges the
 * model, and settlement charges exactly the computed fee and releases the key.
 */
@ExtendWith(DevnetExtension.class)
class FineTuningServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** 4 + (2 + 3) + 1 = 10 cl100k_base tokens of the string fields (the one counter, DatasetTokenCounter). */
    static final byte[] DATASET = """
            {"text": "the quick brown fox"}
            {"input": "hello world", "output": "hi there you"}
            {"label": 1, "text": "ok"}
            """.getBytes(StandardCharsets.UTF_8);
    static final long TOKENS = 10;

    @Test
    void slowConnectionsAreClosedAndOnlyTheDatasetUploadMayBeLarge(Devnet d, @TempDir Path dir) throws Exception {
        FineTuningFixture f = new FineTuningFixture(d, dir);
        String yaml = f.configYaml(FineTuningFixture.PRICE, 5, 21_600).replace("port: 0 }",
                "port: 0, headerTimeoutSeconds: 1, bodyTimeoutSeconds: 1, idleTimeoutSeconds: 1 }");
        try (FineTuningProviderBroker b = f.start(new ConfigLoader(f.base.env()).parseFineTuning(yaml, dir))) {
            Credentials user = d.account(9);
            f.fund(user, 5, 2); // an upload's body is read only for a funded sub-account
            String upload = "/v1/user/" + user.getAddress() + "/dataset";
            assertThat(SlowClient.holdPartialHeads("127.0.0.1", b.port(), upload, 30,
                    Duration.ofSeconds(4))).hasSize(30).containsOnly("");
            try (SlowClient c = SlowClient.connect("127.0.0.1", b.port())) {
                String got = c.send("POST " + upload + " HTTP/1.1\r\nHost: localhost\r\n"
                        + "Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 5000\r\n\r\n--x\r\n")
                        .closedWithin(Duration.ofSeconds(4));
                assertThat(got).startsWith("HTTP/1.1 408");
            }
            try (SlowClient c = SlowClient.connect("127.0.0.1", b.port())) {
                String got = c.send("POST /v1/user/0x1/task HTTP/1.1\r\nHost: localhost\r\n"
                        + "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
                        .closedWithin(Duration.ofSeconds(4));
                assertThat(got).as("64 KiB on every route but the upload").startsWith("HTTP/1.1 413");
            }
        }
    }

    @Test
    void trainDeliverDownloadAcknowledgeAndSettle(Devnet d, @TempDir Path dir) throws Exception {
        FineTuningFixture f = new FineTuningFixture(d, dir);
        List<Boolean> occupiedWhileTraining = new ArrayList<>();
        Trainer observed = (job, progress) -> {
            occupiedWhileTraining.add(service(d, f).occupied);
            new DevTrainer().train(job, progress);
        };
        try (FineTuningProviderBroker b = f.startAcknowledged(f.config(FineTuningFixture.PRICE, 5, 21_600), observed)) {
            assertThat(b.registration().action()).isEqualTo(Action.REGISTERED);
            assertThat(service(d, f).occupied).isFalse();
            assertThat(d.fineTuning(d.account(0)).getService(f.provider()).send().teeSignerAddress)
                    .isEqualToIgnoringCase(b.teeSignerAddress());
            Credentials user = d.account(2);
            f.fund(user, 5, 2);

            String hash = f.uploadOk(b, user, DATASET);
            assertThat(hash).isEqualTo(Numeric.toHexString(Hash.sha3(DATASET)));
            String id = f.createOk(b, user, hash, false);
            JsonNode created = f.task(b, user, id);
            assertThat(created.get("progress").asText()).isEqualTo("Init");
            assertThat(created.get("fee").asText()).isEqualTo("0");
            assertThat(BrokerFixture.text(f.get(b, "/v1/task/pending"))).isEqualTo("1");

            b.runPollersNow();

            assertThat(occupiedWhileTraining).containsExactly(true);
            assertThat(service(d, f).occupied).as("free again once nothing waits").isFalse();
            assertThat(service(d, f).teeSignerAcknowledged).isTrue();
            JsonNode delivered = f.task(b, user, id);
            assertThat(delivered.get("progress").asText()).isEqualTo("Delivered");
            BigInteger fee = FineTuningFixture.PRICE.multiply(BigInteger.valueOf(TOKENS * 2));
            assertThat(delivered.get("fee").asText()).isEqualTo(fee.toString());
            assertThat(BrokerFixture.text(f.get(b, "/v1/task/pending"))).isEqualTo("0");
            var onChain = f.deliverable(user, id);
            assertThat(onChain.acknowledged).isFalse();

            // the user downloads the encrypted model and checks it against the on-chain root hash
            HttpResponse<byte[]> model = f.lora(b, user, user, id, FineTuningFixture.now());
            assertThat(model.statusCode()).isEqualTo(200);
            assertThat(model.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
            // one raw 32-byte root (fine-tuning.md §2.5 and pitfall 2), not the ASCII text of its hex
            assertThat(onChain.modelRootHash).isEqualTo(Hash.sha3(model.body()));

            d.fineTuning(user).acknowledgeDeliverable(f.provider(), id).send();
            BigInteger balanceBefore = f.account(user).balance;
            BigInteger providerBefore = f.base.balance(f.provider());
            long block = f.base.blockNumber();

            b.runPollersNow();

            assertThat(f.task(b, user, id).get("progress").asText()).isEqualTo("Finished");
            assertThat(f.account(user).balance).isEqualTo(balanceBefore.subtract(fee));
            assertThat(f.account(user).nonce).isEqualTo(new BigInteger(created.get("nonce").asText()));
            BigInteger gas = f.base.gasPaid(f.provider(), block, f.base.blockNumber());
            assertThat(f.base.balance(f.provider()).subtract(providerBefore).add(gas)).isEqualTo(fee);

            // the released key opens the model: the development trainer's PEFT-style adapter
            var settled = f.deliverable(user, id);
            assertThat(settled.settled).isTrue();
            byte[] key = Ecies.decrypt(user.getEcKeyPair().getPrivateKey(), settled.encryptedSecret);
            Path enc = dir.resolve("model.enc");
            Path zip = dir.resolve("model.zip");
            Files.write(enc, model.body());
            new ModelCipher().decrypt(key, enc, zip, b.teeSignerAddress());
            Map<String, String> entries = unzip(Files.readAllBytes(zip));
            assertThat(entries).containsOnlyKeys("output_model/adapter_config.json",
                    "output_model/adapter_model.safetensors", "output_model/training_metrics.json");
            JsonNode adapter = JSON.readTree(entries.get("output_model/adapter_config.json"));
            assertThat(adapter.get("peft_type").asText()).isEqualTo("LORA");
            assertThat(adapter.get("base_model_hash").asText()).isEqualTo(FineTuningFixture.MOCK_MODEL);
            JsonNode metrics = JSON.readTree(entries.get("output_model/training_metrics.json"));
            assertThat(metrics.get("loss_after").asDouble()).isLessThan(metrics.get("loss_before").asDouble());
            assertThat(metrics.get("epochs").asLong()).isEqualTo(2);

            String log = BrokerFixture.text(f.get(b, "/v1/user/" + user.getAddress() + "/task/" + id + "/log"));
            assertThat(log).contains("creating task....", "Step: 2, Logs:", "settled: fee " + fee);
            JsonNode list = JSON.readTree(f.get(b, "/v1/user/" + user.getAddress() + "/task?latest=true").body());
            assertThat(list).hasSize(1);
            assertThat(list.get(0).get("id").asText()).isEqualTo(id);
        }
    }

    /**
     * A penalty settlement (acknowledged = false, settled = true) would make the contract refuse every later
     * {@code addDeliverable} of this user and provider; the provider abandons the deliverable instead, so a
     * second task of the same pair is delivered and settled normally.
     */
    @Test
    void anUnacknowledgedDeliveryIsAbandonedSoThePairNeverLocks(Devnet d, @TempDir Path dir) throws Exception {
        FineTuningFixture f = new FineTuningFixture(d, dir);
        try (FineTuningProviderBroker b = f.startAcknowledged(f.config(FineTuningFixture.PRICE, 5, 21_600))) {
            Credentials user = d.account(3);
            f.fund(user, 5, 2);
            String id = f.createOk(b, user, f.uploadOk(b, user, DATASET), false);
            b.runPollersNow();
            assertThat(f.task(b, user, id).get("progress").asText()).isEqualTo("Delivered");
            BigInteger before = f.account(user).balance;

            b.runPollersNow(); // the timeout, min(6 h, lockTime 1 h / 2), has not passed
            assertThat(f.task(b, user, id).get("progress").asText()).isEqualTo("Delivered");

            d.chain().increaseTime(1_801);
            b.runPollersNow();

            assertThat(f.task(b, user, id).get("progress").asText()).isEqualTo("Finished");
            var deliverable = f.deliverable(user, id);
            assertThat(deliverable.settled).isTrue();
            assertThat(deliverable.acknowledged).as("abandoned, not penalty-settled").isTrue();
            assertThat(deliverable.encryptedSecret).isEmpty();
            assertThat(f.account(user).balance).as("nothing charged").isEqualTo(before);
            assertThat(BrokerFixture.text(f.get(b, "/v1/user/" + user.getAddress() + "/task/" + id + "/log")))
                    .contains("not acknowledged within 1800 s: deliverable abandoned");

            // the same pair: the next task is delivered, acknowledged and settled once, at its fee
            String second = f.createOk(b, user, f.uploadOk(b, user, DATASET), false);
            b.runPollersNow();
            assertThat(f.task(b, user, second).get("progress").asText()).isEqualTo("Delivered");
            d.fineTuning(user).acknowledgeDeliverable(f.provider(), second).send();
            b.runPollersNow();
            b.runPollersNow();
            assertThat(f.task(b, user, second).get("progress").asText()).isEqualTo("Finished");
            BigInteger fee = FineTuningFixture.PRICE.multiply(BigInteger.valueOf(TOKENS * 2));
            assertThat(f.account(user).balance).isEqualTo(before.subtract(fee));
            assertThat(f.deliverable(user, second).encryptedSecret).isNotEmpty();
        }
    }

    /** Stands for the process dying in the middle of a step: the pipeline lets a ThreadDeath through. */
    private static final class SimulatedCrash extends ThreadDeath {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        @Override
        public String getMessage() {
            return "process killed during training";
        }
    }

    @Test
    void aRestartResumesTasksInsteadOfFailingThem(Devnet d, @TempDir Path dir) throws Exception {
        FineTuningFixture f = new FineTuningFixture(d, dir);
        Credentials user = d.account(4);
        String id;
        try (FineTuningProviderBroker b = f.startAcknowledged(f.config(FineTuningFixture.PRICE, 5, 21_600),
                (job, progress) -> {
                    throw new SimulatedCrash();
                })) {
            f.fund(user, 5, 2);
            id = f.createOk(b, user, f.uploadOk(b, user, DATASET), false);
            assertThatThrownBy(b::runPollersNow).isInstanceOf(SimulatedCrash.class);
            assertThat(f.task(b, user, id).get("progress").asText()).isEqualTo("Training");
        }
        try (FineTuningProviderBroker b = f.start(f.config(FineTuningFixture.PRICE, 5, 21_600))) {
            assertThat(b.registration().action()).isEqualTo(Action.UNCHANGED);
            assertThat(f.task(b, user, id).get("progress").asText()).isEqualTo("SetUp"); // back to the step's start
            b.runPollersNow();
            assertThat(f.task(b, user, id).get("progress").asText()).isEqualTo("Delivered");
            assertThat(service(d, f).occupied).isFalse();
        }
        d.fineTuning(user).acknowledgeDeliverable(f.provider(), id).send();
        try (FineTuningProviderBroker b = f.start(f.config(FineTuningFixture.PRICE, 5, 21_600))) {
            assertThat(f.task(b, user, id).get("progress").asText()).isEqualTo("Delivered");
            b.runPollersNow();
            assertThat(f.task(b, user, id).get("progress").asText()).isEqualTo("Finished");
            assertThat(f.deliverable(user, id).settled).isTrue();
        }
    }

    @Test
    void aFeeAboveTheAvailableBalanceFailsTheTaskInSetup(Devnet d, @TempDir Path dir) throws Exception {
        FineTuningFixture f = new FineTuningFixture(d, dir);
        // 10 tokens × 2 epochs × 0.1 0G = 2 0G > the 1 0G in the sub-account
        BigInteger price = new BigInteger("100000000000000000");
        try (FineTuningProviderBroker b = f.startAcknowledged(f.config(price, 5, 21_600))) {
            Credentials user = d.account(5);
            f.fund(user, 5, 1);
            String id = f.createOk(b, user, f.uploadOk(b, user, DATASET), false);
            b.runPollersNow();
            assertThat(f.task(b, user, id).get("progress").asText()).isEqualTo("Failed");
            assertThat(BrokerFixture.text(f.get(b, "/v1/user/" + user.getAddress() + "/task/" + id + "/log")))
                    .contains("insufficient balance: the fee 2000000000000000000 neuron (10 tokens × 2 epochs × "
                            + price + ") exceeds the sub-account's available 1000000000000000000");
            assertThat(d.fineTuning(user).getDeliverables(user.getAddress(), f.provider()).send()).isEmpty();
        }
    }

    /** Training that fails its first {@code failures} attempts (a GPU host that drops out), then trains. */
    private static Trainer failing(int failures) {
        AtomicInteger attempts = new AtomicInteger();
        return (job, progress) -> {
            if (attempts.incrementAndGet() <= failures) {
                throw new IOException("GPU fell off the bus (attempt " + attempts.get() + ")");
            }
            new DevTrainer().train(job, progress);
        };
    }

    @Test
    void aFailedStepIsRetriedAndFailsTheTaskAfterMaxRetries(Devnet d, @TempDir Path dir) throws Exception {
        FineTuningFixture f = new FineTuningFixture(d, dir);
        Credentials user = d.account(6);
        Credentials other = d.account(7);
        try (FineTuningProviderBroker b = f.startAcknowledged(f.config(FineTuningFixture.PRICE, 5, 21_600),
                failing(4))) {
            f.fund(user, 5, 2);
            f.fund(other, 5, 2);
            String id = f.createOk(b, user, f.uploadOk(b, user, DATASET), false);
            b.runPollersNow();
            assertThat(f.task(b, user, id).get("progress").asText()).isEqualTo("SetUp");
            b.runPollersNow();
            assertThat(f.task(b, user, id).get("progress").asText()).isEqualTo("SetUp");
            b.runPollersNow(); // third failed attempt = maxRetries (3)
            assertThat(f.task(b, user, id).get("progress").asText()).isEqualTo("Failed");
            assertThat(BrokerFixture.text(f.get(b, "/v1/user/" + user.getAddress() + "/task/" + id + "/log")))
                    .contains("Training failed: GPU fell off the bus (attempt 1); will retry",
                            "Training failed: GPU fell off the bus (attempt 3); task failed");

            // the next task: one more failure (attempt 4), then a retry succeeds
            String second = f.createOk(b, other, f.uploadOk(b, other, DATASET), false);
            b.runPollersNow();
            assertThat(f.task(b, other, second).get("progress").asText()).isEqualTo("SetUp");
            b.runPollersNow();
            assertThat(f.task(b, other, second).get("progress").asText()).isEqualTo("Delivered");
        }
    }

    @Test
    void theScheduledPollersCarryATaskToDelivery(Devnet d, @TempDir Path dir) throws Exception {
        FineTuningFixture f = new FineTuningFixture(d, dir);
        String yaml = f.configYaml(FineTuningFixture.PRICE, 5, 21_600) + "  pollIntervalSeconds: 1\n";
        var config = new ConfigLoader(f.base.env()).parseFineTuning(yaml, dir);
        try (FineTuningProviderBroker b = FineTuningProviderBroker.start(config,
                new FineTuningProviderBroker.Options(Clock.systemUTC(), true, new DevTrainer()))) {
            d.fineTuning(d.account(0)).acknowledgeTEESignerByOwner(f.provider()).send();
            Credentials user = d.account(8);
            f.fund(user, 5, 2);
            String id = f.createOk(b, user, f.uploadOk(b, user, DATASET), false);
            long deadline = System.nanoTime() + 20_000_000_000L;
            String progress;
            while (!(progress = f.task(b, user, id).get("progress").asText()).equals("Delivered")
                    && System.nanoTime() < deadline) {
                Thread.sleep(50); // awaiting the poller thread
            }
            assertThat(progress).isEqualTo("Delivered");
        }
    }

    private static FineTuningServing.Service service(Devnet d, FineTuningFixture f) {
        try {
            return d.fineTuning(d.account(0)).getService(f.provider()).send();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, String> unzip(byte[] zip) throws Exception {
        Map<String, String> out = new HashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            ZipEntry e;
            while ((e = in.getNextEntry()) != null) {
                out.put(e.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        return out;
    }
}
