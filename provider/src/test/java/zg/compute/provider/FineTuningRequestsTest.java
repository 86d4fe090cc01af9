package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.provider.finetuning.FineTuningProviderBroker;

/** Every refusal of the fine-tuning task API, with its status and exact text, on a real devnet. */
@ExtendWith(DevnetExtension.class)
class FineTuningRequestsTest {

    private static final byte[] DATASET = FineTuningServerTest.DATASET;
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();
    private static final String PARAMS = "{\"num_train_epochs\": 2}";

    @Test
    void modelRoutesServeTheModelsTheServiceListsOnChain(Devnet d, @TempDir Path dir) throws Exception {
        FineTuningFixture f = new FineTuningFixture(d, dir);
        try (FineTuningProviderBroker b = f.start(f.config(FineTuningFixture.PRICE, 2, 21_600))) {
            var onChain = d.fineTuning(d.account(0)).getService(f.provider()).send();
            var listed = JSON.readTree(f.get(b, "/v1/model").body());
            assertThat(listed).hasSize(onChain.models.size());
            for (int i = 0; i < listed.size(); i++) {
                assertThat(listed.get(i).get("name").asText()).isEqualTo(onChain.models.get(i));
                assertThat(listed.get(i).fieldNames()).toIterable().containsExactly("name", "hash", "image",
                        "dataType", "trainingScript", "description", "tokenizer");
            }
            // the official SDK resolves a name outside its mainnet table through this route (its .hash)
            var one = JSON.readTree(f.get(b, "/v1/model/mock-model").body());
            assertThat(one.get("hash").asText()).isEqualTo(FineTuningFixture.MOCK_MODEL);
            assertThat(JSON.readTree(f.get(b, "/v1/model/" + FineTuningFixture.MOCK_MODEL).body()).get("name")
                    .asText()).isEqualTo("mock-model");
            HttpResponse<byte[]> missing = f.get(b, "/v1/model/no-such-model");
            assertThat(missing.statusCode()).isEqualTo(404);
            assertThat(FineTuningFixture.error(missing)).isEqualTo("model no-such-model not found");
        }
    }

    @Test
    void createTaskChecksInOrderWithTheirTexts(Devnet d, @TempDir Path dir) throws Exception {
        FineTuningFixture f = new FineTuningFixture(d, dir);
        Credentials a = d.account(2);
        Credentials b2 = d.account(3);
        Credentials c = d.account(4);
        try (FineTuningProviderBroker b = f.start(f.config(FineTuningFixture.PRICE, 2, 21_600))) {
            for (Credentials u : new Credentials[] {a, b2, c}) {
                f.fund(u, 5, 2);
            }
            String hashA = f.uploadOk(b, a, DATASET);
            String ok = FineTuningFixture.taskBody(a, a, FineTuningFixture.MOCK_MODEL, hashA, FineTuningFixture.nonce(),
                    PARAMS, false);
            // before the contract owner acknowledged the TEE signer
            assertError(f.createTask(b, a, ok), 400, "provider signer should be acknowledged before creating a task");
            d.fineTuning(d.account(0)).acknowledgeTEESignerByOwner(f.provider()).send();

            assertError(f.createTask(b, a, "not json"), 400, "request body must be a JSON object");
            assertError(f.createTask(b, a, ok.replace("\"signature\"", "\"sig\"")), 400,
                    "signature is required (a non-empty string)");
            assertError(f.createTask(b, a, FineTuningFixture.taskBody(a, a, "0x" + "ab".repeat(32), hashA,
                    FineTuningFixture.nonce(), PARAMS, false)), 400, "unsupported model");
            assertError(f.createTask(b, a, FineTuningFixture.taskBody(a, a, FineTuningFixture.MOCK_MODEL, hashA,
                    FineTuningFixture.nonce(), "{\"num_train_epochs\": \"many\"}", false)), 400,
                    "trainingParams.num_train_epochs must be a positive whole number, got \"many\"");
            assertError(f.createTask(b, a, FineTuningFixture.taskBody(a, c, FineTuningFixture.MOCK_MODEL, hashA,
                    FineTuningFixture.nonce(), PARAMS, false)), 400,
                    "invalid task signature: signed by " + c.getAddress() + ", not by " + FineTuningFixture.checksum(a));
            assertError(f.createTask(b, a, FineTuningFixture.taskBody(a, a, FineTuningFixture.MOCK_MODEL,
                    "../../../etc/passwd", FineTuningFixture.nonce(), PARAMS, false)), 400,
                    "datasetHash must be 0x followed by 64 hex digits, got '../../../etc/passwd'");
            String missing = "0x" + "cd".repeat(32);
            assertError(f.createTask(b, a, FineTuningFixture.taskBody(a, a, FineTuningFixture.MOCK_MODEL, missing,
                    FineTuningFixture.nonce(), PARAMS, false)), 400, "dataset " + missing
                    + " not found: upload it first (POST /v1/user/" + FineTuningFixture.checksum(a) + "/dataset)");
            assertError(f.createTask(b, a, FineTuningFixture.taskBody(a, a, FineTuningFixture.MOCK_MODEL, hashA,
                    BigInteger.ZERO, PARAMS, false)), 400, "nonce 0 must be greater than the sub-account's nonce 0");
            assertError(f.createTask(b, a, FineTuningFixture.taskBody(a, a, FineTuningFixture.MOCK_MODEL, hashA,
                    FineTuningFixture.nonce(), PARAMS, false).replace(FineTuningFixture.checksum(a),
                    FineTuningFixture.checksum(c))), 400, "userAddress " + FineTuningFixture.checksum(c)
                    + " does not match the address in the path " + FineTuningFixture.checksum(a));

            f.createOk(b, a, hashA, false);
            assertError(f.createTask(b, a, FineTuningFixture.taskBody(a, a, FineTuningFixture.MOCK_MODEL, hashA,
                    FineTuningFixture.nonce(), PARAMS, true)), 400,
                    "cannot create a new task while there is an unfinished task");
            String hashB = f.uploadOk(b, b2, DATASET);
            assertError(f.createTask(b, b2, FineTuningFixture.taskBody(b2, b2, FineTuningFixture.MOCK_MODEL, hashB,
                    FineTuningFixture.nonce(), PARAMS, false)), 400,
                    "cannot create a new task while there are in-progress tasks");
            f.createOk(b, b2, hashB, true); // willing to wait: queued
            String hashC = f.uploadOk(b, c, DATASET);
            assertError(f.createTask(b, c, FineTuningFixture.taskBody(c, c, FineTuningFixture.MOCK_MODEL, hashC,
                    FineTuningFixture.nonce(), PARAMS, true)), 400, "task queue is full");
            assertThat(BrokerFixture.text(f.get(b, "/v1/task/pending"))).isEqualTo("2");
        }
    }

