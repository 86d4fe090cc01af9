package zg.compute.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;

/**
 * What the fine-tuning task calls refuse before reaching the provider (the calls themselves are tested
 * against the real provider in the cli module, which can start one).
 */
@ExtendWith(DevnetExtension.class)
class FineTuningTaskArgumentsTest {

    private static final long MB = 1024 * 1024;

    @Test
    void uploadTimeoutGrowsBy30SecondsPerStarted10Megabytes() {
        assertThat(FineTuningBroker.uploadTimeout(0)).isEqualTo(Duration.ofSeconds(60));
        assertThat(FineTuningBroker.uploadTimeout(1)).isEqualTo(Duration.ofSeconds(90));
        assertThat(FineTuningBroker.uploadTimeout(10 * MB)).isEqualTo(Duration.ofSeconds(90));
        assertThat(FineTuningBroker.uploadTimeout(10 * MB + 1)).isEqualTo(Duration.ofSeconds(120));
        assertThat(FineTuningBroker.uploadTimeout(100 * MB)).isEqualTo(Duration.ofSeconds(360));
    }

    @Test
    void badArgumentsAreRefusedWithClearTexts(Devnet d, @TempDir Path dir) throws Exception {
        String p = d.account(2).getAddress();
        Path params = Files.writeString(dir.resolve("params.json"), "{\"num_train_epochs\": 1}");
        Path notJson = Files.writeString(dir.resolve("bad.json"), "num_train_epochs = 1");
        Path big = dir.resolve("big.jsonl");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(100 * MB + 1);
        }
        try (ZGComputeNetworkBroker b = SdkFixtures.broker(d, d.account(1))) {
            FineTuningBroker ft = b.fineTuning();
            assertThatThrownBy(() -> ft.preTrainedModelHash("Qwen2.5-0.5B-Instruct"))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("Unknown pre-trained model \"Qwen2.5-0.5B-Instruct\". Known models on this network: "
                            + "mock-model");
            // a name outside the table is asked of the provider (GET /v1/model/{name}): here there is none
            assertThatThrownBy(() -> ft.createTask(p, "Qwen2.5-0.5B-Instruct", "0x01", params, false))
                    .hasMessageStartingWith("Fine-tuning service not found for provider");
            assertThatThrownBy(() -> ft.createTask(p, "mock-model", "0x01", dir.resolve("none.json"), false))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("Training parameters file not found: " + dir.resolve("none.json"));
            assertThatThrownBy(() -> ft.createTask(p, "mock-model", "0x01", notJson, false))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("The training parameters file " + notJson + " is not valid JSON");
            assertThatThrownBy(() -> ft.createTask(p, "mock-model", " ", params, false))
                    .hasMessage("The dataset hash is missing: upload the dataset first");
            assertThatThrownBy(() -> ft.createTask("0x12", "mock-model", "0x01", params, false))
                    .isInstanceOf(InvalidRequestException.class);
            assertThatThrownBy(() -> ft.uploadDatasetToTEE(p, big))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("The dataset " + big + " is 104857601 bytes; the TEE upload takes at most 100 MB "
                            + "(104857600 bytes)");
            assertThatThrownBy(() -> ft.uploadDatasetToTEE(p, dir.resolve("none.jsonl")))
                    .hasMessage("Dataset file not found: " + dir.resolve("none.jsonl"));
            assertThatThrownBy(() -> ft.cancelTask(p, "not-a-uuid"))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("Invalid task id not-a-uuid: a task id is a UUID");
            assertThatThrownBy(() -> ft.getTask(p, " ")).hasMessage("The task id is missing");
            assertThatThrownBy(() -> ft.getPendingCount(p))
                    .isInstanceOf(ContractErrorException.class)
                    .hasMessageStartingWith("Fine-tuning service not found for provider");
            assertThatThrownBy(() -> new LoraDownloadOptions(Duration.ZERO, 2))
                    .hasMessage("The idle timeout must be positive: PT0S");
        }
    }
}
