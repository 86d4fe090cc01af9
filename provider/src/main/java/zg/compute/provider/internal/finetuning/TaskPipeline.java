package zg.compute.provider.internal.finetuning;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.Credentials;
import org.web3j.utils.Numeric;
import zg.compute.protocol.contracts.bindings.FineTuningServing;
import zg.compute.protocol.eip712.DigestSigner;
import zg.compute.protocol.eip712.Eip712Domain;
import zg.compute.protocol.eip712.VerifierMessage;
import zg.compute.protocol.finetuning.DatasetReader;
import zg.compute.protocol.finetuning.DatasetTokenCounter;
import zg.compute.protocol.finetuning.Ecies;
import zg.compute.protocol.finetuning.FileDigest;
import zg.compute.protocol.finetuning.FineTuningFee;
import zg.compute.protocol.finetuning.FineTuningMessages;
import zg.compute.protocol.finetuning.ModelCipher;
import zg.compute.provider.TeeKeySource;
import zg.compute.provider.finetuning.Trainer;
import zg.compute.provider.internal.chain.FineTuningChain;

/**
 * The four pollers of provider spec §7.4 as one pass: Setup (Init → SettingUp → SetUp), Executor
 * (SetUp → Training → Trained; the service is published as occupied while tasks train or wait), Finalizer (Trained → Delivering → Delivered) and Settlement
 * (Delivered [→ UserAcknowledged] → Finished). Each step claims a task by compare-and-set, so a task
 * cancelled meanwhile is left alone; a failed attempt goes back to the step's start with its retry
 * counter increased, and becomes Failed after {@code maxRetries} attempts (or at once when retrying
 * cannot help, e.g. a bad signature).
 */
public final class TaskPipeline {

    private static final Logger log = LoggerFactory.getLogger(TaskPipeline.class);

