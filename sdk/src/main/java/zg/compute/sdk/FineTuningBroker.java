package zg.compute.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.Keys;
import zg.compute.protocol.contracts.bindings.FineTuningServing;
import zg.compute.protocol.finetuning.DatasetReader;
import zg.compute.protocol.finetuning.DatasetTokenCounter;
import zg.compute.protocol.finetuning.Ecies;
import zg.compute.protocol.finetuning.FineTuningFee;
import zg.compute.protocol.finetuning.FineTuningCryptoException;
import zg.compute.protocol.finetuning.FineTuningSignatures;
import zg.compute.protocol.finetuning.ModelCipher;
import zg.compute.sdk.internal.chain.ChainClient;
import zg.compute.sdk.internal.finetuning.ModelRootCheck;
import zg.compute.sdk.internal.finetuning.TaskJson;
import zg.compute.sdk.internal.http.Multipart;
import zg.compute.sdk.internal.http.ProviderHttp;
import zg.compute.sdk.internal.http.RetryPolicy;
import zg.compute.sdk.internal.http.StreamingDownload;

/**
 * The user's side of fine-tuning: services, the sub-account and its deliverables on chain; datasets, tasks,
 * logs and the model download through the provider's fine-tuning server (the URL of its service on chain).
 * Dataset upload and model download go straight to the provider's TEE: there is no 0G Storage client here.
 */
public final class FineTuningBroker extends ReadOnlyFineTuningBroker {

    private static final Logger log = LoggerFactory.getLogger(FineTuningBroker.class);

    /** Largest dataset {@link #uploadDatasetToTEE} sends (the official client-side limit). */
    public static final long MAX_DATASET_BYTES = 100L * 1024 * 1024;

    private final String user;
    private final ProviderHttp http;
    private final Duration httpTimeout;
    private final Clock clock;

    FineTuningBroker(ChainClient chain, FineTuningServing contract, BrokerOptions options) {
        super(chain, contract);
        this.user = Keys.toChecksumAddress(chain.credentials().getAddress());
        this.httpTimeout = options.httpTimeout();
        this.http = new ProviderHttp(httpTimeout);
        this.clock = options.clock();
    }

    /**
     * Uploads a dataset to the provider's TEE ({@code POST /v1/user/{user}/dataset}, signed with the current
     * time). Its {@code datasetHash} is what {@link #createTask} takes.
     *
     * @throws InvalidRequestException no such file, or larger than 100 MB
     */
    public DatasetUpload uploadDatasetToTEE(String provider, Path datasetPath) {
        LedgerBroker.requireAddress(provider, "provider");
        long size = datasetSize(datasetPath);
        String url = baseUrl(provider) + "/v1/user/" + user + "/dataset";
        long now = clock.instant().getEpochSecond();
        Multipart form = new Multipart("file", datasetPath)
                .field("signature", FineTuningSignatures.datasetUpload(chain.credentials(), user, now))
                .field("timestamp", Long.toString(now));
        ProviderHttp.Reply r = http.postMultipart(url, form, uploadTimeout(size));
        if (r.status() == 413) {
            throw new ProviderHttpException("Failed to upload dataset: the provider refused it as too large (HTTP 413, "
                    + size + " bytes)", 413, null);
        }
        JsonNode n = TaskJson.read(ok(r, "Failed to upload dataset"), "dataset upload answer");
        if (!n.hasNonNull("datasetHash")) {
            throw new ProviderHttpException("Failed to upload dataset: the provider's answer has no datasetHash: "
                    + r.body(), r.status(), null);
        }
        return new DatasetUpload(n.get("datasetHash").asText(), n.path("message").asText(""));
    }

    /** The upload timeout: 60 s plus 30 s per started 10 MB (sdk-cli.md §8.2). */
    static Duration uploadTimeout(long bytes) {
        long mb = (bytes + 1024 * 1024 - 1) / (1024 * 1024);
        return Duration.ofSeconds(60 + (mb + 9) / 10 * 30);
    }

