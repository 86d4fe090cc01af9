package zg.compute.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.math.BigInteger;
import zg.compute.provider.internal.service.ServiceStrategies;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.web3j.crypto.exception.CipherException;
import org.web3j.crypto.Credentials;
import zg.compute.server.ServerLimits;
import org.web3j.crypto.WalletUtils;
import zg.compute.provider.finetuning.FineTuningConfig;

/**
 * Reads the broker's YAML configuration. Unknown keys are rejected (a typo must not silently fall
 * back to a default), and every error names the key at fault. Secrets never sit in the file: the
 * provider key comes from an env var or an encrypted keystore, the TEE key from an env var or a file,
 * or from the dstack guest agent (which is contacted while loading, so a missing agent fails start-up).
 *
 * <pre>
 * server:      { host: 0.0.0.0, port: 3080, metrics: true, metricsHost: 127.0.0.1, metricsPort: 9464,
 *                headerTimeoutSeconds: 10, bodyTimeoutSeconds: 120, idleTimeoutSeconds: 30,
 *                eventLoops: one per core (at most 8) }
 * chain:       { rpcUrl: http://127.0.0.1:8545, chainId: 0 (ask the node), inferenceContract: 0x… }
 * providerKey: { env: ZG_PROVIDER_KEY }  or  { keystore: wallet.json, passwordEnv: ZG_KEYSTORE_PASSWORD }
 * service:     { type: chatbot, model: …, url: https://public/, verifiability: TeeML,
 *                inputPrice: 1000, outputPrice: 2000 (neuron per token), targetUrl: http://vllm:8000/v1 | dev,
 *                additionalSecret: { Authorization: Bearer … }, additionalInfo: { … },
 *                models: [ { model: other, inputPrice: 3000, outputPrice: 6000 } ] (served besides service.model) }
 * tee:         { mode: local, keyEnv: ZG_TEE_KEY }  or  { mode: local, keyFile: tee.key }
 *              or  { mode: dstack, dstackSocket: /var/run/dstack.sock, dstackKeyDerivation: getKey,
 *                    dstackKeyPath: zg-compute/tee-signer }
 *              or  { mode: dstack, dstackKeyDerivation: tappd, tappdSocket: /var/run/tappd.sock } (official signer)
 * database:    { url: jdbc:sqlite:provider.db }  or  { url: jdbc:postgresql://host/db, user: broker, passwordEnv: ZG_DB_PASSWORD }
 *              retentionDays: 7 (finished request rows older than this are pruned; totals stay exact)
 * settlement:  { intervalSeconds: 300, thresholdNeuron: 0, batchSize: 50, refundBufferSeconds: 600,
 *                refundCheckSeconds: 60, receiptTimeoutSeconds: 60, replaceAfterSeconds: 180 }
 * caches:      { accountSeconds: 600, tokenSeconds: 300, signatureSeconds: 1200 }
 * allowOrigins: ["*"]
 * limits:      { maxOutputTokens: 16384, maxConcurrentPerUser: 64 }
 * images:      { dir: &lt;sqlite file&gt;.images, ttlSeconds: 3600, maxBytes: 1073741824 }  (response_format url)
 * async:       { enabled: true, workers: 2, queueSize: 100, resultTtlSeconds: 3600 }  (/v1/async image jobs)
 * lora:        { storageDir: ./storage, fineTuningContract: 0x…, trustedFineTuningProviders: [0x…],
 *                adapterDir: ./lora-adapters }  (serve fine-tuned adapters; storageDir: the DevnetStorage stand-in,
 *                0G Storage is not built; absent: LoRA off)
 * </pre>
 */
