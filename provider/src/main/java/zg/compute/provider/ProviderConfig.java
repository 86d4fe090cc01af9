package zg.compute.provider;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.web3j.crypto.Credentials;
import zg.compute.server.ServerLimits;

/**
 * Everything the broker needs, validated: see {@link ConfigLoader} for the YAML keys and defaults.
 *
 * @param server     where the HTTP API listens
 * @param chain      RPC and the InferenceServing proxy address
 * @param provider   the provider wallet (sends registration and settlement transactions)
 * @param service    what is sold, at which prices, and where the model server is
 * @param teeKey     the key that signs responses and settlements
 * @param database   JDBC URL of the store
 * @param settlement settlement worker timing
 * @param caches     lifetimes of the auth caches and of stored response signatures
 * @param allowOrigins CORS origins
 * @param limits     per-request and per-user limits of the billed route
 * @param images     broker-hosted images ({@code response_format: url})
 * @param async      async image jobs ({@code /v1/async/…})
 * @param lora       LoRA adapters delivered by fine-tuning providers ({@code /v1/lora/…})
 */
public record ProviderConfig(Server server, Chain chain, Credentials provider, Service service, TeeKeySource teeKey,
        Database database, Settlement settlement, Caches caches, List<String> allowOrigins, Limits limits,
        Images images, Async async, Lora lora) {

    /** Without LoRA serving. */
    public ProviderConfig(Server server, Chain chain, Credentials provider, Service service, TeeKeySource teeKey,
            Database database, Settlement settlement, Caches caches, List<String> allowOrigins, Limits limits,
            Images images, Async async) {
        this(server, chain, provider, service, teeKey, database, settlement, caches, allowOrigins, limits, images,
                async, Lora.DISABLED);
    }

    /**
     * Serving fine-tuned adapters (fine-tuning.md §1.10).
     *
     * @param storage            where fine-tuning providers leave encrypted models (null: LoRA off)
     * @param fineTuningContract the FineTuningServing proxy whose deliverables say who owns an adapter
     * @param trustedProviders   fine-tuning provider addresses whose adapter keys are accepted
     * @param dir                where deployed adapters are unpacked (the model server must read it)
     */
    public record Lora(ModelStorage storage, String fineTuningContract, List<String> trustedProviders, Path dir) {
        public static final Lora DISABLED = new Lora(null, null, List.of(), null);

        public Lora {
            trustedProviders = List.copyOf(trustedProviders);
        }

        public boolean enabled() {
            return storage != null;
        }
    }

    /** The defaults for images (next to a SQLite database) and async jobs. */
    public ProviderConfig(Server server, Chain chain, Credentials provider, Service service, TeeKeySource teeKey,
            Database database, Settlement settlement, Caches caches, List<String> allowOrigins, Limits limits) {
        this(server, chain, provider, service, teeKey, database, settlement, caches, allowOrigins, limits,
                Images.defaults(database.url()), Async.defaults());
    }

    /**
     * @param dir      where hosted images live, one directory per response
     * @param ttl      how long a hosted image is served (then 404 and deleted)
     * @param maxBytes the most the directory holds; a {@code url} answer that does not fit is sent as {@code b64_json}
     */
    public record Images(Path dir, Duration ttl, long maxBytes) {

        public static final Duration DEFAULT_TTL = Duration.ofHours(1);
        public static final long DEFAULT_MAX_BYTES = 1L << 30;

        /** Beside a SQLite database file ({@code <file>.images}), else {@code broker-images} in the working directory. */
        public static Images defaults(String databaseUrl) {
            return new Images(defaultDir(databaseUrl), DEFAULT_TTL, DEFAULT_MAX_BYTES);
        }

        public static Path defaultDir(String databaseUrl) {
            if (databaseUrl != null && databaseUrl.startsWith("jdbc:sqlite:")) {
                String file = databaseUrl.substring("jdbc:sqlite:".length()).replaceFirst("\\?.*$", "")
                        .replaceFirst("^file:", "");
                if (!file.isBlank() && !file.contains(":memory:")) {
                    return Path.of(file + ".images");
                }
            }
            return Path.of("broker-images");
        }
    }

    /**
     * @param enabled   serve {@code /v1/async/…} (image services only); off: 503
     * @param workers   jobs running upstream at once
     * @param queueSize jobs waiting for a worker; more are refused
     * @param resultTtl how long a finished job can be read
     */
    public record Async(boolean enabled, int workers, int queueSize, Duration resultTtl) {
        public static Async defaults() {
            return new Async(true, 2, 100, Duration.ofHours(1));
        }
    }

    /**
     * @param maxOutputTokens      output reserved for a request that sets no {@code max_tokens} (more is never billed)
     * @param maxConcurrentPerUser requests of one user in flight at once; more are answered 429
     */
    public record Limits(long maxOutputTokens, int maxConcurrentPerUser) {
        public static Limits defaults() {
            return new Limits(16_384, 64);
        }
    }

    /**
     * @param password  from the env var named by {@code database.passwordEnv}; never printed
     * @param retention finished request rows (settled, failed, swept) older than this are pruned; the
     *                  billed/settled totals stay exact
     */
    public record Database(String url, String user, String password, Duration retention) {

        public static final Duration DEFAULT_RETENTION = Duration.ofDays(7);

        public Database(String url, String user, String password) {
            this(url, user, password, DEFAULT_RETENTION);
        }

        @Override
        public String toString() {
            return "Database[url=" + url + ", user=" + user + ", retention=" + retention + "]";
        }
    }

    /**
     * @param metrics     serve Prometheus {@code GET /metrics} on a listener of its own at
     *                    {@code metricsHost:metricsPort} (loopback by default: keep it off the public internet)
     * @param metricsPort 0 = any free port
     * @param limits      header, body and idle timeouts of every listener
     * @param eventLoops  event loops serving the API port (one listener each on the one socket; Vert.x hands the
     *                    accepted connections to them in turn)
     */
    public record Server(String host, int port, boolean metrics, String metricsHost, int metricsPort,
            ServerLimits limits, int eventLoops) {

        public static final String DEFAULT_METRICS_HOST = "127.0.0.1";
        public static final int DEFAULT_METRICS_PORT = 9464;

        public Server {
            if (eventLoops < 1) {
                throw new IllegalArgumentException("server.eventLoops must be at least 1, got " + eventLoops);
            }
        }

        public Server(String host, int port, boolean metrics, String metricsHost, int metricsPort,
                ServerLimits limits) {
            this(host, port, metrics, metricsHost, metricsPort, limits, defaultEventLoops());
        }

        /** For programs and tests: metrics on any free loopback port, the default limits. */
        public Server(String host, int port, boolean metrics) {
            this(host, port, metrics, DEFAULT_METRICS_HOST, 0, ServerLimits.DEFAULTS);
        }

        /** One per core, at most 8: the broker's work per request is CPU (signing, hashing, HTTP both ways). */
        public static int defaultEventLoops() {
            return Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors()));
        }
    }

    /** @param chainId 0 = ask the node */
    public record Chain(String rpcUrl, long chainId, String inferenceContract) {
    }

    /**
     * @param targetUrl         base URL of an OpenAI-compatible model server, or {@code dev} for the built-in
     *                          development backend
     * @param additionalSecret  headers added to every upstream request (e.g. the model server's API key)
     * @param additionalInfo    keys published on chain in {@code additionalInfo} (merged over the defaults)
     */
    public record Service(String type, String model, String url, String verifiability, BigInteger inputPrice,
            BigInteger outputPrice, String targetUrl, Map<String, String> additionalSecret,
            Map<String, Object> additionalInfo, List<Model> models) {

        /**
         * @param models every model served behind this address, the on-chain default ({@code model} at
         *               {@code inputPrice}/{@code outputPrice}) first; empty = just that one
         */
        public Service {
            List<Model> all = new ArrayList<>();
            all.add(new Model(model, inputPrice, outputPrice));
            for (Model m : models == null ? List.<Model>of() : models) {
                if (!m.name().equals(model)) {
                    all.add(m);
                }
            }
            models = List.copyOf(all);
        }

        /** A single-model service. */
        public Service(String type, String model, String url, String verifiability, BigInteger inputPrice,
                BigInteger outputPrice, String targetUrl, Map<String, String> additionalSecret,
                Map<String, Object> additionalInfo) {
            this(type, model, url, verifiability, inputPrice, outputPrice, targetUrl, additionalSecret, additionalInfo,
                    List.of());
        }

        public boolean devBackend() {
            return "dev".equals(targetUrl);
        }

        /** Whether several models are served behind this address (published as {@code MultiModel} on chain). */
        public boolean multiModel() {
            return models.size() > 1;
        }
    }

    /**
     * One model a service sells, with its own prices (neuron per the service type's unit).
     *
     * @param name the id clients put in a request's {@code model}
     */
    public record Model(String name, BigInteger inputPrice, BigInteger outputPrice) {
    }

    /**
     * @param interval          how often the worker runs
     * @param thresholdNeuron   also settle early once any user's unsettled fees reach this (0 = off)
     * @param batchSize         users per settleFeesWithTEE call (1..50)
     * @param refundBuffer      settle when a user's refund matures within this time
     * @param refundCheck       how often pending refunds are looked at
     * @param receiptTimeout    how long one run waits for a settlement receipt (then the next run looks again)
     * @param replaceAfter      an unmined settlement transaction is replaced (same nonce, higher fee) after this
     */
    public record Settlement(Duration interval, BigInteger thresholdNeuron, int batchSize, Duration refundBuffer,
            Duration refundCheck, Duration receiptTimeout, Duration replaceAfter) {

        /** The documented defaults with another interval. */
        public static Settlement every(Duration interval) {
            return new Settlement(interval, BigInteger.ZERO, 50, Duration.ofSeconds(600), Duration.ofSeconds(60),
                    Duration.ofSeconds(60), Duration.ofSeconds(180));
        }
    }

    public record Caches(Duration account, Duration token, Duration signature) {
    }
}
