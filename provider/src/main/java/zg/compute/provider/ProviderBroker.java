package zg.compute.provider;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zg.compute.provider.internal.auth.Authenticator;
import zg.compute.provider.internal.billing.BalanceGate;
import zg.compute.provider.internal.chain.AccountCache;
import zg.compute.provider.internal.chain.ProviderChain;
import zg.compute.provider.internal.chain.RpcOutage;
import zg.compute.provider.internal.chain.ServiceStatus;
import zg.compute.provider.internal.chain.FineTuningChain;
import zg.compute.provider.internal.http.BrokerHttp;
import zg.compute.provider.internal.lora.LoraAdapters;
import zg.compute.provider.internal.service.AdapterModels;
import zg.compute.provider.internal.metrics.BrokerMetrics;
import zg.compute.provider.internal.registration.ServiceRegistrar;
import zg.compute.provider.internal.settlement.SettlementFault;
import zg.compute.provider.internal.service.HostedImages;
import zg.compute.provider.internal.service.ModelCatalog;
import zg.compute.provider.internal.service.ServiceStrategies;
import zg.compute.provider.internal.service.ServiceStrategy;
import zg.compute.provider.internal.settlement.SettlementWorker;
import zg.compute.provider.internal.store.JdbcStore;

/**
 * The running provider broker: store, chain registration, HTTP API and the settlement worker.
 * Start it with {@link #start(ProviderConfig)}; {@link #close()} stops everything.
 */