public final class ConfigLoader {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static final Map<String, Set<String>> KEYS = Map.ofEntries(
            Map.entry("", Set.of("server", "chain", "providerKey", "service", "tee", "database", "settlement", "caches",
                    "allowOrigins", "limits", "images", "async", "lora")),
            Map.entry("lora", Set.of("storageDir", "fineTuningContract", "trustedFineTuningProviders", "adapterDir")),
            Map.entry("images", Set.of("dir", "ttlSeconds", "maxBytes")),
            Map.entry("async", Set.of("enabled", "workers", "queueSize", "resultTtlSeconds")),
            Map.entry("limits", Set.of("maxOutputTokens", "maxConcurrentPerUser")),
            Map.entry("server", Set.of("host", "port", "metrics", "metricsHost", "metricsPort", "headerTimeoutSeconds",
                    "bodyTimeoutSeconds", "idleTimeoutSeconds", "eventLoops")),
            Map.entry("chain", Set.of("rpcUrl", "chainId", "inferenceContract")),
            Map.entry("providerKey", Set.of("env", "keystore", "passwordEnv")),
            Map.entry("service", Set.of("type", "model", "url", "verifiability", "inputPrice", "outputPrice", "targetUrl",
                    "additionalSecret", "additionalInfo", "models")),
            Map.entry("tee", Set.of("mode", "keyEnv", "keyFile", "dstackSocket", "dstackKeyDerivation", "dstackKeyPath",
                    "tappdSocket")),
            Map.entry("database", Set.of("url", "user", "passwordEnv", "retentionDays")),
            Map.entry("settlement", Set.of("intervalSeconds", "thresholdNeuron", "batchSize", "refundBufferSeconds",
                    "refundCheckSeconds", "receiptTimeoutSeconds", "replaceAfterSeconds")),
            Map.entry("caches", Set.of("accountSeconds", "tokenSeconds", "signatureSeconds")));

    /** The fine-tuning task server's file: shared sections plus {@code fineTuning} (see {@link #parseFineTuning}). */
    private static final Map<String, Set<String>> FINE_TUNING_KEYS = Map.of(
            "", Set.of("server", "chain", "providerKey", "tee", "database", "fineTuning"),
            "server", KEYS.get("server"),
            "chain", Set.of("rpcUrl", "chainId", "fineTuningContract"),
            "providerKey", KEYS.get("providerKey"),
            "tee", KEYS.get("tee"),
            "database", Set.of("url", "user", "passwordEnv"),
            "fineTuning", Set.of("url", "pricePerToken", "quota", "models", "trainer", "workDir", "maxTaskQueueSize",
                    "maxDatasetBytes", "ackTimeoutSeconds", "pollIntervalSeconds", "maxRetries",
                    "signatureWindowSeconds", "datasetQuotaBytesPerUser", "datasetQuotaBytesTotal",
                    "datasetTtlSeconds", "trainerCommand", "trainerModelDir", "trainerTimeoutSeconds", "adapterFeed"),
            "fineTuning.quota", Set.of("cpuCount", "memory", "gpuCount", "storage", "gpuType"),
            "fineTuning.adapterFeed", Set.of("storageDir", "inferenceProviders"));

    /** The predefined mock model of a local chain (sdk-cli.md §10), the default fine-tuning model. */
    public static final String MOCK_MODEL_HASH = "0xcb42b5ca9e998c82dd239ef2d20d22a4ae16b3dc0ce0a855c93b52c7c2bab6dc";

    private final Map<String, String> env;

    /** @param env where key env vars are looked up ({@code System.getenv()} in production) */
    public ConfigLoader(Map<String, String> env) {
        this.env = env;
    }

    public ProviderConfig load(Path file) {
        return parse(read(file), file.toAbsolutePath().getParent());
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
    }

