package zg.compute.sdk.internal.finetuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.utils.Numeric;
import zg.compute.protocol.finetuning.FileDigest;
import zg.compute.protocol.finetuning.FineTuningMessages;
import zg.compute.protocol.finetuning.FineTuningSignatures;
import zg.compute.sdk.FineTuningTask;
import zg.compute.sdk.ProviderHttpException;

class TaskJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Credentials USER =
            Credentials.create("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
    private static final String ADDRESS = Keys.toChecksumAddress(USER.getAddress());
    private static final String TASK = "0f8fad5b-d9cb-469f-a165-70867728950e";

    @Test
    void createTaskBodyCarriesTheParamsAsTextAndASignatureOverAddressNonceAndDataset() throws Exception {
        BigInteger nonce = BigInteger.valueOf(FineTuningSignatures.taskNonce(1_700_000_000_123L));
        String params = "{\n  \"num_train_epochs\": 1\n}";
        JsonNode n = JSON.readTree(TaskJson.createTask(USER, ADDRESS, "0xAbC", params, "0xmodel", nonce, true));

        assertThat(n.get("userAddress").asText()).isEqualTo(ADDRESS);
        assertThat(n.get("datasetHash").asText()).isEqualTo("0xAbC");
        assertThat(n.get("trainingParams").isTextual()).isTrue();
        assertThat(n.get("trainingParams").asText()).isEqualTo(params);
        assertThat(n.get("preTrainedModelHash").asText()).isEqualTo("0xmodel");
        assertThat(n.get("fee").isTextual()).isTrue();
        assertThat(n.get("fee").asText()).isEqualTo("0");
        assertThat(n.get("nonce").isTextual()).isTrue();
        assertThat(n.get("nonce").asText()).isEqualTo("17000000001230040");
        assertThat(n.get("wait").asBoolean()).isTrue();
        assertThat(FineTuningSignatures.signer(FineTuningMessages.taskCreation(ADDRESS, nonce, "0xAbC"),
                n.get("signature").asText())).isEqualTo(USER.getAddress().toLowerCase());
        assertThat(n.get("signature").asText())
                .isEqualTo(FineTuningSignatures.taskCreation(USER, ADDRESS, nonce, "0xAbC"));
    }

    @Test
    void cancelAndDownloadBodiesAreSignedByTheUser() throws Exception {
        JsonNode cancel = JSON.readTree(TaskJson.cancel(USER, TASK));
        assertThat(cancel.size()).isEqualTo(1);
        assertThat(FineTuningSignatures.signer(FineTuningMessages.cancel(TASK), cancel.get("signature").asText()))
                .isEqualTo(USER.getAddress().toLowerCase());

        JsonNode lora = JSON.readTree(TaskJson.loraDownload(USER, TASK, 1_700_000_000L));
        assertThat(lora.get("timestamp").asLong()).isEqualTo(1_700_000_000L);
        assertThat(FineTuningSignatures.signer(FineTuningMessages.loraDownload(TASK, 1_700_000_000L),
                lora.get("signature").asText())).isEqualTo(USER.getAddress().toLowerCase());
    }

    @Test
    void aTaskIsReadWithBigFeesAndRfc3339Times() throws Exception {
        FineTuningTask t = TaskJson.task(JSON.readTree("""
                {"id":"%s","createdAt":"2026-11-24T23:01:02.123456789Z","updatedAt":"2026-11-25T00:01:02+01:00",
                 "userAddress":"%s","preTrainedModelHash":"0xm","datasetHash":"0xd","trainingParams":"{}",
                 "fee":"123456789012345678901234567890","nonce":"17000000001230040","signature":"0xs",
                 "progress":"Delivered","deliverIndex":3,"deliverTime":1795000000,"wait":true}""".formatted(TASK, ADDRESS)));
        assertThat(t.id()).isEqualTo(TASK);
        assertThat(t.createdAt()).isEqualTo(Instant.parse("2026-11-24T23:01:02.123456789Z"));
        assertThat(t.updatedAt()).isEqualTo(Instant.parse("2026-11-24T23:01:02Z"));
        assertThat(t.fee()).isEqualTo(new BigInteger("123456789012345678901234567890"));
        assertThat(t.nonce()).isEqualTo(BigInteger.valueOf(17000000001230040L));
        assertThat(t.progress()).isEqualTo("Delivered");
        assertThat(t.deliverIndex()).isEqualTo(3);
        assertThat(t.deliverTime()).isEqualTo(Instant.ofEpochSecond(1_795_000_000L));
        assertThat(t.modelType()).isNull();
        assertThat(TaskJson.task(JSON.readTree("{\"deliverTime\":0}")).deliverTime()).isNull();
        assertThat(TaskJson.task(JSON.readTree("{\"deliverTime\":null}")).deliverTime()).isNull();
        assertThat(t.waitInQueue()).isTrue();
        assertThat(t.finished()).isFalse();

        assertThatThrownBy(() -> TaskJson.task(JSON.readTree("{\"fee\":\"1.5\"}")))
                .isInstanceOf(ProviderHttpException.class)
                .hasMessage("The provider's task field fee is not an integer: 1.5");
        assertThatThrownBy(() -> TaskJson.tasks(JSON.readTree("{}")))
                .hasMessage("The provider's task list is not a JSON array");
    }

    @Test
    void errorTextIsTheProvidersErrorFieldElseTheBody() {
        assertThat(TaskJson.errorText("{\"error\":\"unsupported model\"}")).isEqualTo("unsupported model");
        assertThat(TaskJson.errorText("task queue is full\n")).isEqualTo("task queue is full");
        assertThat(TaskJson.errorText("")).isEqualTo("(no error text)");
    }

    @Test
    void jsonCheckAcceptsAnyJsonValueButNotGarbage() {
        assertThat(TaskJson.isJson("{\"a\": 1}")).isTrue();
        assertThat(TaskJson.isJson("[1, 2]")).isTrue();
        assertThat(TaskJson.isJson("{a: 1}")).isFalse();
        assertThat(TaskJson.isJson("{} trailing")).isFalse();
        assertThat(TaskJson.isJson("   ")).isFalse();
    }

    @Test
    void fileHashIsKeccak256OfTheBytes(@TempDir Path dir) throws Exception {
        byte[] bytes = new byte[200_000];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 31);
        }
        Path f = Files.write(dir.resolve("m.bin"), bytes);
        assertThat(FileDigest.keccak256(f)).isEqualTo(Numeric.toHexString(Hash.sha3(bytes)));
    }
}