    /**
     * The root hash of a predefined model of this network (what a task names as its pre-trained model).
     *
     * @throws InvalidRequestException an unknown name; the message lists the known ones
     */
    public String preTrainedModelHash(String name) {
        if (name == null || name.isBlank()) {
            throw new InvalidRequestException("The pre-trained model name is missing");
        }
        List<FineTuningModel> models = listModel();
        return models.stream().filter(m -> m.name().equals(name)).findFirst().map(FineTuningModel::rootHash)
                .orElseThrow(() -> new InvalidRequestException("Unknown pre-trained model \"" + name + "\". Known "
                        + "models on this network: " + (models.isEmpty() ? "none"
                        : String.join(", ", models.stream().map(FineTuningModel::name).toList()))));
    }

    /**
     * The root hash of a model {@code provider} can train: this network's predefined table first, else the
     * provider's customized model of that name ({@code GET /v1/model/{name}}, as the official SDK resolves names
     * outside its table).
     */
    public String preTrainedModelHash(String provider, String name) {
        if (name != null && listModel().stream().anyMatch(m -> m.name().equals(name))) {
            return preTrainedModelHash(name);
        }
        if (name == null || name.isBlank()) {
            throw new InvalidRequestException("The pre-trained model name is missing");
        }
        ProviderHttp.Reply r = http.get(baseUrl(provider) + "/v1/model/" + URLEncoder.encode(name,
                StandardCharsets.UTF_8).replace("+", "%20"), Map.of());
        if (r.status() == 404) {
            List<String> known = listModel().stream().map(FineTuningModel::name).toList();
            throw new InvalidRequestException("Unknown pre-trained model \"" + name + "\": neither predefined on this "
                    + "network (" + (known.isEmpty() ? "none" : String.join(", ", known)) + ") nor one of provider "
                    + Keys.toChecksumAddress(provider) + "'s models (fine-tuning list-models)");
        }
        JsonNode n = TaskJson.read(ok(r, "Failed to look up model " + name), "model");
        if (!n.path("hash").isTextual()) {
            throw new ProviderHttpException("Failed to look up model " + name + ": the provider's answer has no hash: "
                    + r.body(), r.status(), null);
        }
        return n.get("hash").asText();
    }

    /**
     * Downloads the provider's usage description of one of its models ({@code GET /v1/model/desc/{name}}, a zip)
     * to {@code output}, or to {@code output/<name>.zip} when {@code output} is a directory.
     */
    public Path modelUsage(String provider, String modelName, Path output) {
        if (modelName == null || modelName.isBlank()) {
            throw new InvalidRequestException("The model name is missing");
        }
        Path target = Files.isDirectory(output) ? output.resolve(modelName + ".zip") : output;
        ProviderHttp.BytesReply r = http.getBytes(baseUrl(provider) + "/v1/model/desc/" + URLEncoder.encode(modelName,
                StandardCharsets.UTF_8).replace("+", "%20"), Map.of());
        if (!r.ok()) {
            String text = new String(r.body(), StandardCharsets.UTF_8);
            throw new ProviderHttpException("Failed to download the usage of model " + modelName + ": "
                    + TaskJson.errorText(text) + " (HTTP " + r.status() + ")", r.status(), null);
        }
        try {
            Files.write(target, r.body());
        } catch (IOException e) {
            throw new InvalidRequestException("Cannot write " + target + ": " + e.getMessage());
        }
        return target;
    }

    /**
     * The name an inference provider serves a fine-tuned adapter under (fine-tuning.md §1.10): {@code ft-} + the
     * base model with {@code /}, {@code .} and spaces as {@code -} (dashes at the ends trimmed) + {@code -} + the
     * first 12 characters of the task id.
     */
    public static String adapterName(String baseModel, String taskId) {
        return zg.compute.protocol.finetuning.AdapterName.of(baseModel, taskId);
    }