    /** @param baseDir relative file paths (key files, keystores) are resolved against it */
    public ProviderConfig parse(String yaml, Path baseDir) {
        JsonNode root = readRoot(yaml);
        checkKeys(KEYS, root, "");

        var server = server(root, 3080);

        String rpc = requireStr(root, "chain.rpcUrl");
        requireUrl("chain.rpcUrl", rpc);
        var chain = new ProviderConfig.Chain(rpc, integer(root, "chain.chainId", 0, 0, Long.MAX_VALUE),
                address(root, "chain.inferenceContract"));

        Credentials provider = providerKey(root, baseDir);

        String type = str(root, "service.type", "chatbot");
        if (!ServiceStrategies.TYPES.contains(type)) {
            throw new ConfigException("service.type: one of " + String.join(", ", ServiceStrategies.TYPES) + ", got '"
                    + type + "'");
        }
        String target = requireStr(root, "service.targetUrl");
        if ("dev".equals(target) && !"chatbot".equals(type)) {
            throw new ConfigException("service.targetUrl: 'dev' (the development chat backend) serves chatbot only;"
                    + " give the URL of a " + type + " model server");
        }
        if (!"dev".equals(target)) {
            requireUrl("service.targetUrl", target);
            target = target.replaceAll("/+$", "");
        }
        String url = requireStr(root, "service.url");
        requireUrl("service.url", url);
        String model = requireStr(root, "service.model");
        var service = new ProviderConfig.Service(type, model, url,
                str(root, "service.verifiability", "TeeML"), neuron(root, "service.inputPrice", null),
                neuron(root, "service.outputPrice", null), target, stringMap(root, "service.additionalSecret"),
                objectMap(root, "service.additionalInfo"), serviceModels(root, model));

        TeeKeySource tee = teeKey(root, baseDir);
        var db = database(root);

        var settlement = new ProviderConfig.Settlement(
                Duration.ofSeconds(integer(root, "settlement.intervalSeconds", 300, 1, 7 * 86_400)),
                neuron(root, "settlement.thresholdNeuron", BigInteger.ZERO),
                (int) integer(root, "settlement.batchSize", 50, 1, 50),
                Duration.ofSeconds(integer(root, "settlement.refundBufferSeconds", 600, 0, 7 * 86_400)),
                Duration.ofSeconds(integer(root, "settlement.refundCheckSeconds", 60, 1, 86_400)),
                Duration.ofSeconds(integer(root, "settlement.receiptTimeoutSeconds", 60, 1, 3_600)),
                Duration.ofSeconds(integer(root, "settlement.replaceAfterSeconds", 180, 1, 86_400)));
        var caches = new ProviderConfig.Caches(
                Duration.ofSeconds(integer(root, "caches.accountSeconds", 600, 0, 86_400)),
                Duration.ofSeconds(integer(root, "caches.tokenSeconds", 300, 0, 86_400)),
                Duration.ofSeconds(integer(root, "caches.signatureSeconds", 1200, 1, 7 * 86_400)));

        List<String> origins = new ArrayList<>();
        JsonNode o = root.path("allowOrigins");
        if (o.isMissingNode() || o.isNull()) {
            origins.add("*");
        } else if (!o.isArray()) {
            throw new ConfigException("allowOrigins: must be a list of origins");
        } else {
            for (JsonNode e : o) {
                if (!e.isTextual() || e.asText().isBlank()) {
                    throw new ConfigException("allowOrigins: every entry must be a non-empty string");
                }
                origins.add(e.asText());
            }
        }
        var limits = new ProviderConfig.Limits(integer(root, "limits.maxOutputTokens", 16_384, 1, 10_000_000),
                (int) integer(root, "limits.maxConcurrentPerUser", 64, 1, 100_000));
        String imagesDir = str(root, "images.dir", null);
        var images = new ProviderConfig.Images(
                imagesDir == null ? ProviderConfig.Images.defaultDir(db.url()) : baseDir == null ? Path.of(imagesDir) : baseDir.resolve(imagesDir),
                Duration.ofSeconds(integer(root, "images.ttlSeconds", 3600, 1, 7 * 86_400)),
                integer(root, "images.maxBytes", ProviderConfig.Images.DEFAULT_MAX_BYTES, 1, Long.MAX_VALUE));
        var async = new ProviderConfig.Async(bool(root, "async.enabled", true),
                (int) integer(root, "async.workers", 2, 1, 256), (int) integer(root, "async.queueSize", 100, 1, 100_000),
                Duration.ofSeconds(integer(root, "async.resultTtlSeconds", 3600, 1, 7 * 86_400)));
        return new ProviderConfig(server, chain, provider, service, tee, db, settlement, caches, List.copyOf(origins),
                limits, images, async, lora(root, baseDir));
    }

    private static ProviderConfig.Lora lora(JsonNode root, Path baseDir) {
        if (!root.has("lora") || root.get("lora").isNull()) {
            return ProviderConfig.Lora.DISABLED;
        }
        Path storage = path(baseDir, requireStr(root, "lora.storageDir"));
        String contract = address(root, "lora.fineTuningContract");
        JsonNode t = root.path("lora").path("trustedFineTuningProviders");
        if (!t.isArray() || t.isEmpty()) {
            throw new ConfigException("lora.trustedFineTuningProviders: a non-empty list of fine-tuning provider"
                    + " addresses");
        }
        List<String> trusted = new ArrayList<>();
        for (JsonNode e : t) {
            if (!e.isTextual() || !e.asText().matches("0x[0-9a-fA-F]{40}")) {
                throw new ConfigException("lora.trustedFineTuningProviders: every entry must be a 0x address");
            }
            trusted.add(e.asText());
        }
        String adapters = str(root, "lora.adapterDir", "lora-adapters");
        try {
            return new ProviderConfig.Lora(new DevnetStorage(storage), contract, trusted, path(baseDir, adapters));
        } catch (IOException e) {
            throw new ConfigException("lora.storageDir: cannot use " + storage + ": " + e.getMessage(), e);
        }
    }

