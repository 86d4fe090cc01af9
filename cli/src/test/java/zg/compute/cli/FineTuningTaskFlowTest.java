package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.finetuning.FineTuningSignatures;
import zg.compute.protocol.units.Units;
import zg.compute.sdk.AcknowledgedModel;
import zg.compute.sdk.DatasetUpload;
import zg.compute.sdk.Deliverable;
import zg.compute.sdk.FineTuningBroker;
import zg.compute.sdk.FineTuningTask;
import zg.compute.sdk.InvalidRequestException;
import zg.compute.sdk.ProviderHttpException;
import zg.compute.sdk.ZGComputeNetworkBroker;

/** The SDK's fine-tuning task calls against the provider's real fine-tuning server on the devnet. */
@ExtendWith(DevnetExtension.class)
class FineTuningTaskFlowTest {

    static final String MOCK_MODEL_HASH = "0xcb42b5ca9e998c82dd239ef2d20d22a4ae16b3dc0ce0a855c93b52c7c2bab6dc";
    static final String DATASET = """
            {"input": "What is 0G?", "output": "A decentralized AI network."}
            {"input": "Is it fast?", "output": "Yes."}
            """;
    /** What the provider's development trainer delivers. */
    static final String[] ADAPTER_FILES = {"output_model/adapter_config.json", "output_model/adapter_model.safetensors",
        "output_model/training_metrics.json"};
    static final String PARAMS = "{\n  \"num_train_epochs\": 2\n}\n";

    @TempDir
    Path dir;
    Path data;
    Path params;

    @BeforeEach
    void writeDatasetAndParams() throws Exception {
        data = Files.writeString(dir.resolve("data.jsonl"), DATASET);
        params = Files.writeString(dir.resolve("params.json"), PARAMS);
    }

    /** The entries of a zip file, sorted. */
    static List<String> zipEntries(Path zip) throws Exception {
        try (ZipFile z = new ZipFile(zip.toFile())) {
            return Collections.list(z.entries()).stream().map(ZipEntry::getName).sorted().toList();
        }
    }

