package zg.compute.provider.internal.lora;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.ECKeyPair;
import org.web3j.utils.Numeric;
import zg.compute.protocol.auth.SessionHeaders;
import zg.compute.protocol.auth.TokenException;
import zg.compute.protocol.contracts.bindings.FineTuningServing;
import zg.compute.protocol.finetuning.AdapterName;
import zg.compute.protocol.finetuning.Ecies;
import zg.compute.protocol.finetuning.FileDigest;
import zg.compute.protocol.finetuning.ModelCipher;
import zg.compute.protocol.finetuning.StorageRoot;
import zg.compute.provider.ModelStorage;
import zg.compute.provider.internal.auth.RequestRejected;
import zg.compute.provider.internal.chain.FineTuningChain;
import zg.compute.provider.internal.service.AdapterModels;

/**
 * LoRA serving on an inference provider (fine-tuning.md §1.10): keys fed by trusted fine-tuning providers,
 * deploys by the adapter's owner — the user of the on-chain deliverable, once acknowledged — and the lookup that
 * lets a chat name an active adapter as its model. A deploy runs on its own thread: fetch the encrypted model by its
 * storage root, check it against the deliverable's {@code modelRootHash}, decrypt (the TEE signer of the fine-tuning
 * service must have signed it), unpack {@code output_model/} and load it into the model server.
 */
public final class LoraAdapters implements AdapterModels, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LoraAdapters.class);
    private static final Pattern TASK_ID = Pattern.compile("[0-9a-fA-F-]{1,64}");

    private final AdapterRegistry registry = new AdapterRegistry();
    private final ModelStorage storage;
    private final FineTuningChain chain;
    private final Set<String> trusted;
    private final String self;
    private final ECKeyPair wallet;
    private final Path dir;
    private final BackendLoader backend;
    private final Clock clock;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "lora-deploy");
        t.setDaemon(true);
        return t;
    });

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
        registry.putKey(new AdapterKey(taskId, signer, storageHash.toLowerCase(Locale.ROOT), providerEncKey));
        log.info("adapter key for task {} received from fine-tuning provider {}", taskId, signer);
    }

    /**
     * Blocking (chain reads): checks the request, then deploys on the worker thread.
     *
     * @return the adapter as it stands now ({@code pending}, or {@code active} when it already is)
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
        String name = AdapterName.of(baseModel, taskId);
        String id = taskId;
        Optional<Adapter> existing = registry.adapter(name);
        if (existing.isPresent() && !existing.get().user().equalsIgnoreCase(user)) {
            throw new RequestRejected(403, "adapter " + name + " belongs to another user");
        }
        if (existing.isPresent() && existing.get().state() == Adapter.State.active) {
            return existing.get();
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
        Adapter fresh = new Adapter(name, user, taskId, baseModel, key.fineTuningProvider(), Adapter.State.pending,
                null);
        Adapter now = registry.startDeploy(fresh);
        if (now == fresh) {
            worker.execute(() -> run(fresh, key, d.modelRootHash));
        }
        return now;
    }

    private void run(Adapter a, AdapterKey key, byte[] modelRootHash) {
        Path work = dir.resolve(".work-" + a.name());
        try {
            registry.update(a.name(), x -> x.with(Adapter.State.downloading, null));
            Files.createDirectories(work);
            Path encrypted = work.resolve("model.enc");
            storage.get(key.storageHash(), encrypted);
            checkRoot(encrypted, modelRootHash);
            String signer = chain.service(key.fineTuningProvider()).map(s -> s.teeSignerAddress)
                    .orElseThrow(() -> new IOException("fine-tuning provider " + key.fineTuningProvider()
                            + " has no service on chain"));
            byte[] aes = Ecies.decryptHex(wallet.getPrivateKey(), key.providerEncKey());
            Path zip = work.resolve("model.zip");
            new ModelCipher().decrypt(aes, encrypted, zip, signer);
            Path target = dir.resolve(a.name());
            deleteTree(target);
            AdapterUnpacker.unpack(zip, target);
            registry.update(a.name(), x -> x.with(Adapter.State.ready, null));
            registry.update(a.name(), x -> x.with(Adapter.State.loading, null));
            backend.load(a.name(), target);
            registry.update(a.name(), x -> x.with(Adapter.State.active, null));
            log.info("adapter {} of {} active", a.name(), a.user());
        } catch (Exception | StackOverflowError e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            log.warn("adapter {} failed: {}", a.name(), why);
            registry.update(a.name(), x -> x.with(Adapter.State.failed, why));
        } finally {
            try {
                deleteTree(work);
            } catch (IOException e) {
                log.warn("cannot delete {}: {}", work, e.toString());
            }
        }
    }

    /** The deliverable's root is keccak256 of the encrypted file or its 0G Storage root (fine-tuning.md §2.5). */
    private static void checkRoot(Path file, byte[] modelRootHash) throws IOException {
        String expected = Numeric.toHexString(modelRootHash);
        if (FileDigest.keccak256(file).equalsIgnoreCase(expected)
                || StorageRoot.of(file).map(expected::equalsIgnoreCase).orElse(false)) {
            return;
        }
        throw new IOException("the stored model does not match the deliverable's root hash " + expected);
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