public final class ProviderBroker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ProviderBroker.class);

    /** How often this instance records that it is alive, and after how long without that it counts as dead. */
    static final Duration HEARTBEAT = Duration.ofSeconds(5);
    static final Duration STALE_INSTANCE = Duration.ofSeconds(30);
    private static final Duration SWEEP = Duration.ofSeconds(30);
    private static final Duration PRUNE = Duration.ofHours(1);

    /**
     * @param clock              time for token expiry and TTLs
     * @param scheduleSettlement run the settlement worker on {@code settlement.intervalSeconds} (tests
     *                           call {@link #settleNow()} instead)
     * @param fault              settlement crash hook (tests only)
     */
    public record Options(Clock clock, boolean scheduleSettlement, SettlementFault fault) {
        public static Options defaults() {
            return new Options(Clock.systemUTC(), true, SettlementFault.NONE);
        }
    }

    private final Vertx vertx;
    private final Store store;
    private final ProviderChain chain;
    private final ModelBackend backend;
    private final BrokerHttp http;
    private final SettlementWorker settlement;
    private final ScheduledExecutorService scheduler;
    private final ServiceRegistrar.Result registration;
    private final int port;
    private final String teeSigner;
    private final long refundBufferSeconds;
    private final BrokerMetrics metrics;
    /** The chain's reachability as every part of the broker sees it. */
    private final RpcOutage outage;
    private final HostedImages images;
    private final String metricsHost;
    /** Fine-tuned adapters served here, else null. */
    private final LoraAdapters lora;

    private ProviderBroker(Vertx vertx, Store store, ProviderChain chain, ModelBackend backend, BrokerHttp http,
            SettlementWorker settlement, ScheduledExecutorService scheduler, ServiceRegistrar.Result registration,
            int port, String teeSigner, long refundBufferSeconds, BrokerMetrics metrics, HostedImages images,
            String metricsHost, RpcOutage outage, LoraAdapters lora) {
        this.lora = lora;
        this.outage = outage;
        this.images = images;
        this.metricsHost = metricsHost;
        this.vertx = vertx;
        this.store = store;
        this.chain = chain;
        this.backend = backend;
        this.http = http;
        this.settlement = settlement;
        this.scheduler = scheduler;
        this.registration = registration;
        this.port = port;
        this.teeSigner = teeSigner;
        this.refundBufferSeconds = refundBufferSeconds;
        this.metrics = metrics;
    }

    public static ProviderBroker start(ProviderConfig config) {
        return start(config, Options.defaults());
    }

    public static ProviderBroker start(ProviderConfig config, Options options) {
        TeeKeySource tee = config.teeKey();
        if (!tee.attested()) {
            log.warn("TEE signer {} comes from a '{}' key source: UNATTESTED, nothing proves it runs in a TEE",
                    tee.address(), tee.kind());
        } else {
            log.info("TEE signer: {}", tee);
        }
        Store store = JdbcStore.open(config.database().url(), config.database().user(), config.database().password());
        Vertx vertx = null;
        try {
            int swept = store.sweepPending(STALE_INSTANCE);
            log.info("start-up: {} request(s) left pending by a stopped broker instance swept (never billed,"
                    + " reservations released)", swept);
            int pruned = store.pruneFinished(options.clock().millis() - config.database().retention().toMillis());
            if (pruned > 0) {
                log.info("start-up: pruned {} finished request row(s) older than {}", pruned, config.database().retention());
            }
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        ProviderChain chain = null;
        ModelBackend backend = null;
        LoraAdapters lora = null;
        try {
            chain = new ProviderChain(config.chain().rpcUrl(), config.chain().chainId(),
                    config.chain().inferenceContract(), config.provider());
            ServiceRegistrar.Result reg = new ServiceRegistrar(chain).sync(config.service(), tee.address());

            // epoll where Netty's native library loads (Linux x86-64 ships in the jar): fewer system calls per
            // relayed request than the JDK selector; elsewhere Vert.x falls back to NIO by itself
            vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
            log.info("network transport: {}", vertx.isNativeTransportEnabled() ? "native epoll" : "JDK NIO");
            backend = config.service().devBackend() ? DevModelBackend.start(vertx, 0)
                    : ModelBackend.external(config.service().targetUrl());
            Clock clock = options.clock();
            ProviderChain c = chain;
            RpcOutage outage = new RpcOutage(clock, RpcOutage.WINDOW);
            AccountCache accounts = new AccountCache(c::account, config.caches().account(), clock, outage);
            ServiceStatus service = new ServiceStatus(
                    () -> c.service().map(s -> Boolean.TRUE.equals(s.teeSignerAcknowledged)).orElse(false),
                    config.caches().account(), clock, outage);
            String provider = chain.providerAddress();
            Authenticator auth = new Authenticator(provider, accounts, config.caches().token(), clock);
            BrokerMetrics metrics = new BrokerMetrics(store::oldestUnsettledMillis, clock);
            ModelCatalog catalog = new ModelCatalog(config.service().models());
            HostedImages images = hostedImages(config, clock);
            lora = loraAdapters(config, provider, backend.baseUrl(), clock);
            ServiceStrategy strategy = ServiceStrategies.forType(config.service().type(), catalog,
                    config.limits().maxOutputTokens(), images, lora == null ? AdapterModels.NONE : lora);
            BrokerHttp http = new BrokerHttp(vertx, config, strategy, catalog, backend.baseUrl(), auth,
                    new BalanceGate(store, accounts, provider), service,
                    store, tee, provider, clock, metrics, images, lora);
            int port = http.start(config.server().host(), config.server().port());
            SettlementWorker worker = new SettlementWorker(store, chain, tee, config.settlement().batchSize(),
                    config.settlement().receiptTimeout(), config.settlement().replaceAfter(), clock, options.fault(),
                    accounts::invalidate);
            // Two threads: a long settlement run (waiting for a receipt) never delays the heartbeat.
            ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, new ThreadFactory() {
                private final AtomicInteger n = new AtomicInteger();

                @Override
                public Thread newThread(Runnable r) {
                    Thread t = new Thread(r, "broker-scheduler-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }
            });
            ProviderBroker broker = new ProviderBroker(vertx, store, chain, backend, http, worker, scheduler, reg, port,
                    tee.address(), config.settlement().refundBuffer().toSeconds(), metrics, images,
                    config.server().metricsHost(), outage, lora);
            broker.scheduleMaintenance(config, options.clock());
            if (options.scheduleSettlement()) {
                broker.schedule(config.settlement());
            }
            log.info("provider broker for {} listening on port {}{}", provider, port, http.metricsPort() < 0 ? ""
                    : ", metrics on " + config.server().metricsHost() + ":" + http.metricsPort());
            return broker;
        } catch (RuntimeException e) {
            if (lora != null) {
                lora.close();
            }
            if (backend != null) {
                backend.close();
            }
            if (vertx != null) {
                vertx.close();
            }
            if (chain != null) {
                chain.close();
            }
            store.close();
            throw e;
        }
    }

    /** LoRA serving when configured (chat services only): null otherwise. */
    private static LoraAdapters loraAdapters(ProviderConfig config, String provider, String backend, Clock clock) {
        ProviderConfig.Lora c = config.lora();
        if (!c.enabled()) {
            return null;
        }
        if (!config.service().type().equals("chatbot")) {
            throw new ConfigException("lora: LoRA adapters are served by chatbot services only");
        }
        FineTuningChain ft = new FineTuningChain(config.chain().rpcUrl(), config.chain().chainId(),
                c.fineTuningContract(), config.provider());
        log.info("LoRA serving on: adapters from {} unpacked in {}", c.trustedProviders(), c.dir().toAbsolutePath());
        return new LoraAdapters(c.storage(), ft, c.trustedProviders(), provider, config.provider().getEcKeyPair(),
                c.dir(), backend, clock).startWatching();
    }

    private void schedule(ProviderConfig.Settlement cfg) {
        long tick = Math.min(Math.min(cfg.interval().toMillis(), cfg.refundCheck().toMillis()), 5_000);
        long[] last = {0, 0};
        boolean[] unfinished = {false}; // the last run threw: run again at once to recover what it left
        scheduler.scheduleWithFixedDelay(() -> {
            guarded("settlement run", outage, () -> {
                long now = System.currentTimeMillis();
                boolean due = last[0] == 0 || unfinished[0] || now - last[0] >= cfg.interval().toMillis()
                        || overThreshold(cfg);
                if (!due && now - last[1] >= cfg.refundCheck().toMillis()) {
                    last[1] = now;
                    due = settlement.refundMaturingSoon(cfg.refundBuffer().toSeconds());
                }
                if (due) {
                    last[0] = now;
                    unfinished[0] = true;
                    var o = settleNow();
                    unfinished[0] = false;
                    outage.ok();
                    if (o.itemsSent() > 0 || o.itemsRejected() > 0) {
                        log.info("settlement run: {} items sent, {} rejected, {} neuron settled", o.itemsSent(),
                                o.itemsRejected(), o.settled());
                    }
                    if (o.unresolved() > 0) {
                        last[0] = 0; // a transaction is still open: look again on the next tick
                    }
                }
            });
        }, 0, tick, TimeUnit.MILLISECONDS);
    }

    /**
     * The image store of an image service ({@code response_format: url}); null for other types, or when the
     * directory cannot be used (then url requests are refused with the spec's text, which points here).
     */
    private static HostedImages hostedImages(ProviderConfig config, Clock clock) {
        if (!ServiceStrategies.ASYNC_TYPES.contains(config.service().type())) {
            return null;
        }
        ProviderConfig.Images c = config.images();
        try {
            HostedImages h = HostedImages.open(c.dir(), c.ttl(), c.maxBytes(), clock, config.service().url());
            log.info("image store: {} (ttl {}, at most {} bytes)", c.dir().toAbsolutePath(), c.ttl(), c.maxBytes());
            return h;
        } catch (IOException | RuntimeException e) {
            log.error("newImageStore error: {} cannot be used ({}); response_format=url is refused", c.dir(),
                    e.toString());
            return null;
        }
    }

    /**
     * Heartbeat every {@link #HEARTBEAT}; sweep pending rows of dead instances every {@link #SWEEP} (with the
     * async jobs they carried) and delete expired hosted images and async results; prune finished rows past
     * the retention every {@link #PRUNE}.
     */
    private void scheduleMaintenance(ProviderConfig config, Clock clock) {
        Duration retention = config.database().retention();
        long[] last = {System.currentTimeMillis(), System.currentTimeMillis()};
        scheduler.scheduleWithFixedDelay(() -> guarded("store maintenance", () -> {
            store.heartbeat();
            long now = System.currentTimeMillis();
            if (now - last[0] >= SWEEP.toMillis()) {
                last[0] = now;
                int swept = store.sweepPending(STALE_INSTANCE);
                if (swept > 0) {
                    log.warn("swept {} request(s) left pending by a broker instance without a heartbeat for {}", swept,
                            STALE_INSTANCE);
                }
                store.pruneJobs(clock.millis() - config.async().resultTtl().toMillis());
                if (images != null) {
                    try {
                        images.prune();
                    } catch (IOException e) {
                        log.warn("pruning hosted images failed: {}", e.toString());
                    }
                }
            }
            if (now - last[1] >= PRUNE.toMillis()) {
                last[1] = now;
                store.pruneFinished(clock.millis() - retention.toMillis());
            }
        }), HEARTBEAT.toMillis(), HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * A scheduled task must never stop for good: a throwing task is never run again by the executor, so
     * everything is caught, logged and the schedule goes on. That includes {@link Error}s (an
     * assertion, a linkage problem, a StackOverflowError in one run); a {@link VirtualMachineError} such as
     * OutOfMemoryError is logged as fatal but the schedule is still kept — a broker that keeps billing
     * while its settlement silently stopped would be worse than one that retries.
     */
    static void guarded(String what, Runnable task) {
        guarded(what, null, task);
    }

    /**
     * {@link #guarded} where an unreachable chain is part of an outage ({@code outage}: one line when it starts,
     * a summary at most every {@link RpcOutage#WINDOW}) rather than a stack trace on every tick.
     */
    static void guarded(String what, RpcOutage outage, Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            if (outage != null && RpcOutage.isUnreachable(e)) {
                outage.failed(e);
            } else {
                log.error("{} failed; will retry on the next tick", what, e);
            }
        } catch (VirtualMachineError e) {
            log.error("FATAL in {}: {}; the schedule continues, but this JVM should be restarted", what, e.toString(), e);
        } catch (Throwable e) { // NOPMD: see above
            log.error("{} failed; will retry on the next tick", what, e);
        }
    }

    private boolean overThreshold(ProviderConfig.Settlement cfg) {
        if (cfg.thresholdNeuron().signum() == 0) {
            return false;
        }
        return store.billableRows().values().stream()
                .map(rows -> rows.stream().map(Store.BillableRow::outstanding).reduce(BigInteger.ZERO, BigInteger::add))
                .anyMatch(sum -> sum.compareTo(cfg.thresholdNeuron()) >= 0);
    }

    /** Whether a user's pending refund matures within the configured buffer (a settlement trigger). */
    public boolean refundMaturingSoon() {
        return settlement.refundMaturingSoon(refundBufferSeconds);
    }

    /** Runs one settlement pass now (recovery included) and returns what it did. */
    public SettlementWorker.Outcome settleNow() {
        SettlementWorker.Outcome o = settlement.settleOnce();
        metrics.settled(o.settled());
        return o;
    }

    public int port() {
        return port;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** Where Prometheus scrapes ({@code http://host:port/metrics}), or null when {@code server.metrics} is off. */
    public String metricsUrl() {
        int p = http.metricsPort();
        if (p < 0) {
            return null;
        }
        String h = metricsHost.contains(":") ? "[" + metricsHost + "]" : metricsHost;
        return "http://" + (h.equals("0.0.0.0") ? "127.0.0.1" : h) + ":" + p + "/metrics";
    }

    public String providerAddress() {
        return chain.providerAddress();
    }

    public String teeSignerAddress() {
        return teeSigner;
    }

    public ServiceRegistrar.Result registration() {
        return registration;
    }

    public Store store() {
        return store;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        http.stop();
        if (lora != null) {
            lora.close();
        }
        backend.close();
        vertx.close().await();
        chain.close();
        store.close();
    }
}