    static String zipEntry(Path zip, String name) throws Exception {
        try (ZipFile z = new ZipFile(zip.toFile())) {
            return new String(z.getInputStream(z.getEntry(name)).readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void uploadTrainAcknowledgeSettleAndDecrypt(Devnet d) throws Exception {
        Path models = Files.createDirectories(dir.resolve("models"));
        Credentials userKey = d.account(5);
        try (FineTuningServer server = FineTuningServer.start(d, d.account(4), dir, 4);
                ZGComputeNetworkBroker user = server.fundedUser(d, userKey)) {
            FineTuningBroker ft = user.fineTuning();
            String p = server.provider;

            DatasetUpload up = ft.uploadDatasetToTEE(p, data);
            assertThat(up.datasetHash()).isEqualTo(Numeric.toHexString(Hash.sha3(Files.readAllBytes(data))));
            assertThat(up.message()).contains("uploaded");

            long nonceBefore = FineTuningSignatures.taskNonce(System.currentTimeMillis());
            String id = ft.createTask(p, "mock-model", up.datasetHash(), params, false);
            long nonceAfter = FineTuningSignatures.taskNonce(System.currentTimeMillis());
            assertThat(id).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

            FineTuningTask t = ft.getTask(p, id);
            assertThat(t.progress()).isEqualTo("Init");
            assertThat(t.userAddress()).isEqualToIgnoringCase(userKey.getAddress());
            assertThat(t.datasetHash()).isEqualTo(up.datasetHash());
            assertThat(t.preTrainedModelHash()).isEqualTo(MOCK_MODEL_HASH);
            assertThat(t.trainingParams()).isEqualTo(PARAMS.strip()); // the provider trims what it stores
            assertThat(t.nonce()).isBetween(BigInteger.valueOf(nonceBefore), BigInteger.valueOf(nonceAfter));
            assertThat(t.waitInQueue()).isFalse();
            assertThat(t.createdAt()).isNotNull();
            assertThat(ft.getPendingCount(p)).isEqualTo(1);
            assertThat(ft.listTask(p)).extracting(FineTuningTask::id).containsExactly(id);
            assertThat(ft.getTask(p, null).id()).isEqualTo(id);

            FineTuningTask delivered = server.tickUntil(ft, id, "Delivered");
            // the provider's fee is calculate-token's estimate: BPE tokens × 2 epochs × price per token
            var estimate = ft.calculateToken(data, "mock-model", p, params);
            assertThat(estimate.epochs()).isEqualTo(2);
            assertThat(delivered.fee()).isEqualTo(estimate.fee())
                    .isEqualTo(FineTuningServer.PRICE_PER_TOKEN.multiply(BigInteger.valueOf(estimate.tokens() * 2)));
            assertThat(delivered.deliverTime()).isNotNull();
            assertThat(ft.getPendingCount(p)).isZero();
            assertThat(ft.getLog(p, id)).contains("Step: 1").contains("Step: 2");
            assertThat(ft.getLog(p, null)).isEqualTo(ft.getLog(p, id));

            AcknowledgedModel m = ft.acknowledgeModel(p, id, models);
            assertThat(m.path()).isEqualTo(models.resolve("lora_model_" + id + ".zip"));
            assertThat(m.modelHash()).isEqualTo(Numeric.toHexString(Hash.sha3(Files.readAllBytes(m.path()))))
                    .isEqualTo(ft.getDeliverable(p, id).modelRootHashText());
            // one raw 32-byte root on chain (fine-tuning.md §2.5), not the ASCII of its hex
            assertThat(ft.getDeliverable(p, id).modelRootHash()).hasSize(32)
                    .isEqualTo(Numeric.hexStringToByteArray(m.modelHash()));
            assertThat(m.match()).isEqualTo(AcknowledgedModel.RootMatch.KECCAK256);
            assertThat(m.warning()).isEmpty();
            assertThat(m.transaction()).isPresent();
            assertThat(models.toFile().list()).containsExactly("lora_model_" + id + ".zip");
            assertThat(ft.getDeliverable(p, id).acknowledged()).isTrue();

            server.tickUntil(ft, id, "Finished");
            Deliverable settled = ft.getDeliverable(p, id);
            assertThat(settled.settled()).isTrue();
            assertThat(settled.hasEncryptedSecret()).isTrue();
            assertThat(ft.getAccount(p).balance()).isEqualTo(Units.og(3).subtract(delivered.fee()));

            Path lora = ft.decryptModel(p, id, m.path(), dir.resolve("lora.zip"));
            assertThat(zipEntries(lora)).containsExactly(ADAPTER_FILES);
            assertThat(zipEntry(lora, ADAPTER_FILES[0])).contains("\"base_model_name_or_path\" : \"mock-model\"");
            assertThat(zipEntry(lora, ADAPTER_FILES[2])).contains("\"loss_before\"", "\"loss_after\"");

            // a second download to a named file: same bytes, nothing more to acknowledge
            AcknowledgedModel again = ft.acknowledgeModel(p, id, dir.resolve("again.bin"));
            assertThat(again.path()).isEqualTo(dir.resolve("again.bin"));
            assertThat(again.modelHash()).isEqualTo(m.modelHash());
            assertThat(again.transaction()).isEmpty();
        }
    }

    @Test
    void aModelOtherThanTheCommittedOneIsKeptAcknowledgedAndWarnedAbout(Devnet d) throws Exception {
        try (FineTuningServer server = FineTuningServer.start(d, d.account(4), dir, 4);
                ZGComputeNetworkBroker user = server.fundedUser(d, d.account(5))) {
            FineTuningBroker ft = user.fineTuning();
            String p = server.provider;
            String id = ft.createTask(p, "mock-model", ft.uploadDatasetToTEE(p, data).datasetHash(), params, false);
            server.tickUntil(ft, id, "Delivered");
            // the provider now serves other bytes than the root hash it committed on chain
            Files.write(dir.resolve("ft-work/tasks/" + id + "/model.enc"), new byte[] {1}, StandardOpenOption.APPEND);

            Path target = dir.resolve("model.bin");
            AcknowledgedModel m = ft.acknowledgeModel(p, id, target);
            // as the official SDK: a warning, the download kept, the deliverable acknowledged
            assertThat(m.match()).isEqualTo(AcknowledgedModel.RootMatch.NONE);
            assertThat(m.warning()).get().asString().startsWith("Hash mismatch for task " + id + ": expected "
                    + ft.getDeliverable(p, id).modelRootHashText() + ", got " + m.modelHash());
            assertThat(target).exists();
            assertThat(ft.getDeliverable(p, id).acknowledged()).isTrue();
        }
    }

    @Test
    void aDatasetOverTheProvidersLimitIsRefusedWith413(Devnet d) throws Exception {
        Path big = Files.write(dir.resolve("big.jsonl"), new byte[200_000]);
        try (FineTuningServer server = FineTuningServer.start(d, d.account(4), dir, 4, 1_000);
                ZGComputeNetworkBroker user = server.fundedUser(d, d.account(5))) {
            assertThatThrownBy(() -> user.fineTuning().uploadDatasetToTEE(server.provider, big))
                    .isInstanceOfSatisfying(ProviderHttpException.class, e -> assertThat(e.status()).isEqualTo(413))
                    .hasMessage("Failed to upload dataset: the provider refused it as too large (HTTP 413, 200000 "
                            + "bytes)");
        }
    }

    @Test
    void aTaskIsCancelledOnlyBeforeTraining(Devnet d) throws Exception {
        try (FineTuningServer server = FineTuningServer.start(d, d.account(4), dir, 4);
                ZGComputeNetworkBroker user = server.fundedUser(d, d.account(5))) {
            FineTuningBroker ft = user.fineTuning();
            String p = server.provider;
            String hash = ft.uploadDatasetToTEE(p, data).datasetHash();
            String id = ft.createTask(p, "mock-model", hash, params, false);

            assertThat(ft.cancelTask(p, id)).isEqualTo("task " + id + " cancelled");
            assertThat(ft.getTask(p, id).progress()).isEqualTo("Failed");
            assertThat(ft.getTask(p, id).finished()).isTrue();
            assertThat(ft.getPendingCount(p)).isZero();
            assertThat(ft.getLog(p, id)).contains("cancelled by the user");
            assertThatThrownBy(() -> ft.cancelTask(p, id))
                    .isInstanceOfSatisfying(ProviderHttpException.class, e -> assertThat(e.status()).isEqualTo(400))
                    .hasMessageStartingWith("Failed to cancel task: ")
                    .hasMessageNotContaining("Failed to cancel task: Failed to cancel task");

            // after a cancel the user can start again; once training ran, cancelling is refused
            String second = ft.createTask(p, "mock-model", hash, params, false);
            server.tickUntil(ft, second, "Delivered");
            assertThatThrownBy(() -> ft.cancelTask(p, second))
                    .isInstanceOf(ProviderHttpException.class)
                    .hasMessageContaining("Delivered");
            assertThat(ft.listTask(p)).extracting(FineTuningTask::id).containsExactlyInAnyOrder(id, second);
        }
    }

    @Test
    void aBusyQueueNeedsWaitAndProviderRefusalsAreShown(Devnet d) throws Exception {
        try (FineTuningServer server = FineTuningServer.start(d, d.account(4), dir, 4);
                ZGComputeNetworkBroker first = server.fundedUser(d, d.account(5));
                ZGComputeNetworkBroker second = server.fundedUser(d, d.account(6))) {
            String p = server.provider;
            FineTuningBroker a = first.fineTuning();
            FineTuningBroker b = second.fineTuning();
            String hashA = a.uploadDatasetToTEE(p, data).datasetHash();
            String hashB = b.uploadDatasetToTEE(p, data).datasetHash();
            a.createTask(p, "mock-model", hashA, params, false);

            assertThatThrownBy(() -> b.createTask(p, "mock-model", hashB, params, false))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("There is 1 task in the provider's queue. To queue this task behind them, pass "
                            + "wait=true (CLI: --wait).");
            String queued = b.createTask(p, "mock-model", hashB, params, true);
            assertThat(b.getTask(p, queued).waitInQueue()).isTrue();
            assertThat(b.getPendingCount(p)).isEqualTo(2);

            assertThatThrownBy(() -> a.createTask(p, "mock-model", hashA, params, true))
                    .isInstanceOfSatisfying(ProviderHttpException.class, e -> assertThat(e.status()).isEqualTo(400))
                    .hasMessage("Failed to create task: cannot create a new task while there is an unfinished task");
            assertThatThrownBy(() -> a.getTask(p, "00000000-0000-0000-0000-000000000000"))
                    .isInstanceOf(ProviderHttpException.class)
                    .hasMessageStartingWith("Failed to get task: ");
        }
    }
}