    /**
     * Estimates a dataset's tokens with a BPE tokenizer shipped with this SDK ({@link DatasetTokenCounter}) and,
     * with a provider, the fee it would charge: tokens × its pricePerToken × epochs (× the model's coefficient +
     * storage fee for the Qwen models). The official CLI downloads a model-specific tokenizer from 0G Storage; the
     * provider counts again at Setup with the same counter, so the estimate is what is charged.
     *
     * @param model          the pre-trained model's name (its hash selects the fee terms); may be null without a
     *                       provider
     * @param provider       null = tokens only
     * @param trainingParams the task's training parameters file (its {@code num_train_epochs}); null = 3 epochs
     */
    public TokenEstimate calculateToken(Path datasetPath, String model, String provider, Path trainingParams) {
        datasetSize(datasetPath);
        long epochs = trainingParams == null ? FineTuningFee.DEFAULT_EPOCHS : epochs(trainingParams(trainingParams));
        DatasetTokenCounter tokenCounter = new DatasetTokenCounter(); // the vocabulary loads only when asked
        DatasetTokenCounter.Count c;
        try {
            c = tokenCounter.count(datasetPath);
        } catch (DatasetReader.Unreadable e) {
            throw new InvalidRequestException("Cannot count the tokens of " + datasetPath + ": " + e.getMessage());
        } catch (IOException e) {
            throw new InvalidRequestException("Cannot read the dataset file " + datasetPath + ": " + e.getMessage());
        }
        if (provider == null) {
            return new TokenEstimate(c.tokens(), c.lines(), tokenCounter.tokenizer(), epochs, null, null);
        }
        BigInteger price = getService(provider).pricePerToken();
        String hash = preTrainedModelHash(provider, model);
        return new TokenEstimate(c.tokens(), c.lines(), tokenCounter.tokenizer(), epochs, price,
                FineTuningFee.of(hash, c.tokens(), price, epochs));
    }