    /** A task that can never succeed as requested: Failed without retry, with this message. */
    static final class TaskRejected extends Exception {
        TaskRejected(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Named points in a step, reported as the pipeline passes them: a test stops the "process" there (by
     * throwing a {@link ThreadDeath}) to check that a restart resumes without doing anything twice.
     */
    @FunctionalInterface
    public interface Checkpoints {
        Checkpoints NONE = (taskId, point) -> { };

        /**
         * @param point {@code claimed:<running state>}, {@code added-deliverable}, {@code settling},
         *              {@code settled-on-chain}, {@code abandoned-on-chain}
         */
        void reached(String taskId, String point);
    }

    private final TaskStore store;
    private final FineTuningChain chain;
    private final TaskFiles files;
    private final Trainer trainer;
    private final DatasetTokenCounter tokenCounter;
    private final TeeKeySource tee;
    private final Map<String, String> modelNames;
    private final BigInteger pricePerToken;
    private final Duration ackTimeout;
    private final int maxRetries;
    private final Clock clock;
    private final Checkpoints checkpoints;
    private final Eip712Domain domain;
    private final AdapterFeed feed;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param modelNames   configured model name per lower-case root hash
     * @param tokenCounter the count the fee is charged for: the same as {@code calculate-token}'s
     */
    public TaskPipeline(TaskStore store, FineTuningChain chain, TaskFiles files, Trainer trainer,
            DatasetTokenCounter tokenCounter, TeeKeySource tee,
            Map<String, String> modelNames, BigInteger pricePerToken, Duration ackTimeout, int maxRetries,
            Clock clock, Checkpoints checkpoints) {
        this(store, chain, files, trainer, tokenCounter, tee, modelNames, pricePerToken, ackTimeout, maxRetries, clock,
                checkpoints, null);
    }

    /** @param feed stores delivered models and sends their keys to inference providers (null: none) */
    public TaskPipeline(TaskStore store, FineTuningChain chain, TaskFiles files, Trainer trainer,
            DatasetTokenCounter tokenCounter, TeeKeySource tee, Map<String, String> modelNames, BigInteger pricePerToken, Duration ackTimeout, int maxRetries,
            Clock clock, Checkpoints checkpoints, AdapterFeed feed) {
        this.feed = feed;
        this.store = store;
        this.chain = chain;
        this.files = files;
        this.trainer = trainer;
        this.tokenCounter = tokenCounter;
        this.tee = tee;
        this.modelNames = Map.copyOf(modelNames);
        this.pricePerToken = pricePerToken;
        this.ackTimeout = ackTimeout;
        this.maxRetries = maxRetries;
        this.clock = clock;
        this.checkpoints = checkpoints;
        this.domain = Eip712Domain.fineTuning(chain.chainId(), chain.contract());
    }

    /**
     * After a restart: a task caught in the middle of a step goes back to that step's start (every step
     * can run again: Setup and training are repeatable, delivery reuses the recorded encrypted model and
     * skips {@code addDeliverable} if the chain already has it, settlement first checks whether the
     * deliverable is already settled). A task whose Setup or training was under way at {@code maxRetries}
     * stops in a row is Failed instead: its input (a dataset, a training run) most likely kills the process,
     * and resuming it would do so after every restart. Delivery is always resumed: the chain may hold its
     * deliverable already, and only finishing it keeps the user's pair with this provider usable.
     */
    public synchronized void recover() {
        for (var e : Map.of(Progress.SettingUp, Progress.Init, Progress.Training, Progress.SetUp,
                Progress.Delivering, Progress.Trained).entrySet()) {
            for (Task t : store.inState(e.getKey())) {
                if (e.getKey() != Progress.Delivering && t.interruptedRuns() >= maxRetries) {
                    String why = "the server stopped " + t.interruptedRuns() + " times during " + e.getKey()
                            + " of this task; giving up";
                    if (store.failed(t.id(), e.getKey(), e.getValue(), false, maxRetries, why, clock.millis())
                            .isPresent()) {
                        log.warn("task {} failed: {}", t.id(), why);
                        files.log(t.id(), why + "; task failed");
                    }
                } else if (store.transition(t.id(), e.getKey(), e.getValue(), clock.millis())) {
                    log.info("task {} was {} when the server stopped: back to {}", t.id(), e.getKey(), e.getValue());
                    files.log(t.id(), "server restarted during " + e.getKey() + ": resuming from " + e.getValue());
                }
            }
        }
    }

    /** One pass of every poller, in pipeline order, each over all its waiting tasks. */
    public synchronized void runOnce() {
        for (Task t : store.inState(Progress.Init)) {
            step(t, Progress.Init, Progress.SettingUp, this::setup);
        }
        for (Task t : store.inState(Progress.SetUp)) {
            chain.setOccupied(true);
            step(t, Progress.SetUp, Progress.Training, this::train);
        }
        if (store.countPending() == 0) {
            chain.setOccupied(false);
        }
        for (Task t : store.inState(Progress.Trained)) {
            step(t, Progress.Trained, Progress.Delivering, this::deliver);
        }
        // settlement never gives up (provider spec: the fee of a delivered model is owed until settled)
        for (Task t : store.inState(Progress.Delivered)) {
            attempt(t, Progress.Delivered, Progress.Delivered, Integer.MAX_VALUE, this::awaitAcknowledgement);
        }
        for (Task t : store.inState(Progress.UserAcknowledged)) {
            attempt(t, Progress.UserAcknowledged, Progress.UserAcknowledged, Integer.MAX_VALUE, this::settle);
        }
    }

    @FunctionalInterface
    private interface Step {
        void run(Task t) throws Exception;
    }

    private void step(Task t, Progress from, Progress running, Step step) {
        if (!store.claim(t.id(), from, running, clock.millis())) {
            return; // cancelled or taken meanwhile
        }
        attempt(t, running, from, maxRetries, task -> {
            checkpoints.reached(task.id(), "claimed:" + running);
            step.run(task);
        });
    }

    /**
     * Runs a step; whatever it throws fails this attempt (an {@link OutOfMemoryError} or
     * {@link StackOverflowError} too: the step's memory is gone once it unwound), except what means
     * the thread or the VM is dying, which is left to {@link #recover()} after the restart.
     */
    private void attempt(Task t, Progress running, Progress retryState, int maxAttempts, Step step) {
        try {
            step.run(t);
        } catch (Throwable e) {
            if (fatal(e)) {
                throw (Error) e;
            }
            boolean retry = !(e instanceof TaskRejected);
            String msg = e.getMessage() == null ? e.toString() : e.getMessage();
            if (e instanceof Error) {
                msg = e.toString();
                log.error("task {}: {} threw {}", t.id(), running, e.toString());
            }
            String reason = msg;
            Optional<Progress> next = store.failed(t.id(), running, retryState, retry, maxAttempts, reason,
                    clock.millis());
            next.ifPresent(p -> {
                files.log(t.id(), running + " failed: " + reason + (p == Progress.Failed ? "; task failed"
                        : "; will retry"));
                if (p == Progress.Failed) {
                    log.warn("task {} failed in {}: {}", t.id(), running, reason);
                } else {
                    log.info("task {}: {} failed, will retry: {}", t.id(), running, reason);
                }
            });
        }
    }

    /** Errors no step outlives: the thread is being stopped or the VM itself is broken. */
    static boolean fatal(Throwable e) {
        return e instanceof ThreadDeath || e instanceof InternalError || e instanceof UnknownError;
    }

    // ---- Setup ----

    private void setup(Task t) throws Exception {
        files.log(t.id(), "setting up task");
        byte[] publicKey;
        try {
            publicKey = UserKeys.recover(FineTuningMessages.taskCreation(t.userAddress(), t.nonce(), t.datasetHash()),
                    t.signature(), t.userAddress());
        } catch (IllegalArgumentException e) {
            throw new TaskRejected("invalid task signature: " + e.getMessage());
        }
        var dataset = files.dataset(t.userAddress(), t.datasetHash());
        if (!Files.isRegularFile(dataset)) {
            throw new TaskRejected("dataset " + t.datasetHash() + " not found");
        }
        long tokens;
        try {
            tokens = tokenCounter.count(dataset).tokens();
        } catch (DatasetReader.Unreadable e) {
            throw new TaskRejected("cannot count the dataset's tokens: " + e.getMessage());
        }
        long epochs;
        try {
            epochs = FineTuningFee.epochs(t.trainingParams());
        } catch (IllegalArgumentException e) {
            throw new TaskRejected(e.getMessage());
        }
        BigInteger fee = FineTuningFee.of(t.preTrainedModelHash(), tokens, pricePerToken, epochs);
        FineTuningServing.AccountDetails account = chain.account(t.userAddress())
                .orElseThrow(() -> new TaskRejected("no fine-tuning sub-account with this provider"));
        BigInteger available = account.balance.subtract(account.pendingRefund);
        if (fee.compareTo(available) > 0) {
            throw new TaskRejected("insufficient balance: the fee " + fee + " neuron (" + tokens + " tokens × "
                    + epochs + " epochs × " + pricePerToken + ") exceeds the sub-account's available " + available);
        }
        if (t.nonce().compareTo(account.nonce) <= 0) {
            throw new TaskRejected("nonce " + t.nonce() + " must be greater than the sub-account's nonce "
                    + account.nonce);
        }
        boolean acknowledged = Boolean.TRUE.equals(account.acknowledged) && chain.service()
                .map(s -> s.teeSignerAddress.equalsIgnoreCase(tee.address())
                        && Boolean.TRUE.equals(s.teeSignerAcknowledged)).orElse(false);
        if (!acknowledged) {
            throw new TaskRejected("provider signer should be acknowledged before creating a task");
        }
        if (store.setUp(t.id(), Numeric.toHexString(publicKey), tokens, epochs, fee, clock.millis())) {
            files.log(t.id(), "set up: " + tokens + " tokens × " + epochs + " epochs, fee " + fee + " neuron");
        }
    }

    // ---- Executor ----

    private void train(Task t) throws Exception {
        files.log(t.id(), "training started");
        var out = files.outputDir(t.id());
        deleteTree(out);
        Task current = store.find(t.id()).orElseThrow();
        trainer.train(new Trainer.Job(t.id(), t.preTrainedModelHash(),
                modelNames.getOrDefault(t.preTrainedModelHash().toLowerCase(), t.preTrainedModelHash()),
                files.dataset(t.userAddress(), t.datasetHash()), t.trainingParams(), current.tokenCount(),
                current.epochs(), out, files.taskDir(t.id())), line -> files.log(t.id(), line));
        if (store.advance(t.id(), Progress.Training, Progress.Trained, clock.millis())) {
            files.log(t.id(), "training finished");
        }
    }

    private static void deleteTree(java.nio.file.Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (var p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    // ---- Finalizer ----

    private void deliver(Task t) throws Exception {
        Task current = store.find(t.id()).orElseThrow();
        String rootHex = current.outputRootHash();
        if (rootHex == null || current.encryptedSecret() == null
                || !Files.isRegularFile(files.encryptedModel(t.id()))) {
            rootHex = encrypt(current);
        }
        byte[] root = Numeric.hexStringToByteArray(rootHex);
        Optional<FineTuningServing.Deliverable> onChain = chain.deliverable(t.userAddress(), t.id());
        if (onChain.isEmpty()) {
            chain.addDeliverable(t.userAddress(), t.id(), root);
            checkpoints.reached(t.id(), "added-deliverable");
        } else if (!Arrays.equals(onChain.get().modelRootHash, root)) {
            throw new TaskRejected("the chain already holds a different deliverable for task " + t.id());
        }
        if (store.delivered(t.id(), chain.chainTimeSeconds(), clock.millis())) {
            files.log(t.id(), "model delivered: root hash " + Numeric.toHexString(root));
        }
    }

    /**
     * Zip → fresh AES-256 key → {@link ModelCipher} file signed by the TEE key → the key ECIES-encrypted
     * to the user. Only the wrapped key is stored; the plain key exists in memory only here.
     *
     * @return the hex of the on-chain modelRootHash: the raw 32 bytes of keccak256(encrypted file) (no 0G Storage
     *         upload here, so no storage root; fine-tuning.md §2.5)
     */
    private String encrypt(Task t) throws Exception {
        var zip = files.zipOutput(t.id());
        byte[] key = new byte[32];
        random.nextBytes(key);
        try {
            new ModelCipher().encrypt(key, zip, files.encryptedModel(t.id()), Credentials.create(tee.key()));
            byte[] wrapped = Ecies.encrypt(Numeric.hexStringToByteArray(t.userPublicKey()), key);
            String rootHex = FileDigest.keccak256(files.encryptedModel(t.id()));
            if (!store.prepared(t.id(), rootHex, Numeric.toHexString(wrapped), clock.millis())) {
                throw new IllegalStateException("task " + t.id() + " left Delivering while it was encrypted");
            }
            files.log(t.id(), "model encrypted");
            if (feed != null && feed.enabled()) {
                // only while the plain key exists; a failed feed does not hold back the user's delivery
                try {
                    files.log(t.id(), feed.feed(t.id(), files.encryptedModel(t.id()), key));
                } catch (IOException | RuntimeException e) {
                    log.warn("task {}: adapter feed failed: {}", t.id(), e.toString());
                    files.log(t.id(), "adapter feed failed: " + e.getMessage());
                }
            }
            return rootHex;
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    // ---- Settlement ----

    /**
     * Delivered: acknowledged on chain → UserAcknowledged (settled next). Not acknowledged within
     * min(ackTimeout, lockTime/2) of the deliverable's chain timestamp: the deliverable is ABANDONED
     * (the contract marks it acknowledged and settled, charges nothing, releases no key) instead of settled
     * with the penalty share as the official broker does — a penalty settlement leaves the pair's latest
     * deliverable unacknowledged for good, and the contract then refuses every later {@code addDeliverable}
     * for this user and provider (fine-tuning spec §5 pitfall 1).
     */
    private void awaitAcknowledgement(Task t) throws Exception {
        FineTuningServing.Deliverable d = onChain(t);
        if (Boolean.TRUE.equals(d.settled)) {
            finish(t, "already settled on chain");
        } else if (Boolean.TRUE.equals(d.acknowledged)) {
            if (store.advance(t.id(), Progress.Delivered, Progress.UserAcknowledged, clock.millis())) {
                files.log(t.id(), "the user acknowledged the model");
            }
        } else {
            long timeout = Math.min(ackTimeout.toSeconds(), chain.lockTimeSeconds() / 2);
            if (chain.chainTimeSeconds() >= d.timestamp.longValueExact() + timeout) {
                chain.abandonDeliverable(t.userAddress(), t.id());
                checkpoints.reached(t.id(), "abandoned-on-chain");
                finish(t, "not acknowledged within " + timeout + " s: deliverable abandoned (nothing charged, no key"
                        + " released), so this user can order new tasks");
            }
        }
    }

    /** UserAcknowledged: settle the full fee, releasing the ECIES-wrapped key on chain. */
    private void settle(Task t) throws Exception {
        if (Boolean.TRUE.equals(onChain(t).settled)) {
            finish(t, "already settled on chain");
            return;
        }
        checkpoints.reached(t.id(), "settling");
        settleFees(t, Numeric.hexStringToByteArray(t.encryptedSecret()));
        checkpoints.reached(t.id(), "settled-on-chain");
        finish(t, "settled: fee " + t.fee() + " neuron");
    }

    private FineTuningServing.Deliverable onChain(Task t) {
        return chain.deliverable(t.userAddress(), t.id())
                .orElseThrow(() -> new IllegalStateException("deliverable " + t.id() + " is not on chain"));
    }

    private void settleFees(Task t, byte[] secret) {
        byte[] root = Numeric.hexStringToByteArray(t.outputRootHash());
        byte[] sig = DigestSigner.sign(new VerifierMessage(t.id(), secret, root, t.nonce(), t.fee(), t.userAddress())
                .digest(domain), tee.key());
        chain.settleFees(new FineTuningServing.VerifierInput(t.id(), secret, root, t.nonce(), sig, t.fee(),
                t.userAddress()));
    }

    private void finish(Task t, String note) {
        if (store.transition(t.id(), t.progress(), Progress.Finished, clock.millis())) {
            files.log(t.id(), note);
        }
    }
}