    private static Path path(Path baseDir, String p) {
        return baseDir == null ? Path.of(p) : baseDir.resolve(p);
    }

    /** Whether {@code yaml} is a fine-tuning server's config (it has a top-level {@code fineTuning} section). */
    public static boolean isFineTuning(String yaml) {
        try {
            JsonNode root = YAML.readTree(yaml);
            return root != null && root.isObject() && root.has("fineTuning");
        } catch (IOException e) {
            return false;
        }
    }

    public FineTuningConfig loadFineTuning(Path file) {
        return parseFineTuning(read(file), file.toAbsolutePath().getParent());
    }

    /**
     * The fine-tuning task server's config: {@code server} (default port 3081), {@code providerKey},
     * {@code tee} and {@code database} as for the inference broker, and
     * <pre>
     * chain:      { rpcUrl: …, chainId: 0, fineTuningContract: 0x… }
     * fineTuning: { url: https://public/, pricePerToken: 1 (neuron per token per epoch),
     *               quota: { cpuCount: 8, memory: 32, gpuCount: 1, storage: 500, gpuType: H100 },
     *               models: [ { name: mock-model, hash: 0xcb42… } ] (default: mock-model), trainer: dev,
     *               workDir: fine-tuning, maxTaskQueueSize: 5, maxDatasetBytes: 104857600,
     *               ackTimeoutSeconds: 21600, pollIntervalSeconds: 60, maxRetries: 3, signatureWindowSeconds: 300,
     *               datasetQuotaBytesPerUser: 1 GiB, datasetQuotaBytesTotal: 20 GiB, datasetTtlSeconds: 604800,
     *               trainerCommand: [argv…], trainerModelDir: "", trainerTimeoutSeconds: 0 (= lockTime/2),
     *               adapterFeed: { storageDir: ./storage, inferenceProviders: [ { url, publicKey } ] } (optional) }
     * </pre>
     */
    public FineTuningConfig parseFineTuning(String yaml, Path baseDir) {
        JsonNode root = readRoot(yaml);
        checkKeys(FINE_TUNING_KEYS, root, "");
        if (at(root, "fineTuning").isMissingNode()) {
            throw new ConfigException("fineTuning: is required");
        }
        var server = server(root, 3081);
        String rpc = requireStr(root, "chain.rpcUrl");
        requireUrl("chain.rpcUrl", rpc);
        var chain = new FineTuningConfig.Chain(rpc, integer(root, "chain.chainId", 0, 0, Long.MAX_VALUE),
                address(root, "chain.fineTuningContract"));
        Credentials provider = providerKey(root, baseDir);
        TeeKeySource tee = teeKey(root, baseDir);
        var db = database(root);
        String url = requireStr(root, "fineTuning.url");
        requireUrl("fineTuning.url", url);
        var quota = new FineTuningConfig.Quota(neuron(root, "fineTuning.quota.cpuCount", BigInteger.valueOf(8)),
                neuron(root, "fineTuning.quota.memory", BigInteger.valueOf(32)),
                neuron(root, "fineTuning.quota.gpuCount", BigInteger.ONE),
                neuron(root, "fineTuning.quota.storage", BigInteger.valueOf(500)),
                str(root, "fineTuning.quota.gpuType", "H100"));
        String trainer = str(root, "fineTuning.trainer", "dev");
        if (!"dev".equals(trainer) && !"command".equals(trainer)) {
            throw new ConfigException("fineTuning.trainer: 'dev' (the built-in development trainer, CPU) or 'command'"
                    + " (fineTuning.trainerCommand, the official executor interface), got '" + trainer + "'");
        }
        List<String> command = new ArrayList<>();
        JsonNode cmd = at(root, "fineTuning.trainerCommand");
        if (!cmd.isMissingNode() && !cmd.isNull()) {
            if (!cmd.isArray() || cmd.isEmpty()) {
                throw new ConfigException("fineTuning.trainerCommand: a non-empty list of strings (argv)");
            }
            cmd.forEach(a -> command.add(a.asText()));
        }
        if ("command".equals(trainer) && command.isEmpty()) {
            throw new ConfigException("fineTuning.trainerCommand: is required with fineTuning.trainer: command");
        }
        String modelDir = str(root, "fineTuning.trainerModelDir", "");
        var executor = new FineTuningConfig.Executor(command, modelDir.isEmpty() ? "" : baseDir.resolve(modelDir)
                .toString(), Duration.ofSeconds(integer(root, "fineTuning.trainerTimeoutSeconds", 0, 0, 30L * 86_400)));
        var service = new FineTuningConfig.Service(url, quota, neuron(root, "fineTuning.pricePerToken", null),
                models(root), trainer, baseDir.resolve(str(root, "fineTuning.workDir", "fine-tuning")),
                (int) integer(root, "fineTuning.maxTaskQueueSize", 5, 1, 1000),
                integer(root, "fineTuning.maxDatasetBytes", 100L * 1024 * 1024, 1, Long.MAX_VALUE),
                Duration.ofSeconds(integer(root, "fineTuning.ackTimeoutSeconds", 21_600, 0, 30L * 86_400)),
                Duration.ofSeconds(integer(root, "fineTuning.pollIntervalSeconds", 60, 1, 86_400)),
                (int) integer(root, "fineTuning.maxRetries", 3, 1, 100),
                Duration.ofSeconds(integer(root, "fineTuning.signatureWindowSeconds", 300, 1, 86_400)));
        var datasets = new FineTuningConfig.Datasets(
                integer(root, "fineTuning.datasetQuotaBytesPerUser", 1L << 30, 1, Long.MAX_VALUE),
                integer(root, "fineTuning.datasetQuotaBytesTotal", 20L << 30, 1, Long.MAX_VALUE),
                Duration.ofSeconds(integer(root, "fineTuning.datasetTtlSeconds", 7 * 86_400, 1, 365L * 86_400)));
        return new FineTuningConfig(server, chain, provider, tee, db, service, datasets, executor,
                adapterFeed(root, baseDir));
    }