    /** The provider's reading of {@code num_train_epochs}, after this SDK's own check that the file is JSON. */
    private static long epochs(String params) {
        TaskJson.read(params, "training parameters");
        try {
            return FineTuningFee.epochs(params);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage());
        }
    }

    /**
     * Creates a fine-tuning task (sdk-cli.md §8.4). The model is looked up in this network's predefined
     * table; the training parameters file must hold JSON (sent as text). When the provider already has
     * tasks in its queue the call fails unless {@code waitInQueue} is set (the official SDK asks on stdin).
     *
     * @param datasetHash what {@link #uploadDatasetToTEE} returned
     * @return the task id
     */
    public String createTask(String provider, String preTrainedModelName, String datasetHash,
            Path trainingParamsPath, boolean waitInQueue) {
        LedgerBroker.requireAddress(provider, "provider");
        String modelHash = preTrainedModelHash(provider, preTrainedModelName);
        if (datasetHash == null || datasetHash.isBlank()) {
            throw new InvalidRequestException("The dataset hash is missing: upload the dataset first");
        }
        String params = trainingParams(trainingParamsPath);
        String base = baseUrl(provider);
        long pending = pendingCount(base);
        if (pending > 0 && !waitInQueue) {
            throw new InvalidRequestException("There " + (pending == 1 ? "is 1 task" : "are " + pending + " tasks")
                    + " in the provider's queue. To queue this task behind them, pass wait=true (CLI: --wait).");
        }
        BigInteger nonce = BigInteger.valueOf(FineTuningSignatures.taskNonce(clock.millis()));
        String body = TaskJson.createTask(chain.credentials(), user, datasetHash, params, modelHash, nonce,
                waitInQueue);
        ProviderHttp.Reply r = http.postJson(base + "/v1/user/" + user + "/task", body);
        JsonNode n = TaskJson.read(ok(r, "Failed to create task"), "task creation answer");
        if (!n.hasNonNull("id")) {
            throw new ProviderHttpException("Failed to create task: the provider's answer has no id: " + r.body(),
                    r.status(), null);
        }
        return n.get("id").asText();
    }

    /** Cancels a task that has not started training; returns the provider's text. */
    public String cancelTask(String provider, String taskId) {
        requireTaskId(taskId);
        String body;
        try {
            body = TaskJson.cancel(chain.credentials(), taskId);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("Invalid task id " + taskId + ": a task id is a UUID");
        }
        return ok(http.postJson(taskUrl(provider, taskId) + "/cancel", body), "Failed to cancel task");
    }

    /** This user's tasks with {@code provider}. */
    public List<FineTuningTask> listTask(String provider) {
        return TaskJson.tasks(getJson(baseUrl(provider) + "/v1/user/" + user + "/task", "Failed to list tasks"));
    }

    /** One task; {@code taskId} null = the latest. */
    public FineTuningTask getTask(String provider, String taskId) {
        if (taskId == null) {
            List<FineTuningTask> latest = TaskJson.tasks(getJson(baseUrl(provider) + "/v1/user/" + user
                    + "/task?latest=true", "Failed to get task"));
            if (latest.isEmpty()) {
                throw new InvalidRequestException("No fine-tuning task with provider " + Keys.toChecksumAddress(provider)
                        + " yet");
            }
            return latest.get(0);
        }
        requireTaskId(taskId);
        return TaskJson.task(getJson(taskUrl(provider, taskId), "Failed to get task"));
    }

    /** The progress log of a task; {@code taskId} null = the latest. */
    public String getLog(String provider, String taskId) {
        String id = taskId == null ? getTask(provider, null).id() : taskId;
        requireTaskId(id);
        return ok(http.get(taskUrl(provider, id) + "/log", Map.of()), "Failed to get the task log");
    }

    /** Tasks waiting or running at the provider ({@code GET /v1/task/pending}). */
    public long getPendingCount(String provider) {
        return pendingCount(baseUrl(provider));
    }

    /** {@link #downloadLoRAFromTEE(String, String, Path, LoraDownloadOptions)} with the default options. */
    public Path downloadLoRAFromTEE(String provider, String taskId, Path outputPath) {
        return downloadLoRAFromTEE(provider, taskId, outputPath, LoraDownloadOptions.defaults());
    }

    /**
     * Downloads the encrypted fine-tuned model from the provider's TEE, without acknowledging it. Each
     * attempt is signed anew with the current time; failures are retried (not 4xx other than 408).
     *
     * @param outputPath a file, or a directory to write {@code lora_model_<taskId>.zip} into
     * @return the file written
     */
    public Path downloadLoRAFromTEE(String provider, String taskId, Path outputPath, LoraDownloadOptions options) {
        requireTaskId(taskId);
        Path target = Files.isDirectory(outputPath) ? outputPath.resolve("lora_model_" + taskId + ".zip")
                : outputPath;
        if (target.getParent() != null && !Files.isDirectory(target.getParent())) {
            throw new InvalidRequestException("Directory not found: " + target.getParent());
        }
        String url = taskUrl(provider, taskId) + "/lora";
        Optional<StreamingDownload.Failure> failure = new StreamingDownload(httpTimeout, options.idleTimeout(),
                RetryPolicy.of(options.maxRetries())).download(url, () -> TaskJson.loraDownload(chain.credentials(),
                        taskId, clock.instant().getEpochSecond()), target);
        failure.ifPresent(f -> {
            String why = f.status() < 0 ? f.text() : TaskJson.errorText(f.text()) + " (HTTP " + f.status() + ")";
            throw new ProviderHttpException("Failed to download the model of task " + taskId + ": " + why
                    + (f.attempts() > 1 ? ", after " + f.attempts() + " attempts" : ""), f.status(), null);
        });
        return target;
    }

    /**
     * Downloads the model from the TEE, compares it with the deliverable's root hash (the provider's commitment
     * on chain: keccak256 of the file or its 0G Storage root), then acknowledges the deliverable (sdk-cli.md
     * §8.6). As in the official SDK a mismatch is only a warning ({@link AcknowledgedModel#warning()}): the file
     * is kept and acknowledged, and {@code decryptModel} still checks the TEE signature over it.
     *
     * @param dataPath a file, or a directory to write {@code lora_model_<taskId>.zip} into
     */
    public AcknowledgedModel acknowledgeModel(String provider, String taskId, Path dataPath) {
        return acknowledgeModel(provider, taskId, dataPath, LoraDownloadOptions.defaults());
    }

    public AcknowledgedModel acknowledgeModel(String provider, String taskId, Path dataPath,
            LoraDownloadOptions options) {
        Deliverable d = getDeliverable(provider, taskId);
        Path file = downloadLoRAFromTEE(provider, taskId, dataPath, options);
        ModelRootCheck.Result check;
        try {
            check = ModelRootCheck.check(taskId, file, d.modelRootHash());
        } catch (IOException e) {
            throw new ZGComputeException("Cannot read the downloaded model " + file + ": " + e.getMessage(), e);
        }
        check.warning().ifPresent(w -> log.warn(w));
        return new AcknowledgedModel(file, check.keccak256(), check.match(), check.warning(),
                acknowledgeDeliverable(provider, taskId));
    }

    /** The sub-account with {@code provider}; "Sub-account not found…" when there is none. */
    public FineTuningAccount getAccount(String provider) {
        LedgerBroker.requireAddress(provider, "provider");
        return toAccount(chain.call(() -> contract.getAccount(user, provider).send()));
    }

    /** The sub-account and how long each active refund stays locked, by the chain's clock. */
    public FineTuningAccountDetail getAccountWithDetail(String provider) {
        FineTuningAccount a = getAccount(provider);
        return new FineTuningAccountDetail(a, PendingRefund.of(a.refunds(), getLockedTime(),
                chain.latestBlockTimestamp()));
    }

    /**
     * Marks the provider's TEE signer as trusted by this user ({@code acknowledgeTEESigner(provider, true)})
     * unless already done. The sub-account must exist: the official SDK tries to create it with a
     * 0-amount transfer, which always fails, so this says what to do instead. The official SDK also fetches
     * the provider's {@code /v1/quote} and only checks that it is non-empty; that call needs the provider's
     * fine-tuning server and is skipped.
     *
     * @return the transaction sent, empty when already acknowledged
     */
    public Optional<TxResult> acknowledgeProviderSigner(String provider) {
        getService(provider);
        if (!Boolean.TRUE.equals(chain.call(() -> contract.accountExists(user, provider).send()))) {
            throw new InvalidRequestException("No fine-tuning sub-account with provider "
                    + Keys.toChecksumAddress(provider) + ": create it first with \"transfer-fund --provider "
                    + Keys.toChecksumAddress(provider) + " --service fine-tuning --amount <0G>\" (which also "
                    + "acknowledges the provider).");
        }
        if (getAccount(provider).acknowledged()) {
            return Optional.empty();
        }
        return Optional.of(send(contract.acknowledgeTEESigner(provider, true).encodeFunctionCall()));
    }

    /** The deliverable of task {@code taskId}; "Deliverable … not found" when the provider has not added it. */
    public Deliverable getDeliverable(String provider, String taskId) {
        LedgerBroker.requireAddress(provider, "provider");
        requireTaskId(taskId);
        return toDeliverable(chain.call(() -> contract.getDeliverable(user, provider, taskId).send()));
    }

    /**
     * Accepts the delivered model without downloading it (the official escape hatch), so the provider
     * settles with the model key instead of a penalty. Already acknowledged: nothing is sent. A deliverable
     * the provider already settled without acknowledgement cannot be acknowledged any more.
     *
     * @return the transaction sent, empty when already acknowledged
     */
    public Optional<TxResult> acknowledgeDeliverable(String provider, String taskId) {
        if (getDeliverable(provider, taskId).acknowledged()) {
            return Optional.empty();
        }
        return Optional.of(send(contract.acknowledgeDeliverable(provider, taskId).encodeFunctionCall()));
    }

    /**
     * Decrypts a downloaded model (sdk-cli.md §8.7): the deliverable must be acknowledged and settled with
     * its key ({@code encryptedSecret}); the key is unwrapped with ECIES using this wallet's private key, the
     * file is decrypted and its tag signature must come from the service's TEE signer. On any failure no
     * output file is left.
     *
     * @return {@code decryptedModelPath}
     * @throws ModelDecryptionException wrong key, corrupted file or a signature not from the TEE signer
     */
    public Path decryptModel(String provider, String taskId, Path encryptedModelPath, Path decryptedModelPath) {
        String teeSigner = getService(provider).teeSignerAddress();
        Deliverable d = getDeliverable(provider, taskId);
        if (!d.acknowledged()) {
            throw new InvalidRequestException("The deliverable for task " + taskId + " is not acknowledged: "
                    + "acknowledge it first (\"fine-tuning acknowledge-deliverable\"), then wait until the provider "
                    + "has settled it.");
        }
        if (!d.hasEncryptedSecret()) {
            throw new InvalidRequestException("EncryptedSecret not found — ensure the task status is 'Finished' "
                    + "(the provider releases the model key when it settles the task).");
        }
        if (!Files.isRegularFile(encryptedModelPath)) {
            throw new InvalidRequestException("Encrypted model file not found: " + encryptedModelPath);
        }
        try {
            byte[] key = Ecies.decrypt(chain.credentials().getEcKeyPair().getPrivateKey(), d.encryptedSecret());
            new ModelCipher().decrypt(key, encryptedModelPath, decryptedModelPath, teeSigner);
            return decryptedModelPath;
        } catch (FineTuningCryptoException e) {
            throw new ModelDecryptionException("Cannot decrypt the model of task " + taskId + ": " + e.getMessage(),
                    e);
        } catch (IOException e) {
            throw new ZGComputeException("Cannot decrypt " + encryptedModelPath + " into " + decryptedModelPath
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * Fine-tuning {@code verifyService} (sdk-cli.md §4.5): the provider's one combined DStack report from
     * {@code <url>/v1/quote}, saved as {@code fine_tuning_attestation_report.json} in {@code outputDir}, checked as
     * the inference one is (report data = the on-chain TEE signer, compose hash = the event log; a report without a
     * hardware quote is listed as unattested). Read {@link VerificationResult#verified()}.
     */
    public VerificationResult verifyService(String provider, Path outputDir,
            java.util.function.Consumer<VerificationResult.Step> onLog) {
        List<VerificationResult.Step> steps = new java.util.ArrayList<>();
        java.util.function.Consumer<VerificationResult.Step> log = st -> {
            steps.add(st);
            if (onLog != null) {
                onLog.accept(st);
            }
        };
        FineTuningService s = getService(provider);
        log.accept(new VerificationResult.Step(VerificationResult.StepType.STEP, "Verifying fine-tuning provider "
                + provider + " (dstack)"));
        String url = baseUrl(provider) + "/v1/quote";
        ProviderHttp.Reply r = http.get(url, java.util.Map.of());
        if (!r.ok()) {
            throw new ProviderHttpException("getting attestation report failed: HTTP " + r.status() + " from " + url,
                    r.status(), null);
        }
        List<Path> files = new java.util.ArrayList<>();
        var report = AttestationCheck.download(r.body(), url, outputDir.resolve("fine_tuning_attestation_report.json"),
                files, log);
        return AttestationCheck.check(java.util.Map.of("combined", report), s.teeSignerAddress(), null, "dstack",
                false, null, files, outputDir, steps, log);
    }

    private String baseUrl(String provider) {
        String url = getService(provider).url();
        if (url == null || url.isBlank()) {
            throw new ConfigurationException("The fine-tuning service of " + Keys.toChecksumAddress(provider)
                    + " has no URL");
        }
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private String taskUrl(String provider, String taskId) {
        return baseUrl(provider) + "/v1/user/" + user + "/task/" + URLEncoder.encode(taskId, StandardCharsets.UTF_8);
    }

    private long pendingCount(String base) {
        String text = ok(http.get(base + "/v1/task/pending", Map.of()), "Failed to get the provider's queue");
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw new ProviderHttpException("The provider's pending task count is not a number: " + text, 200, e);
        }
    }

    private JsonNode getJson(String url, String failure) {
        return TaskJson.read(ok(http.get(url, Map.of()), failure), "answer");
    }

    /** The body of a 2xx reply, else "<failure>: <provider's error>" (not doubled when it already says so). */
    private static String ok(ProviderHttp.Reply r, String failure) {
        if (r.ok()) {
            return r.body();
        }
        String error = TaskJson.errorText(r.body());
        throw new ProviderHttpException(error.startsWith(failure) ? error : failure + ": " + error, r.status(), null);
    }

    private static String trainingParams(Path path) {
        if (path == null || !Files.isRegularFile(path)) {
            throw new InvalidRequestException("Training parameters file not found: " + path);
        }
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InvalidRequestException("Cannot read the training parameters file " + path + ": "
                    + e.getMessage());
        }
        if (!TaskJson.isJson(text)) {
            throw new InvalidRequestException("The training parameters file " + path + " is not valid JSON");
        }
        return text;
    }

    private static long datasetSize(Path path) {
        if (path == null || !Files.isRegularFile(path)) {
            throw new InvalidRequestException("Dataset file not found: " + path);
        }
        long size;
        try {
            size = Files.size(path);
        } catch (IOException e) {
            throw new InvalidRequestException("Cannot read the dataset file " + path + ": " + e.getMessage());
        }
        if (size > MAX_DATASET_BYTES) {
            throw new InvalidRequestException("The dataset " + path + " is " + size + " bytes; the TEE upload "
                    + "takes at most 100 MB (" + MAX_DATASET_BYTES + " bytes)");
        }
        return size;
    }

    private TxResult send(String data) {
        return chain.sender().send(contract.getContractAddress(), data, BigInteger.ZERO, null);
    }

    private static void requireTaskId(String taskId) {
        if (taskId == null || taskId.isBlank()) {
            throw new InvalidRequestException("The task id is missing");
        }
    }

    private static FineTuningAccount toAccount(FineTuningServing.AccountDetails a) {
        int valid = a.validRefundsLength.intValueExact();
        List<RefundEntry> refunds = new ArrayList<>();
        for (int i = 0; i < Math.min(valid, a.refunds.size()); i++) {
            FineTuningServing.Refund r = a.refunds.get(i);
            refunds.add(new RefundEntry(r.index, r.amount, r.createdAt));
        }
        List<Deliverable> deliverables = a.deliverables.stream().map(FineTuningBroker::toDeliverable).toList();
        return new FineTuningAccount(Keys.toChecksumAddress(a.user), Keys.toChecksumAddress(a.provider), a.nonce,
                a.balance, a.pendingRefund, refunds, a.additionalInfo, deliverables,
                Boolean.TRUE.equals(a.acknowledged));
    }

    private static Deliverable toDeliverable(FineTuningServing.Deliverable d) {
        return new Deliverable(d.id, d.modelRootHash, d.encryptedSecret, Boolean.TRUE.equals(d.acknowledged),
                d.timestamp, Boolean.TRUE.equals(d.settled));
    }
}
