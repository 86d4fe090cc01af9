package zg.compute.provider.finetuning;

import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zg.compute.protocol.finetuning.DatasetTokenCounter;
import zg.compute.provider.TeeKeySource;
import zg.compute.provider.internal.chain.FineTuningChain;
import zg.compute.provider.internal.finetuning.ModelCatalog;
import java.nio.file.Path;
import java.util.Set;
import zg.compute.provider.internal.finetuning.AdapterFeed;
import zg.compute.provider.internal.finetuning.DatasetQuota;
import zg.compute.provider.internal.finetuning.TaskFiles;
import zg.compute.provider.internal.finetuning.TaskHttp;
import zg.compute.provider.internal.finetuning.TaskIntake;
import zg.compute.provider.internal.finetuning.TaskPipeline;
import zg.compute.provider.internal.finetuning.TaskStore;
import zg.compute.provider.internal.registration.FineTuningRegistrar;
import zg.compute.provider.internal.registration.ServiceRegistrar;

/**
 * The running fine-tuning task server (provider spec §7): registration on FineTuningServing, the task
 * HTTP API and the Setup → training → delivery → settlement pollers. Start it with
 * {@link #start(FineTuningConfig)}; {@link #close()} stops everything. Tasks persist in the database,
 * and a restart resumes them (see {@link TaskPipeline#recover()}).
 */
public final class FineTuningProviderBroker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FineTuningProviderBroker.class);

    /**
     * @param clock          time for signature windows and timestamps
     * @param schedulePollers run the pollers every {@code fineTuning.pollIntervalSeconds} (tests call
     *                        {@link #runPollersNow()} instead)
     * @param trainer        trains tasks; null = the one {@code fineTuning.trainer} names
     * @param checkpoints    told when a task passes a point of a step (tests stop the "process" there)
     */
    public record Options(Clock clock, boolean schedulePollers, Trainer trainer, TaskPipeline.Checkpoints checkpoints) {
        public Options(Clock clock, boolean schedulePollers, Trainer trainer) {
            this(clock, schedulePollers, trainer, TaskPipeline.Checkpoints.NONE);
        }

        public static Options defaults() {
            return new Options(Clock.systemUTC(), true, null);
        }
    }

    private final Vertx vertx;
    private final TaskStore store;
    private final FineTuningChain chain;
    private final TaskHttp http;
    private final TaskPipeline pipeline;
    private final ScheduledExecutorService scheduler;
    private final ServiceRegistrar.Result registration;
    private final DatasetQuota quota;
    private final TaskFiles files;
    private String lastPollFailure;
    private final int port;
    private final String teeSigner;

    private FineTuningProviderBroker(Vertx vertx, TaskStore store, FineTuningChain chain, TaskHttp http,
            TaskPipeline pipeline, ScheduledExecutorService scheduler, ServiceRegistrar.Result registration, int port,
            String teeSigner, DatasetQuota quota, TaskFiles files) {
        this.quota = quota;
        this.files = files;
        this.vertx = vertx;
        this.store = store;
        this.chain = chain;
        this.http = http;
        this.pipeline = pipeline;
        this.scheduler = scheduler;
        this.registration = registration;
        this.port = port;
        this.teeSigner = teeSigner;
    }

    public static FineTuningProviderBroker start(FineTuningConfig config) {
        return start(config, Options.defaults());
    }

    public static FineTuningProviderBroker start(FineTuningConfig config, Options options) {
        TeeKeySource tee = config.teeKey();
        if (!tee.attested()) {
            log.warn("TEE signer {} comes from a '{}' key source: UNATTESTED, nothing proves it runs in a TEE",
                    tee.address(), tee.kind());
        }
        FineTuningConfig.Service service = config.service();
        TaskStore store = TaskStore.open(config.database().url(), config.database().user(),
                config.database().password());
        FineTuningChain chain = null;
        Vertx vertx = null;
        try {
            chain = new FineTuningChain(config.chain().rpcUrl(), config.chain().chainId(),
                    config.chain().fineTuningContract(), config.provider());
            ServiceRegistrar.Result reg = new FineTuningRegistrar(chain).sync(service, tee.address());
            Clock clock = options.clock();
            TaskFiles files = new TaskFiles(service.workDir(), clock);
            Map<String, String> names = service.models().stream().collect(Collectors.toMap(
                    m -> m.hash().toLowerCase(), FineTuningConfig.Model::name, (a, b) -> a, LinkedHashMap::new));
            Trainer trainer = options.trainer() != null ? options.trainer()
                    : Trainers.fromConfig(service.trainer(), config.executor(), chain.lockTimeSeconds());
            TaskPipeline pipeline = new TaskPipeline(store, chain, files, trainer, new DatasetTokenCounter(), tee, names,
                    service.pricePerToken(), service.ackTimeout(), service.maxRetries(), clock, options.checkpoints(),
                    new AdapterFeed(config.adapterFeed(), config.provider(), clock));
            pipeline.recover();
            TaskIntake intake = new TaskIntake(store, chain, files, names.keySet(), tee.address(),
                    service.maxTaskQueueSize(), clock);
            FineTuningConfig.Datasets ds = config.datasets();
            DatasetQuota quota = new DatasetQuota(files, service.maxDatasetBytes(), ds.perUserBytes(),
                    ds.totalBytes(), ds.ttl(), clock);
            vertx = Vertx.vertx();
            TaskHttp http = new TaskHttp(vertx, store, chain, intake, files, quota, tee,
                    new ModelCatalog(service.models()), service.maxDatasetBytes(),
                    service.signatureWindow(), clock);
            int port = http.start(config.server().host(), config.server().port(), config.server().limits());
            ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "fine-tuning-pollers");
                t.setDaemon(true);
                return t;
            });
            FineTuningProviderBroker broker = new FineTuningProviderBroker(vertx, store, chain, http, pipeline,
                    scheduler, reg, port, tee.address(), quota, files);
            if (options.schedulePollers()) {
                long every = service.pollInterval().toMillis();
                scheduler.scheduleWithFixedDelay(broker::pollSafely, 0, every, TimeUnit.MILLISECONDS);
            }
            log.info("fine-tuning server for {} listening on port {}", chain.providerAddress(), port);
            return broker;
        } catch (RuntimeException e) {
            if (vertx != null) {
                vertx.close().await();
            }
            if (chain != null) {
                chain.close();
            }
            store.close();
            throw e;
        }
    }

    /**
     * A scheduled pass: whatever it throws is caught (an uncaught throwable would end the schedule for
     * good, silently), logged with its stack trace once and in one line while it repeats.
     */
    private void pollSafely() {
        try {
            runPollersNow();
            lastPollFailure = null;
        } catch (Throwable e) {
            String what = e.toString();
            if (what.equals(lastPollFailure)) {
                log.error("fine-tuning poller pass failed again: {}", what);
            } else {
                log.error("fine-tuning poller pass failed; will retry every pass", e);
            }
            lastPollFailure = what;
        }
    }

    /** Runs one pass of every poller now (setup, training, delivery, settlement) and the dataset clean-up. */
    public void runPollersNow() {
        pipeline.runOnce();
        sweepDatasets();
    }

    /** Deletes datasets unused for {@code fineTuning.datasetTtlSeconds} that no unfinished task needs. */
    public int sweepDatasets() {
        Set<Path> inUse = store.unfinished().stream().map(t -> files.dataset(t.userAddress(), t.datasetHash()))
                .collect(Collectors.toSet());
        return quota.sweep(inUse);
    }

    public int port() {
        return port;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
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

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        http.stop();
        vertx.close().await();
        chain.close();
        store.close();
    }
}
