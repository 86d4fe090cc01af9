package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import zg.compute.provider.finetuning.FineTuningConfig;

class FineTuningConfigTest {

    private static final Map<String, String> ENV = Map.of(
            "ZG_PROVIDER_KEY", "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
            "ZG_TEE_KEY", "8f2a55949038a9610f50fb23b5883af3b4ecb3c3bb792cbcefbd1542c692be63");

    private static final String MINIMAL = """
            chain:
              rpcUrl: http://127.0.0.1:8545
              fineTuningContract: "0xA51c1fc2f0D1a1b8494Ed1FE312d7C3a78Ed91C0"
            fineTuning:
              url: https://ft.example
              pricePerToken: 7
            """;

    private static FineTuningConfig parse(String yaml) {
        return new ConfigLoader(ENV).parseFineTuning(yaml, Path.of("/srv"));
    }

    @Test
    void minimalConfigGetsTheDocumentedDefaults() {
        FineTuningConfig c = parse(MINIMAL);
        assertThat(ConfigLoader.isFineTuning(MINIMAL)).isTrue();
        assertThat(ConfigLoader.isFineTuning(ConfigLoaderTest.MINIMAL)).isFalse();
        assertThat(c.server().port()).isEqualTo(3081);
        var s = c.service();
        assertThat(s.pricePerToken()).isEqualTo(BigInteger.valueOf(7));
        assertThat(s.models()).containsExactly(new FineTuningConfig.Model("mock-model", ConfigLoader.MOCK_MODEL_HASH));
        assertThat(s.quota()).isEqualTo(new FineTuningConfig.Quota(BigInteger.valueOf(8), BigInteger.valueOf(32),
                BigInteger.ONE, BigInteger.valueOf(500), "H100"));
        assertThat(s.workDir()).isEqualTo(Path.of("/srv/fine-tuning"));
        assertThat(s.maxTaskQueueSize()).isEqualTo(5);
        assertThat(s.maxDatasetBytes()).isEqualTo(100L * 1024 * 1024);
        assertThat(s.ackTimeout()).isEqualTo(Duration.ofHours(6));
        assertThat(s.pollInterval()).isEqualTo(Duration.ofMinutes(1));
        assertThat(s.maxRetries()).isEqualTo(3);
        assertThat(s.signatureWindow()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.teeKey().address()).isEqualTo("0xFE3B557E8Fb62b89F4916B721be55cEb828dBd73");
    }

    @Test
    void theAdapterFeedNamesItsStorageAndInferenceProviders() {
        String key = "04" + "1f".repeat(64);
        FineTuningConfig c = parse(MINIMAL + "  adapterFeed:\n    storageDir: " + System.getProperty("java.io.tmpdir")
                + "/zg-feed-test\n    inferenceProviders: [ { url: \"http://127.0.0.1:3080\", publicKey: \"" + key
                + "\" } ]\n");
        assertThat(c.adapterFeed().storage()).isInstanceOf(DevnetStorage.class);
        assertThat(c.adapterFeed().inference()).containsExactly(
                new FineTuningConfig.InferenceTarget("http://127.0.0.1:3080", key));
        assertThat(parse(MINIMAL).adapterFeed()).isEqualTo(FineTuningConfig.AdapterFeed.NONE);
        assertThatThrownBy(() -> parse(MINIMAL + "  adapterFeed: { storageDir: /tmp/x, inferenceProviders: [ { url:"
                + " \"http://h\", publicKey: \"0x12\" } ] }\n")).hasMessageStartingWith(
                        "fineTuning.adapterFeed.inferenceProviders.publicKey: the inference provider wallet's");
    }

    @Test
    void errorsNameTheKey() {
        assertThatThrownBy(() -> parse(MINIMAL + "  maxQueue: 3\n")).hasMessageStartingWith(
                "fineTuning.maxQueue: unknown key (allowed here: ackTimeoutSeconds, adapterFeed, datasetQuotaBytesPerUser,");
        assertThatThrownBy(() -> parse(MINIMAL.replace("  pricePerToken: 7\n", ""))).hasMessage(
                "fineTuning.pricePerToken: is required (neuron per token, a whole number)");
        assertThatThrownBy(() -> parse(MINIMAL + "  trainer: gpu\n")).hasMessage("fineTuning.trainer: 'dev' (the"
                + " built-in development trainer, CPU) or 'command' (fineTuning.trainerCommand, the official executor"
                + " interface), got 'gpu'");
        assertThatThrownBy(() -> parse(MINIMAL + "  trainer: command\n")).hasMessage(
                "fineTuning.trainerCommand: is required with fineTuning.trainer: command");
        assertThatThrownBy(() -> parse(MINIMAL + "  models: [ { name: m, hash: \"0x12\" } ]\n")).hasMessage(
                "fineTuning.models[0].hash: must be a 0x-prefixed 32-byte hex root hash, got '0x12'");
        assertThatThrownBy(() -> parse(MINIMAL + "  models: [ { name: m, hash: 0x12 } ]\n")).hasMessage(
                "fineTuning.models[0].hash: must be a quoted string \"0x…\" (YAML reads an unquoted 0x… as a number)");
        assertThatThrownBy(() -> parse(MINIMAL + "  quota: { gpus: 2 }\n")).hasMessageStartingWith(
                "fineTuning.quota.gpus: unknown key");
        assertThatThrownBy(() -> parse(MINIMAL.replace("fineTuningContract", "inferenceContract")))
                .hasMessageStartingWith("chain.inferenceContract: unknown key");
    }

    @Test
    void theStarterConfigParsesToTheDocumentedDefaults() throws Exception {
        String example = ProviderMain.exampleFineTuningConfig();
        assertThat(ConfigLoader.isFineTuning(example)).isTrue();
        FineTuningConfig c = parse(example);
        assertThat(c.server().port()).isEqualTo(3081);
        assertThat(c.service().pricePerToken()).isEqualTo(BigInteger.valueOf(1000));
        assertThat(c.service().models()).containsExactly(
                new FineTuningConfig.Model("mock-model", ConfigLoader.MOCK_MODEL_HASH));
        assertThat(c.service().workDir()).isEqualTo(Path.of("/srv/fine-tuning"));
        assertThat(c.service().ackTimeout()).isEqualTo(Duration.ofHours(6));
        assertThat(c.teeKey().address()).isEqualTo("0xFE3B557E8Fb62b89F4916B721be55cEb828dBd73");
    }
}
