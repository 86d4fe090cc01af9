package zg.compute.provider.internal.finetuning;

import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.nio.file.Files;
import java.time.Clock;
import java.util.Set;
import java.util.UUID;
import org.web3j.crypto.WalletUtils;
import zg.compute.protocol.contracts.bindings.FineTuningServing;
import zg.compute.protocol.finetuning.FineTuningFee;
import zg.compute.protocol.finetuning.FineTuningMessages;
import zg.compute.protocol.finetuning.FineTuningSignatures;
import zg.compute.provider.internal.auth.RequestRejected;
import zg.compute.provider.internal.chain.FineTuningChain;

/**
 * {@code POST /v1/user/{user}/task}: the create-task checks of provider spec §7.3 with their exact
 * texts, plus what the official only finds out in Setup (signature, dataset, nonce), so a user hears
 * about a bad request at once. The fee is not taken from the request: Setup computes it.
 */
public final class TaskIntake {

    private final TaskStore store;
    private final FineTuningChain chain;
    private final TaskFiles files;
    private final Set<String> modelHashes;
    private final String teeSigner;
    private final int maxTaskQueueSize;
    private final Clock clock;

    public TaskIntake(TaskStore store, FineTuningChain chain, TaskFiles files, Set<String> modelHashes,
            String teeSigner, int maxTaskQueueSize, Clock clock) {
        this.store = store;
        this.chain = chain;
        this.files = files;
        this.modelHashes = Set.copyOf(modelHashes);
        this.teeSigner = teeSigner;
        this.maxTaskQueueSize = maxTaskQueueSize;
        this.clock = clock;
    }

    /** @return the new task's id */
    public String create(String pathUser, JsonObject body) throws RequestRejected {
        String user = required(body, "userAddress");
        String datasetHash = required(body, "datasetHash");
        String trainingParams = required(body, "trainingParams");
        String model = required(body, "preTrainedModelHash");
        String nonceText = required(body, "nonce");
        String signature = required(body, "signature");
        if (!WalletUtils.isValidAddress(user) || !user.startsWith("0x")) {
            throw bad("userAddress is not an address: " + user);
        }
        if (!user.equalsIgnoreCase(pathUser)) {
            throw bad("userAddress " + user + " does not match the address in the path " + pathUser);
        }
        if (!TaskFiles.isHash(datasetHash)) {
            throw bad("datasetHash must be 0x followed by 64 hex digits, got '" + datasetHash + "'");
        }
        if (!nonceText.matches("\\d{1,78}")) {
            throw bad("nonce must be a decimal integer, got '" + nonceText + "'");
        }
        BigInteger nonce = new BigInteger(nonceText);
        boolean wait = body.getValue("wait") instanceof Boolean b && b;
        try {
            FineTuningFee.epochs(trainingParams);
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }

        if (!modelHashes.contains(model.toLowerCase())) {
            throw bad("unsupported model");
        }
        FineTuningServing.AccountDetails account = chain.account(user).orElseThrow(() -> bad(
                "no fine-tuning sub-account of " + user + " with this provider: transfer funds to it first"));
        boolean serviceAcknowledged = chain.service()
                .map(s -> s.teeSignerAddress.equalsIgnoreCase(teeSigner) && Boolean.TRUE.equals(s.teeSignerAcknowledged))
                .orElse(false);
        if (!serviceAcknowledged || !Boolean.TRUE.equals(account.acknowledged)) {
            throw bad("provider signer should be acknowledged before creating a task");
        }
        String signer;
        try {
            signer = FineTuningSignatures.signer(FineTuningMessages.taskCreation(user, nonce, datasetHash), signature);
        } catch (IllegalArgumentException e) {
            throw bad("invalid task signature: " + e.getMessage());
        }
        if (!signer.equalsIgnoreCase(user)) {
            throw bad("invalid task signature: signed by " + signer + ", not by " + user);
        }
        if (!Files.isRegularFile(files.dataset(user, datasetHash))) {
            throw bad("dataset " + datasetHash + " not found: upload it first (POST /v1/user/" + user + "/dataset)");
        }
        if (nonce.compareTo(account.nonce) <= 0) {
            throw bad("nonce " + nonce + " must be greater than the sub-account's nonce " + account.nonce);
        }
        if (!account.deliverables.isEmpty()) {
            FineTuningServing.Deliverable latest = account.deliverables.get(account.deliverables.size() - 1);
            if (!Boolean.TRUE.equals(latest.acknowledged)) {
                // the contract's serial rule: addDeliverable reverts while the latest one is unacknowledged
                throw bad("the previous deliverable " + latest.id + " is not acknowledged on chain, so the contract"
                        + " would refuse this task's model" + (Boolean.TRUE.equals(latest.settled)
                                ? " (it was settled without acknowledgement, which blocks new deliverables for good)"
                                : "; acknowledge it first"));
            }
        }
        synchronized (this) {
            if (store.hasUnfinished(user)) {
                throw bad("cannot create a new task while there is an unfinished task");
            }
            int pending = store.countPending();
            if (pending >= maxTaskQueueSize) {
                throw bad("task queue is full");
            }
            if (pending != 0 && !wait) {
                throw bad("cannot create a new task while there are in-progress tasks");
            }
            String id = UUID.randomUUID().toString();
            long now = clock.millis();
            store.insert(new Task(id, now, now, user, model, datasetHash, trainingParams, BigInteger.ZERO, nonce,
                    signature, Progress.Init, wait, 0, 0, 0, null, null, null, null, null, 0, null, 0));
            files.touch(files.dataset(user, datasetHash));
            files.log(id, "creating task....");
            return id;
        }
    }

    private static String required(JsonObject body, String field) throws RequestRejected {
        Object v = body.getValue(field);
        if (!(v instanceof String s) || s.isBlank()) {
            throw bad(field + " is required (a non-empty string)");
        }
        return s.trim();
    }

    private static RequestRejected bad(String message) {
        return new RequestRejected(400, message);
    }
}