    @Test
    void signedRoutesRefuseForeignAndExpiredSignatures(Devnet d, @TempDir Path dir) throws Exception {
        FineTuningFixture f = new FineTuningFixture(d, dir);
        Credentials user = d.account(2);
        Credentials other = d.account(3);
        try (FineTuningProviderBroker b = f.startAcknowledged(f.config(FineTuningFixture.PRICE, 5, 21_600))) {
            f.fund(user, 5, 2);
            long now = FineTuningFixture.now();
            assertError(f.upload(b, user, other, now, DATASET), 401,
                    "invalid signature: signed by " + other.getAddress() + ", not by " + FineTuningFixture.checksum(user));
            HttpResponse<byte[]> expired = f.upload(b, user, user, now - 600, DATASET);
            assertThat(expired.statusCode()).isEqualTo(401);
            assertThat(FineTuningFixture.error(expired)).startsWith("signature expired: timestamp " + (now - 600)
                    + " is more than 300 s away from the provider's time");

            String id = f.createOk(b, user, f.uploadOk(b, user, DATASET), false);
            assertError(f.lora(b, user, user, id, now), 400,
                    "the model of task " + id + " is not delivered (progress Init)");
            assertError(f.cancel(b, user, other, id), 401,
                    "invalid signature: signed by " + other.getAddress() + ", not by " + FineTuningFixture.checksum(user));
            HttpResponse<byte[]> cancelled = f.cancel(b, user, user, id);
            assertThat(cancelled.statusCode()).isEqualTo(200);
            assertThat(BrokerFixture.text(cancelled)).isEqualTo("task " + id + " cancelled");
            assertError(f.cancel(b, user, user, id), 400,
                    "Failed to cancel task: it is Failed; only Init, SettingUp and SetUp tasks can be cancelled");
            b.runPollersNow();
            assertThat(f.task(b, user, id).get("progress").asText()).isEqualTo("Failed");

            // a delivered model goes only to its user, with a fresh signature
            String second = f.createOk(b, user, f.uploadOk(b, user, DATASET), false);
            b.runPollersNow();
            assertThat(f.task(b, user, second).get("progress").asText()).isEqualTo("Delivered");
            assertError(f.lora(b, user, other, second, now), 401,
                    "invalid signature: signed by " + other.getAddress() + ", not by " + FineTuningFixture.checksum(user));
            assertThat(f.lora(b, user, user, second, now - 600).statusCode()).isEqualTo(401);
            assertThat(f.lora(b, user, user, second, FineTuningFixture.now()).statusCode()).isEqualTo(200);
            assertError(f.get(b, "/v1/user/" + user.getAddress() + "/task/nope"), 404, "task nope not found");
            assertError(f.get(b, "/v1/user/" + user.getAddress() + "/task?order=up"), 400,
                    "order must be asc or desc, got 'up'");
        }
    }

    @Test
    void oversizedDatasetsAreRefused(Devnet d, @TempDir Path dir) throws Exception {
        FineTuningFixture f = new FineTuningFixture(d, dir);
        Credentials user = d.account(2);
        String yaml = f.configYaml(FineTuningFixture.PRICE, 5, 21_600) + "  maxDatasetBytes: 1024\n";
        try (FineTuningProviderBroker b = f.start(new ConfigLoader(f.base.env()).parseFineTuning(yaml, dir))) {
            f.fund(user, 5, 2);
            assertError(f.upload(b, user, user, FineTuningFixture.now(), new byte[200_000]), 413,
                    "request too large: a dataset may have at most 1024 bytes");
        }
    }

    private static void assertError(HttpResponse<byte[]> r, int status, String error) throws Exception {
        assertThat(r.statusCode()).as(BrokerFixture.text(r)).isEqualTo(status);
        assertThat(FineTuningFixture.error(r)).isEqualTo(error);
    }
}
