package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import zg.compute.server.ServerLimits;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    private static final String PROVIDER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
    private static final String TEE_KEY = "8f2a55949038a9610f50fb23b5883af3b4ecb3c3bb792cbcefbd1542c692be63";
    private static final Map<String, String> ENV = Map.of("ZG_PROVIDER_KEY", PROVIDER_KEY, "ZG_TEE_KEY", TEE_KEY);

    static final String MINIMAL = """
            chain:
              rpcUrl: http://127.0.0.1:8545
              inferenceContract: "0x0165878A594ca255338adfa4d48449f69242Eb8F"
            service:
              model: llama-3
              url: https://provider.example
              inputPrice: 1000
              outputPrice: "2000"
              targetUrl: http://127.0.0.1:8000/v1/
            """;

    private static ProviderConfig parse(String yaml) {
        return new ConfigLoader(ENV).parse(yaml, Path.of("."));
    }

    @Test
    void minimalConfigGetsTheDocumentedDefaults() {
        ProviderConfig c = parse(MINIMAL);
        assertThat(c.server().port()).isEqualTo(3080);
        assertThat(c.server().host()).isEqualTo("0.0.0.0");
        assertThat(c.service().type()).isEqualTo("chatbot");
        assertThat(c.service().verifiability()).isEqualTo("TeeML");
        assertThat(c.service().inputPrice()).isEqualTo(BigInteger.valueOf(1000));
        assertThat(c.service().outputPrice()).isEqualTo(BigInteger.valueOf(2000));
        assertThat(c.service().targetUrl()).isEqualTo("http://127.0.0.1:8000/v1");
        assertThat(c.database().url()).isEqualTo("jdbc:sqlite:provider.db");
        assertThat(c.database().password()).isNull();
        assertThat(c.database().retention()).isEqualTo(Duration.ofDays(7));
        assertThat(c.settlement().interval()).isEqualTo(Duration.ofSeconds(300));
        assertThat(c.settlement().batchSize()).isEqualTo(50);
        assertThat(c.caches().signature()).isEqualTo(Duration.ofMinutes(20));
        assertThat(c.allowOrigins()).containsExactly("*");
        assertThat(c.provider().getAddress()).isEqualTo("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
        assertThat(c.teeKey().kind()).isEqualTo("local");
        assertThat(c.teeKey().attested()).isFalse();
        assertThat(c.teeKey().toString()).contains("UNATTESTED");
    }

    @Test
    void metricsListenOnLoopbackByDefaultAndServerTimeoutsHaveDefaultsAndBounds() throws Exception {
        ProviderConfig.Server s = parse(MINIMAL).server();
        assertThat(s.metrics()).isTrue();
        assertThat(s.metricsHost()).isEqualTo("127.0.0.1");
        assertThat(s.metricsPort()).isEqualTo(9464);
        assertThat(s.limits()).isEqualTo(ServerLimits.DEFAULTS);
        s = parse(MINIMAL + "server: { metricsHost: 10.0.0.5, metricsPort: 0, headerTimeoutSeconds: 5, "
                + "bodyTimeoutSeconds: 300, idleTimeoutSeconds: 60 }\n").server();
        assertThat(s.metricsHost()).isEqualTo("10.0.0.5");
        assertThat(s.metricsPort()).isZero();
        assertThat(s.limits()).isEqualTo(new ServerLimits(Duration.ofSeconds(5), Duration.ofSeconds(300),
                Duration.ofSeconds(60)));
        assertThatThrownBy(() -> parse(MINIMAL + "server: { headerTimeoutSeconds: 0 }\n"))
                .hasMessage("server.headerTimeoutSeconds: must be within 1..600, got 0");
        assertThat(parse(MINIMAL).server().eventLoops())
                .isEqualTo(Math.min(8, Runtime.getRuntime().availableProcessors()));
        assertThat(parse(MINIMAL + "server: { eventLoops: 3 }\n").server().eventLoops()).isEqualTo(3);
        assertThatThrownBy(() -> parse(MINIMAL + "server: { eventLoops: 0 }\n"))
                .hasMessage("server.eventLoops: must be within 1..64, got 0");
        assertThat(parse(ProviderMain.exampleConfig()).server()).isEqualTo(parse(MINIMAL).server());
    }

    @Test
    void serviceModelsAddModelsWithTheirOwnPricesAfterTheDefault() {
        ProviderConfig c = parse(MINIMAL + """
                  models:
                    - { model: llama-3-70b, inputPrice: 3000, outputPrice: "6000" }
                """);
        assertThat(c.service().multiModel()).isTrue();
        assertThat(c.service().models()).containsExactly(
                new ProviderConfig.Model("llama-3", BigInteger.valueOf(1000), BigInteger.valueOf(2000)),
                new ProviderConfig.Model("llama-3-70b", BigInteger.valueOf(3000), BigInteger.valueOf(6000)));
        assertThat(parse(MINIMAL).service().multiModel()).as("a single-model config is unchanged").isFalse();

        assertThatThrownBy(() -> parse(MINIMAL + "  models:\n    - { model: llama-3, inputPrice: 1, outputPrice: 1 }\n"))
                .hasMessageStartingWith("service.models[0].model: 'llama-3' is listed twice");
        assertThatThrownBy(() -> parse(MINIMAL + "  models:\n    - { model: b, inputPrice: 1, outputPrise: 1 }\n"))
                .hasMessageStartingWith("service.models[0].outputPrise: unknown key");
        assertThatThrownBy(() -> parse(MINIMAL + "  models:\n    - { model: b, inputPrice: 1 }\n"))
                .hasMessageStartingWith("service.models[0].outputPrice: is required");
        assertThatThrownBy(() -> parse(MINIMAL + "  models: { model: b }\n"))
                .hasMessageStartingWith("service.models: must be a list");
    }

    @Test
    void imagesAndAsyncJobsHaveTheirDefaultsAndBounds(@TempDir Path dir) {
        ProviderConfig c = parse(MINIMAL);
        assertThat(c.images().dir()).isEqualTo(Path.of("provider.db.images"));
        assertThat(c.images().ttl()).isEqualTo(Duration.ofHours(1));
        assertThat(c.images().maxBytes()).isEqualTo(1L << 30);
        assertThat(c.async()).isEqualTo(ProviderConfig.Async.defaults());
        ProviderConfig set = new ConfigLoader(ENV).parse(MINIMAL + "images: { dir: hosted, ttlSeconds: 60, maxBytes: 1000 }\n"
                + "async: { enabled: false, workers: 4, queueSize: 8, resultTtlSeconds: 120 }\n", dir);
        assertThat(set.images()).isEqualTo(new ProviderConfig.Images(dir.resolve("hosted"), Duration.ofSeconds(60), 1000));
        assertThat(set.async()).isEqualTo(new ProviderConfig.Async(false, 4, 8, Duration.ofSeconds(120)));
        assertThat(ProviderConfig.Images.defaultDir("jdbc:postgresql://db/broker")).isEqualTo(Path.of("broker-images"));
        assertThatThrownBy(() -> parse(MINIMAL + "async: { workers: 0 }\n"))
                .hasMessage("async.workers: must be within 1..256, got 0");
        assertThatThrownBy(() -> parse(MINIMAL + "images: { ttl: 5 }\n")).hasMessageStartingWith("images.ttl: unknown key");
    }

    @Test
    void errorsNameTheKeyAtFault() {
        assertThatThrownBy(() -> parse(MINIMAL + "  outputPrise: 3\n"))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("service.outputPrise: unknown key");
        assertThatThrownBy(() -> parse(MINIMAL.replace("inputPrice: 1000", "inputPrice: 1.5")))
                .hasMessageStartingWith("service.inputPrice: must be a non-negative whole number of neuron");
        assertThatThrownBy(() -> parse(MINIMAL.replace("  model: llama-3\n", "")))
                .hasMessage("service.model: is required");
        assertThatThrownBy(() -> parse(MINIMAL.replace("http://127.0.0.1:8000/v1/", "ftp://x")))
                .hasMessage("service.targetUrl: must be an http(s) URL, got 'ftp://x'");
        assertThatThrownBy(() -> parse(MINIMAL.replace("\"0x0165878A594ca255338adfa4d48449f69242Eb8F\"", "0x12")))
                .hasMessageStartingWith("chain.inferenceContract: must be a 0x-prefixed 20-byte address");
        assertThatThrownBy(() -> parse(MINIMAL + "server: { port: 70000 }\n"))
                .hasMessage("server.port: must be within 0..65535, got 70000");
        assertThatThrownBy(() -> parse(MINIMAL + "settlement: { batchSize: 51 }\n"))
                .hasMessage("settlement.batchSize: must be within 1..50, got 51");
        assertThatThrownBy(() -> parse(MINIMAL + "tee: { mode: sgx }\n"))
                .hasMessage("tee.mode: must be 'local' or 'dstack', got 'sgx'");
        assertThatThrownBy(() -> parse(MINIMAL + "chain: [1]\n")).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> parse("service: [\n")).hasMessageStartingWith("config is not valid YAML");
    }

    @Test
    void keysComeFromTheEnvironmentAndAreNeverEchoed() {
        assertThatThrownBy(() -> new ConfigLoader(Map.of("ZG_TEE_KEY", TEE_KEY)).parse(MINIMAL, Path.of(".")))
                .hasMessage("providerKey.env: no private key in ZG_PROVIDER_KEY");
        assertThatThrownBy(() -> new ConfigLoader(Map.of("ZG_PROVIDER_KEY", "secret-typo", "ZG_TEE_KEY", TEE_KEY))
                .parse(MINIMAL, Path.of(".")))
                .hasMessage("providerKey.env: ZG_PROVIDER_KEY does not hold a 32-byte hex private key")
                .message().doesNotContain("secret-typo");
        ProviderConfig c = new ConfigLoader(Map.of("MY_KEY", PROVIDER_KEY, "ZG_TEE_KEY", TEE_KEY))
                .parse(MINIMAL + "providerKey: { env: MY_KEY }\n", Path.of("."));
        assertThat(c.provider().getAddress()).isEqualTo("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
    }

    @Test
    void theStarterConfigWrittenByInitIsValid() throws Exception {
        ProviderConfig c = parse(ProviderMain.exampleConfig());
        assertThat(c.service().devBackend()).isTrue();
        assertThat(c.settlement().refundBuffer()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.server().port()).isEqualTo(3080);
        assertThat(c.database().retention()).isEqualTo(ProviderConfig.Database.DEFAULT_RETENTION);
    }

    @Test
    void databaseRetentionIsWholeDays() {
        assertThat(parse(MINIMAL + "database: { retentionDays: 30 }\n").database().retention())
                .isEqualTo(Duration.ofDays(30));
        assertThatThrownBy(() -> parse(MINIMAL + "database: { retentionDays: 0 }\n"))
                .hasMessage("database.retentionDays: must be within 1..3650, got 0");
        assertThatThrownBy(() -> parse(MINIMAL + "database: { retentionDays: 1.5 }\n"))
                .hasMessage("database.retentionDays: must be an integer, got '1.5'");
    }

    @Test
    void teeKeyFromAFileNextToTheConfig(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tee.key"), TEE_KEY + "\n");
        Files.writeString(dir.resolve("provider.yaml"), MINIMAL + "tee: { mode: local, keyFile: tee.key }\n");
        ProviderConfig c = new ConfigLoader(Map.of("ZG_PROVIDER_KEY", PROVIDER_KEY)).load(dir.resolve("provider.yaml"));
        assertThat(c.teeKey().address()).isEqualTo(LocalTeeKeySource.fromHex(TEE_KEY).address());
        assertThatThrownBy(() -> new ConfigLoader(ENV).load(dir.resolve("missing.yaml")))
                .hasMessageStartingWith("cannot read config file");
    }
}