    /**
     * {@code fineTuning.adapterFeed: { storageDir: ./storage, inferenceProviders: [ { url, publicKey } ] }}: where
     * delivered models go (the DevnetStorage stand-in; 0G Storage is not built) and which inference providers get
     * their keys (fine-tuning.md §1.10).
     */
    private static FineTuningConfig.AdapterFeed adapterFeed(JsonNode root, Path baseDir) {
        JsonNode n = at(root, "fineTuning.adapterFeed");
        if (n.isMissingNode() || n.isNull()) {
            return FineTuningConfig.AdapterFeed.NONE;
        }
        Path storage = path(baseDir, requireStr(root, "fineTuning.adapterFeed.storageDir"));
        JsonNode list = n.path("inferenceProviders");
        if (!list.isArray() || list.isEmpty()) {
            throw new ConfigException("fineTuning.adapterFeed.inferenceProviders: a non-empty list of { url, publicKey }");
        }
        List<FineTuningConfig.InferenceTarget> targets = new ArrayList<>();
        for (JsonNode t : list) {
            String url = t.path("url").asText("");
            String key = t.path("publicKey").asText("");
            requireUrl("fineTuning.adapterFeed.inferenceProviders.url", url);
            if (!key.matches("(0x)?(04)?[0-9a-fA-F]{128}")) {
                throw new ConfigException("fineTuning.adapterFeed.inferenceProviders.publicKey: the inference provider"
                        + " wallet's uncompressed public key (64 or 65 bytes hex)");
            }
            targets.add(new FineTuningConfig.InferenceTarget(url, key));
        }
        try {
            return new FineTuningConfig.AdapterFeed(new DevnetStorage(storage), targets);
        } catch (IOException e) {
            throw new ConfigException("fineTuning.adapterFeed.storageDir: cannot use " + storage + ": "
                    + e.getMessage(), e);
        }
    }

    /** {@code service.models}: the models served besides {@code service.model}, each with its own prices. */
    private static List<ProviderConfig.Model> serviceModels(JsonNode root, String defaultModel) {
        JsonNode n = at(root, "service.models");
        if (n.isMissingNode()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw new ConfigException("service.models: must be a list of { model, inputPrice, outputPrice }");
        }
        List<ProviderConfig.Model> out = new ArrayList<>();
        Set<String> seen = new HashSet<>(Set.of(defaultModel));
        for (int i = 0; i < n.size(); i++) {
            String path = "service.models[" + i + "]";
            JsonNode m = n.get(i);
            if (!m.isObject()) {
                throw new ConfigException(path + ": must be { model, inputPrice, outputPrice }");
            }
            m.fieldNames().forEachRemaining(k -> {
                if (!Set.of("model", "inputPrice", "outputPrice").contains(k)) {
                    throw new ConfigException(path + "." + k + ": unknown key (allowed here: inputPrice, model,"
                            + " outputPrice)");
                }
            });
            ProviderConfig.Model model;
            try {
                model = new ProviderConfig.Model(requireStr(m, "model"), neuron(m, "inputPrice", null),
                        neuron(m, "outputPrice", null));
            } catch (ConfigException e) {
                throw new ConfigException(path + "." + e.getMessage());
            }
            if (!seen.add(model.name())) {
                throw new ConfigException(path + ".model: '" + model.name() + "' is listed twice (service.model is"
                        + " served already, at service.inputPrice/outputPrice)");
            }
            out.add(model);
        }
        return out;
    }

