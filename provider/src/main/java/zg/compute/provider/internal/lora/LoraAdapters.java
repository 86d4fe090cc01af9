package zg.compute.provider.internal.lora;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.ECKeyPair;
import zg.compute.protocol.auth.SessionHeaders;
import zg.compute.protocol.auth.TokenException;
import zg.compute.protocol.contracts.bindings.FineTuningServing;
import zg.compute.protocol.finetuning.AdapterName;
import zg.compute.protocol.finetuning.Ecies;
import zg.compute.protocol.finetuning.ModelCipher;
import zg.compute.protocol.finetuning.ModelRoot;
import zg.compute.provider.ModelStorage;
import zg.compute.provider.internal.auth.RequestRejected;
import zg.compute.provider.internal.chain.FineTuningChain;
import zg.compute.provider.internal.service.AdapterModels;

/**
 * LoRA serving on an inference provider (fine-tuning.md §1.10): keys fed by trusted fine-tuning providers,
 * deploys by the adapter's owner — the user of the on-chain deliverable, once acknowledged — and the lookup that
 * lets a chat name an active adapter as its model. Preparing an adapter — fetch the encrypted model by its storage
 * root, check it against the deliverable's {@code modelRootHash}, decrypt (the TEE signer of the fine-tuning service
 * must have signed it), unpack {@code output_model/} — starts by itself once the chain shows the user's
 * {@code DeliverableAcknowledged} (so the official SDK's wait for {@code ready} works, fine-tuning.md §1.10), or with
 * the user's deploy; a deploy then loads it into the model server ({@code active}). All of it runs on one worker
 * thread.
 */