    private static List<FineTuningConfig.Model> models(JsonNode root) {
        JsonNode n = at(root, "fineTuning.models");
        if (n.isMissingNode()) {
            return List.of(new FineTuningConfig.Model("mock-model", MOCK_MODEL_HASH));
        }
        if (!n.isArray() || n.isEmpty()) {
            throw new ConfigException("fineTuning.models: must be a non-empty list of { name, hash }");
        }
        List<FineTuningConfig.Model> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            JsonNode m = n.get(i);
            String path = "fineTuning.models[" + i + "]";
            if (!m.isObject() || !m.path("name").isTextual() || !m.has("hash") || m.size() != 2) {
                throw new ConfigException(path + ": must be { name, hash } (nothing else)");
            }
            if (!m.get("hash").isTextual()) {
                throw new ConfigException(path + ".hash: must be a quoted string \"0x…\" (YAML reads an unquoted 0x… as"
                        + " a number)");
            }
            String hash = m.get("hash").asText().trim().toLowerCase();
            if (!hash.matches("0x[0-9a-f]{64}")) {
                throw new ConfigException(path + ".hash: must be a 0x-prefixed 32-byte hex root hash, got '" + hash + "'");
            }
            out.add(new FineTuningConfig.Model(m.get("name").asText().trim(), hash));
        }
        return out;
    }

    private static JsonNode readRoot(String yaml) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ConfigException("config is not valid YAML: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ConfigException("config cannot be read: " + e.getMessage(), e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new ConfigException("config is empty");
        }
        if (!root.isObject()) {
            throw new ConfigException("config must be a YAML mapping at the top level");
        }
        return root;
    }

    private static ProviderConfig.Server server(JsonNode root, int defaultPort) {
        ServerLimits d = ServerLimits.DEFAULTS;
        ServerLimits limits = new ServerLimits(
                Duration.ofSeconds(integer(root, "server.headerTimeoutSeconds", d.headerTimeout().toSeconds(), 1, 600)),
                Duration.ofSeconds(integer(root, "server.bodyTimeoutSeconds", d.bodyTimeout().toSeconds(), 1, 3_600)),
                Duration.ofSeconds(integer(root, "server.idleTimeoutSeconds", d.idleTimeout().toSeconds(), 1, 3_600)));
        return new ProviderConfig.Server(str(root, "server.host", "0.0.0.0"),
                (int) integer(root, "server.port", defaultPort, 0, 65535), bool(root, "server.metrics", true),
                str(root, "server.metricsHost", ProviderConfig.Server.DEFAULT_METRICS_HOST),
                (int) integer(root, "server.metricsPort", ProviderConfig.Server.DEFAULT_METRICS_PORT, 0, 65535), limits,
                (int) integer(root, "server.eventLoops", ProviderConfig.Server.defaultEventLoops(), 1, 64));
    }

    private ProviderConfig.Database database(JsonNode root) {
        String dbUrl = str(root, "database.url", "jdbc:sqlite:provider.db");
        if (!dbUrl.startsWith("jdbc:sqlite:") && !dbUrl.startsWith("jdbc:postgresql:")) {
            throw new ConfigException("database.url: must be a jdbc:sqlite: or jdbc:postgresql: URL, got '" + dbUrl + "'");
        }
        String pwEnv = str(root, "database.passwordEnv", null);
        if (pwEnv != null && env.get(pwEnv) == null) {
            throw new ConfigException("database.passwordEnv: environment variable " + pwEnv + " is not set");
        }
        return new ProviderConfig.Database(dbUrl, str(root, "database.user", null), pwEnv == null ? null : env.get(pwEnv),
                Duration.ofDays(integer(root, "database.retentionDays", ProviderConfig.Database.DEFAULT_RETENTION.toDays(),
                        1, 3_650)));
    }

    private Credentials providerKey(JsonNode root, Path baseDir) {
        String keystore = str(root, "providerKey.keystore", null);
        if (keystore != null) {
            String pwEnv = str(root, "providerKey.passwordEnv", "ZG_KEYSTORE_PASSWORD");
            String pw = env.get(pwEnv);
            if (pw == null) {
                throw new ConfigException("providerKey.passwordEnv: environment variable " + pwEnv + " is not set");
            }
            try {
                return WalletUtils.loadCredentials(pw, baseDir.resolve(keystore).toFile());
            } catch (IOException | CipherException e) {
                throw new ConfigException("providerKey.keystore: cannot open " + keystore + ": " + e.getMessage());
            }
        }
        String var = str(root, "providerKey.env", "ZG_PROVIDER_KEY");
        return Credentials.create(hexKey("providerKey.env", var, env.get(var)));
    }

    private TeeKeySource teeKey(JsonNode root, Path baseDir) {
        String mode = str(root, "tee.mode", "local");
        switch (mode) {
            case "local" -> {
                onlyFor(root, "tee.mode dstack", "tee.dstackSocket", "tee.dstackKeyDerivation", "tee.dstackKeyPath",
                        "tee.tappdSocket");
                return localTeeKey(root, baseDir);
            }
            case "dstack" -> {
                onlyFor(root, "tee.mode local", "tee.keyEnv", "tee.keyFile");
                return dstackTeeKey(root, baseDir);
            }
            default -> throw new ConfigException("tee.mode: must be 'local' or 'dstack', got '" + mode + "'");
        }
    }

    private static TeeKeySource dstackTeeKey(JsonNode root, Path baseDir) {
        Path socket = baseDir.resolve(str(root, "tee.dstackSocket", DstackTeeKeySource.DEFAULT_SOCKET.toString()));
        String derivation = str(root, "tee.dstackKeyDerivation", "getKey");
        try {
            switch (derivation) {
                case "getKey" -> {
                    onlyFor(root, "tee.dstackKeyDerivation tappd", "tee.tappdSocket");
                    return DstackTeeKeySource.connect(socket,
                            str(root, "tee.dstackKeyPath", DstackTeeKeySource.DEFAULT_KEY_PATH));
                }
                case "tappd" -> {
                    onlyFor(root, "tee.dstackKeyDerivation getKey", "tee.dstackKeyPath");
                    Path tappd = baseDir.resolve(str(root, "tee.tappdSocket", "/var/run/tappd.sock"));
                    return DstackTeeKeySource.connectWithTappdKey(socket, tappd, DstackTeeKeySource.DEFAULT_TIMEOUT);
                }
                default -> throw new ConfigException("tee.dstackKeyDerivation: must be 'getKey' or 'tappd', got '"
                        + derivation + "'");
            }
        } catch (IOException e) {
            throw new ConfigException((derivation.equals("tappd") ? "tee.dstackSocket, tee.tappdSocket" : "tee.dstackSocket")
                    + ": cannot get the TEE key from the dstack guest agent: "
                    + e.getMessage() + "; run the broker inside a dstack CVM with the agent's socket mounted,"
                    + " or use tee.mode: local");
        }
    }

    /** Keys that belong to another setting are errors, not silently ignored. */
    private static void onlyFor(JsonNode root, String setting, String... keys) {
        for (String k : keys) {
            if (!at(root, k).isMissingNode()) {
                throw new ConfigException(k + ": only used with " + setting);
            }
        }
    }

    private TeeKeySource localTeeKey(JsonNode root, Path baseDir) {
        String file = str(root, "tee.keyFile", null);
        if (file != null) {
            try {
                return LocalTeeKeySource.fromHex(hexKey("tee.keyFile", file,
                        Files.readString(baseDir.resolve(file)).trim()));
            } catch (IOException e) {
                throw new ConfigException("tee.keyFile: cannot read " + file + ": " + e.getMessage());
            }
        }
        String var = str(root, "tee.keyEnv", "ZG_TEE_KEY");
        return LocalTeeKeySource.fromHex(hexKey("tee.keyEnv", var, env.get(var)));
    }

    private static String hexKey(String key, String source, String value) {
        if (value == null || value.isBlank()) {
            throw new ConfigException(key + ": no private key in " + source);
        }
        String v = value.trim();
        if (!v.matches("(0x)?[0-9a-fA-F]{64}")) {
            // never echo the value: it may be a mistyped secret
            throw new ConfigException(key + ": " + source + " does not hold a 32-byte hex private key");
        }
        return v;
    }

    private static void checkKeys(Map<String, Set<String>> keys, JsonNode node, String prefix) {
        Set<String> allowed = keys.get(prefix);
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            var e = it.next();
            String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (!allowed.contains(e.getKey())) {
                throw new ConfigException(path + ": unknown key (allowed here: " + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
            if (keys.containsKey(path)) {
                if (!e.getValue().isObject()) {
                    throw new ConfigException(path + ": must be a mapping");
                }
                checkKeys(keys, e.getValue(), path);
            }
        }
    }

    private static JsonNode at(JsonNode root, String path) {
        JsonNode n = root;
        for (String part : path.split("\\.")) {
            n = n.path(part);
        }
        return n.isNull() ? MissingNode.getInstance() : n;
    }

    private static String str(JsonNode root, String path, String def) {
        JsonNode n = at(root, path);
        if (n.isMissingNode()) {
            return def;
        }
        if (!n.isValueNode() || n.asText().isBlank()) {
            throw new ConfigException(path + ": must be a non-empty string");
        }
        return n.asText().trim();
    }

    private static boolean bool(JsonNode root, String path, boolean def) {
        JsonNode n = at(root, path);
        if (n.isMissingNode()) {
            return def;
        }
        if (!n.isBoolean()) {
            throw new ConfigException(path + ": must be true or false, got '" + n.asText() + "'");
        }
        return n.asBoolean();
    }

    private static String requireStr(JsonNode root, String path) {
        String s = str(root, path, null);
        if (s == null) {
            throw new ConfigException(path + ": is required");
        }
        return s;
    }

    private static void requireUrl(String path, String url) {
        try {
            URI u = URI.create(url);
            if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
                throw new IllegalArgumentException();
            }
        } catch (IllegalArgumentException e) {
            throw new ConfigException(path + ": must be an http(s) URL, got '" + url + "'");
        }
    }

    private static String address(JsonNode root, String path) {
        String a = requireStr(root, path);
        if (!a.matches("0x[0-9a-fA-F]{40}")) {
            throw new ConfigException(path + ": must be a 0x-prefixed 20-byte address, got '" + a + "'");
        }
        return a;
    }

    private static long integer(JsonNode root, String path, long def, long min, long max) {
        JsonNode n = at(root, path);
        if (n.isMissingNode()) {
            return def;
        }
        long v;
        if (n.isIntegralNumber() && n.canConvertToLong()) {
            v = n.asLong();
        } else if (n.isTextual() && n.asText().trim().matches("-?\\d{1,18}")) {
            v = Long.parseLong(n.asText().trim());
        } else {
            throw new ConfigException(path + ": must be an integer, got '" + n.asText() + "'");
        }
        if (v < min || v > max) {
            throw new ConfigException(path + ": must be within " + min + ".." + max + ", got " + v);
        }
        return v;
    }

    /** Neuron amounts: whole numbers (string or integer), never floats. */
    private static BigInteger neuron(JsonNode root, String path, BigInteger def) {
        JsonNode n = at(root, path);
        if (n.isMissingNode()) {
            if (def == null) {
                throw new ConfigException(path + ": is required (neuron per token, a whole number)");
            }
            return def;
        }
        String s = n.isIntegralNumber() ? n.bigIntegerValue().toString() : n.isTextual() ? n.asText().trim() : null;
        if (s == null || !s.matches("\\d{1,78}")) {
            throw new ConfigException(path + ": must be a non-negative whole number of neuron, got '" + n.asText() + "'");
        }
        return new BigInteger(s);
    }

    private static Map<String, String> stringMap(JsonNode root, String path) {
        JsonNode n = at(root, path);
        Map<String, String> out = new LinkedHashMap<>();
        if (n.isMissingNode()) {
            return out;
        }
        if (!n.isObject()) {
            throw new ConfigException(path + ": must be a mapping of header name to value");
        }
        n.fields().forEachRemaining(e -> {
            if (!e.getValue().isValueNode()) {
                throw new ConfigException(path + "." + e.getKey() + ": must be a string");
            }
            out.put(e.getKey(), e.getValue().asText());
        });
        return out;
    }

    private static Map<String, Object> objectMap(JsonNode root, String path) {
        JsonNode n = at(root, path);
        if (n.isMissingNode()) {
            return new LinkedHashMap<>();
        }
        if (!n.isObject()) {
            throw new ConfigException(path + ": must be a mapping");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = YAML.convertValue(n, LinkedHashMap.class);
        return m;
    }
}