public final class LoraAdapters implements AdapterModels, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LoraAdapters.class);
    private static final Pattern TASK_ID = Pattern.compile("[0-9a-fA-F-]{1,64}");
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    private final AdapterRegistry registry = new AdapterRegistry();
    private final ModelStorage storage;
    private final FineTuningChain chain;
    private final Set<String> trusted;
    private final String self;
    private final ECKeyPair wallet;
    private final Path dir;
    private final BackendLoader backend;
    private final Clock clock;
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lora-adapters");
        t.setDaemon(true);
        return t;
    });
    /** Tasks whose adapter is being prepared. */
    private final java.util.concurrent.ConcurrentHashMap<String, Boolean> preparing =
            new java.util.concurrent.ConcurrentHashMap<>();
    /** The next block whose acknowledgements are read; -1 until the first look. */
    private long nextBlock = -1;

    /**
     * @param self    this provider's address (the feed's session tokens name it)
     * @param wallet  this provider's wallet key: the fed AES keys are encrypted to it
     * @param backend the model server's OpenAI base URL
     */
    public LoraAdapters(ModelStorage storage, FineTuningChain chain, List<String> trustedProviders, String self,
            ECKeyPair wallet, Path dir, String backend, Clock clock) {
        this.storage = storage;
        this.chain = chain;
        this.trusted = trustedProviders.stream().map(a -> a.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        this.self = self;
        this.wallet = wallet;
        this.dir = dir;
        this.backend = new BackendLoader(backend);
        this.clock = clock;
        loadKeys();
    }

    /** Fed keys survive a restart (the fine-tuning provider feeds each task once); they are ECIES-encrypted. */
    private Path keysDir() {
        return dir.resolve(".keys");
    }

    private void loadKeys() {
        if (!Files.isDirectory(keysDir())) {
            return;
        }
        try (var files = Files.list(keysDir())) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                try {
                    var n = JSON.readTree(f.toFile());
                    registry.putKey(new AdapterKey(n.path("taskId").asText(), n.path("fineTuningProvider").asText(),
                            n.path("storageHash").asText(), n.path("providerEncKey").asText()));
                } catch (IOException | RuntimeException e) {
                    log.warn("skipping unreadable adapter key {}: {}", f, e.toString());
                }
            }
        } catch (IOException e) {
            log.warn("cannot read {}: {}", keysDir(), e.toString());
        }
    }

    private void saveKey(AdapterKey key) throws IOException {
        Files.createDirectories(keysDir());
        Path tmp = Files.createTempFile(keysDir(), "key-", ".tmp");
        JSON.writeValue(tmp.toFile(), key);
        Files.move(tmp, keysDir().resolve(key.taskId() + ".json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** How far back the first look for acknowledgements goes (blocks), and how often it looks. */
    static final long LOOKBACK_BLOCKS = 50_000;
    static final long WATCH_MILLIS = 2_000;
    static final long LOG_RANGE = 5_000;

    /** Starts watching the chain for acknowledged deliverables of the fed keys. */
    public LoraAdapters startWatching() {
        worker.scheduleWithFixedDelay(this::watchGuarded, 0, WATCH_MILLIS, TimeUnit.MILLISECONDS);
        return this;
    }

    private void watchGuarded() {
        try {
            watch();
        } catch (RuntimeException e) {
            log.debug("LoRA watch: {}", e.toString());
        }
    }

    /** One look at the chain: every acknowledged deliverable of a fed key gets its adapter prepared. */
    void watch() {
        long latest = chain.blockNumber();
        if (nextBlock < 0) {
            nextBlock = Math.max(0, latest - LOOKBACK_BLOCKS);
        }
        if (latest < nextBlock) {
            return;
        }
        // in ranges RPC nodes accept for eth_getLogs
        for (long from = nextBlock; from <= latest; from += LOG_RANGE) {
            long to = Math.min(latest, from + LOG_RANGE - 1);
            for (FineTuningChain.Acknowledgement a : chain.acknowledgements(from, to)) {
                Optional<AdapterKey> key = registry.key(a.taskId());
                if (key.isPresent() && key.get().fineTuningProvider().equalsIgnoreCase(a.provider())
                        && registry.ofTask(a.taskId()).isEmpty() && preparing.putIfAbsent(a.taskId(), false) == null) {
                    download(a.user(), key.get()); // on this (the worker) thread
                }
            }
            nextBlock = to + 1;
        }
    }

    /** {@code POST /internal/v1/adapter-keys}: only from a configured fine-tuning provider, signed by its wallet. */
    public void acceptKey(String address, String token, String signature, String taskId, String storageHash,
            String providerEncKey) throws RequestRejected {
        String signer;
        try {
            signer = SessionHeaders.verify(address, token, signature, self, clock.millis());
        } catch (TokenException e) {
            throw new RequestRejected(401, "validate session: " + e.getMessage());
        }
        if (!trusted.contains(signer)) {
            throw new RequestRejected(403, "fine-tuning provider " + address + " is not trusted by this provider");
        }
        if (taskId == null || !TASK_ID.matcher(taskId).matches()) {
            throw new RequestRejected(400, "invalid request body: taskId must be a task id");
        }
        if (storageHash == null || !storageHash.matches("0x[0-9a-fA-F]{64}")) {
            throw new RequestRejected(400, "invalid request body: storageHash must be 0x + 64 hex digits");
        }
        if (providerEncKey == null || !providerEncKey.matches("(0x)?[0-9a-fA-F]{2,1024}")) {
            throw new RequestRejected(400, "invalid request body: providerEncKey must be hex");
        }
        AdapterKey key = new AdapterKey(taskId, signer, storageHash.toLowerCase(Locale.ROOT), providerEncKey);
        try {
            saveKey(key);
        } catch (IOException e) {
            log.warn("adapter key for task {} kept in memory only: {}", taskId, e.toString());
        }
        registry.putKey(key);
        log.info("adapter key for task {} received from fine-tuning provider {}", taskId, signer);
    }

    /**
     * Blocking (chain reads): checks the request, then prepares (if not yet) and loads the adapter on the worker.
     *
     * @return the adapter as it stands now ({@code active} when it already is)
     */
    public Adapter deploy(String user, String taskId, String baseModel, String adapterName) throws RequestRejected {
        if (adapterName != null && (taskId == null || baseModel == null)) {
            Adapter known = registry.adapter(adapterName).filter(a -> a.user().equalsIgnoreCase(user))
                    .orElseThrow(() -> new RequestRejected(404, "adapter " + adapterName + " not found"));
            taskId = known.taskId();
            baseModel = known.baseModel();
        }
        if (taskId == null || taskId.isBlank() || baseModel == null || baseModel.isBlank()) {
            throw new RequestRejected(400, "invalid request body: give taskId and baseModel, or adapterName");
        }
        String id = taskId;
        Optional<Adapter> existing = registry.ofTask(taskId);
        if (existing.isPresent() && !existing.get().user().equalsIgnoreCase(user)) {
            throw new RequestRejected(403, "adapter " + existing.get().name() + " belongs to another user");
        }
        if (existing.isPresent()) {
            Adapter a = existing.get();
            switch (a.state()) {
                case active, loading, pending, downloading -> {
                    return a;
                }
                case ready -> {
                    registry.update(a.name(), x -> x.with(Adapter.State.loading, null));
                    worker.execute(() -> load(a.name()));
                    return registry.adapter(a.name()).orElse(a);
                }
                case failed -> registry.remove(a.name()); // deploy again from the start
                default -> throw new IllegalStateException(a.state().name());
            }
        }
        AdapterKey key = registry.key(taskId).orElseThrow(() -> new RequestRejected(404, "no adapter of task " + id
                + " was delivered to this provider by a trusted fine-tuning provider"));
        FineTuningServing.Deliverable d = chain.deliverable(user, key.fineTuningProvider(), taskId)
                .orElseThrow(() -> new RequestRejected(403, "task " + id + " has no deliverable of yours from "
                        + key.fineTuningProvider() + ": only the task's user may deploy its adapter"));
        if (!Boolean.TRUE.equals(d.acknowledged)) {
            throw new RequestRejected(409, "the model of task " + id + " is not acknowledged on chain yet; run"
                    + " acknowledge-model first");
        }
        return prepare(user, key, baseModel);
    }

    /** A deploy: the adapter registered as {@code pending} under the request's name, prepared and loaded. */
    private Adapter prepare(String user, AdapterKey key, String baseModel) {
        String name = AdapterName.of(baseModel, key.taskId());
        Adapter fresh = new Adapter(name, user, key.taskId(), baseModel, key.fineTuningProvider(),
                Adapter.State.pending, null);
        if (preparing.containsKey(key.taskId())) {
            registry.add(fresh); // the watcher is preparing it: it loads it when done (see download)
            return registry.adapter(name).orElse(fresh);
        }
        Adapter now = registry.startDeploy(fresh);
        if (now == fresh) {
            preparing.put(key.taskId(), Boolean.TRUE);
            worker.execute(() -> download(user, key));
        }
        return now;
    }

    /**
     * Fetches, checks, decrypts and unpacks the task's adapter → {@code ready} under the name its deploy gave or,
     * prepared by the watcher, its config's base model; loaded when a deploy asked for it. A failure of a deploy's
     * adapter leaves it {@code failed}; one the watcher started alone is only logged (a deploy tries again).
     */
    private void download(String user, AdapterKey key) {
        String taskId = key.taskId();
        Path work = dir.resolve(".work-" + taskId);
        Optional<Adapter> asked = registry.ofTask(taskId);
        asked.ifPresent(a -> registry.update(a.name(), x -> x.with(Adapter.State.downloading, null)));
        try {
            FineTuningServing.Deliverable d = chain.deliverable(user, key.fineTuningProvider(), taskId)
                    .orElseThrow(() -> new IOException("the deliverable of task " + taskId + " is gone"));
            Files.createDirectories(work);
            Path encrypted = work.resolve("model.enc");
            storage.get(key.storageHash(), encrypted);
            checkRoot(encrypted, d.modelRootHash);
            String signer = chain.service(key.fineTuningProvider()).map(s -> s.teeSignerAddress)
                    .orElseThrow(() -> new IOException("fine-tuning provider " + key.fineTuningProvider()
                            + " has no service on chain"));
            byte[] aes = Ecies.decryptHex(wallet.getPrivateKey(), key.providerEncKey());
            Path zip = work.resolve("model.zip");
            new ModelCipher().decrypt(aes, encrypted, zip, signer);
            Path unpacked = work.resolve("adapter");
            AdapterUnpacker.unpack(zip, unpacked);
            asked = registry.ofTask(taskId); // a deploy may have come meanwhile
            String base = asked.isPresent() ? asked.get().baseModel() : AdapterUnpacker.baseModel(unpacked)
                    .orElseThrow(() -> new IOException("adapter_config.json names no base_model_name_or_path"));
            String name = AdapterName.of(base, taskId);
            Path target = dir.resolve(name);
            deleteTree(target);
            Files.move(unpacked, target);
            if (asked.isPresent()) {
                registry.update(name, x -> x.with(Adapter.State.ready, null));
            } else {
                registry.add(new Adapter(name, user, taskId, base, key.fineTuningProvider(), Adapter.State.ready,
                        null));
            }
            log.info("adapter {} of {} ready", name, user);
            preparing.remove(taskId);
            if (asked.isPresent()) {
                load(name);
            }
        } catch (Exception | StackOverflowError e) {
            preparing.remove(taskId);
            Optional<Adapter> now = registry.ofTask(taskId);
            if (now.isPresent()) {
                fail(now.get().name(), e);
            } else {
                log.warn("adapter of task {} could not be prepared: {}", taskId, e.getMessage());
            }
        } finally {
            try {
                deleteTree(work);
            } catch (IOException e) {
                log.warn("cannot delete {}: {}", work, e.toString());
            }
        }
    }

    /** ready/loading → active: the model server loads the unpacked adapter. */
    private void load(String name) {
        try {
            registry.update(name, x -> x.with(Adapter.State.loading, null));
            backend.load(name, dir.resolve(name));
            registry.update(name, x -> x.with(Adapter.State.active, null));
            log.info("adapter {} active", name);
        } catch (Exception e) {
            fail(name, e);
        }
    }

    private void fail(String name, Throwable e) {
        String why = e.getMessage() == null ? e.toString() : e.getMessage();
        log.warn("adapter {} failed: {}", name, why);
        registry.update(name, x -> x.with(Adapter.State.failed, why));
    }

    /** The deliverable's root is keccak256 of the encrypted file or its 0G Storage root (fine-tuning.md §2.5). */
    private static void checkRoot(Path file, byte[] modelRootHash) throws IOException {
        ModelRoot.Check c = ModelRoot.check(file, modelRootHash);
        if (c.match() == ModelRoot.Match.NONE) {
            throw new IOException("the stored model does not match the deliverable's root hash " + c.expected());
        }
    }

    public List<Adapter> list(String user) {
        return registry.of(user);
    }

    /** The user's adapter of that name; another user's is not found (its existence is not revealed). */
    public Adapter status(String user, String name) throws RequestRejected {
        return registry.adapter(name).filter(a -> a.user().equalsIgnoreCase(user))
                .orElseThrow(() -> new RequestRejected(404, "adapter " + name + " not found"));
    }

    @Override
    public Optional<String> baseModel(String user, String model) throws RequestRejected {
        if (model == null) {
            return Optional.empty();
        }
        Optional<Adapter> a = registry.adapter(model);
        if (a.isEmpty()) {
            return Optional.empty();
        }
        if (!a.get().user().equalsIgnoreCase(user)) {
            throw new RequestRejected(403, "adapter " + model + " belongs to another user");
        }
        if (a.get().state() != Adapter.State.active) {
            throw new RequestRejected(409, "adapter " + model + " is " + a.get().state() + ", not active"
                    + (a.get().error() == null ? "" : ": " + a.get().error()));
        }
        return Optional.of(a.get().baseModel());
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    @Override
    public void close() {
        worker.shutdownNow();
        chain.close();
    }

}
