package zg.compute.cli.internal.commands;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import zg.compute.cli.CliException;
import zg.compute.cli.Invocation;
import zg.compute.cli.internal.output.Fmt;
import zg.compute.cli.internal.output.Table;
import zg.compute.sdk.AcknowledgedModel;
import zg.compute.sdk.LoraApi;
import zg.compute.sdk.DatasetUpload;
import zg.compute.sdk.Deliverable;
import zg.compute.sdk.FineTuningAccount;
import zg.compute.sdk.FineTuningBroker;
import zg.compute.sdk.FineTuningModel;
import zg.compute.sdk.FineTuningService;
import zg.compute.sdk.FineTuningTask;
import zg.compute.sdk.FineTuningProviderModel;
import zg.compute.sdk.TokenEstimate;
import zg.compute.sdk.TxResult;
import zg.compute.sdk.ZGComputeNetworkReadOnlyBroker;

/**
 * {@code fine-tuning} (alias {@code ft}): sdk-cli.md §6.4. Datasets and models travel straight to and from
 * the provider's TEE; the 0G Storage commands (upload, download, calculate-token) are not offered, there is no
 * storage client in this build.
 */
@Command(name = "fine-tuning", aliases = "ft", mixinStandardHelpOptions = true,
        description = {"Fine-tuning: providers, models, tasks and their delivered models.",
                "Datasets are uploaded to, and models downloaded from, the provider's TEE (0G Storage is not "
                        + "available in this build)."},
        subcommands = {FineTuningCommands.ListProviders.class, FineTuningCommands.ListModels.class,
                FineTuningCommands.Upload.class, FineTuningCommands.CalculateToken.class,
                FineTuningCommands.ModelUsage.class, FineTuningCommands.GetAdapterName.class,
                FineTuningCommands.RemoveService.class,
                FineTuningCommands.CreateTask.class, FineTuningCommands.CancelTask.class,
                FineTuningCommands.ListTasks.class, FineTuningCommands.GetTask.class, FineTuningCommands.GetLog.class,
                FineTuningCommands.AcknowledgeModel.class,
                FineTuningCommands.ListDeliverables.class, FineTuningCommands.GetDeliverable.class,
                FineTuningCommands.AcknowledgeDeliverable.class, FineTuningCommands.DecryptModel.class,
                FineTuningCommands.DeployAdapter.class, FineTuningCommands.Chat.class, FineTuningCommands.Verify.class,
                ProviderServiceCommands.FineTuningAckProvider.class, ProviderServiceCommands.FineTuningRevoke.class})
public final class FineTuningCommands implements Runnable {

    private final Invocation inv;

    @Spec
    CommandSpec spec;

    FineTuningCommands(Invocation inv) {
        this.inv = inv;
    }

    @Override
    public void run() {
        spec.commandLine().usage(inv.ctx().out());
    }

    static Map<String, Object> serviceJson(FineTuningService s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("provider", s.provider());
        m.put("url", s.url());
        m.put("available", !s.occupied());
        m.put("pricePerByte", Fmt.og(s.pricePerToken()));
        m.put("cpuCount", s.quota().cpuCount());
        m.put("nodeMemory", s.quota().nodeMemory());
        m.put("gpuCount", s.quota().gpuCount());
        m.put("nodeStorage", s.quota().nodeStorage());
        m.put("gpuType", s.quota().gpuType());
        m.put("models", s.models());
        m.put("teeSignerAddress", s.teeSignerAddress());
        m.put("teeSignerAcknowledged", s.teeSignerAcknowledged());
        return m;
    }

    static Map<String, Object> deliverableJson(Deliverable d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("taskId", d.id());
        m.put("modelRootHash", d.modelRootHashText());
        m.put("deliveredAt", Instant.ofEpochSecond(d.timestamp().longValueExact()).toString());
        m.put("acknowledged", d.acknowledged());
        m.put("settled", d.settled());
        m.put("hasEncryptedSecret", d.hasEncryptedSecret());
        return m;
    }

    static Map<String, Object> taskJson(FineTuningTask t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", t.id());
        m.put("createdAt", String.valueOf(t.createdAt()));
        m.put("updatedAt", String.valueOf(t.updatedAt()));
        m.put("userAddress", t.userAddress());
        m.put("preTrainedModelHash", t.preTrainedModelHash());
        m.put("datasetHash", t.datasetHash());
        m.put("trainingParams", t.trainingParams());
        m.put("fee", t.fee().toString());
        m.put("nonce", t.nonce().toString());
        m.put("progress", t.progress());
        m.put("deliverIndex", t.deliverIndex());
        m.put("deliverTime", t.deliverTime() == null ? null : t.deliverTime().toString());
        m.put("modelType", t.modelType());
        m.put("wait", t.waitInQueue());
        return m;
    }

    /** {@code --provider}: the fine-tuning provider a task command talks to. */
    public static final class ProviderRef {

        @Option(names = "--provider", required = true, paramLabel = "<address>", description = "Provider address")
        String provider;
    }

    /** {@code --provider} and an optional {@code --task}: a task, the latest by default. */
    public static final class LatestTaskRef {

        @Option(names = "--provider", required = true, paramLabel = "<address>", description = "Provider address")
        String provider;

        @Option(names = "--task", paramLabel = "<id>", description = "Task id (default: the latest)")
        String task;
    }

    /** {@code --provider} and {@code --task-id}: which deliverable a command is about. */
    public static final class TaskRef {

        @Option(names = "--provider", required = true, paramLabel = "<address>", description = "Provider address")
        String provider;

        @Option(names = "--task-id", required = true, paramLabel = "<id>", description = "Task id")
        String taskId;
    }

    @Command(name = "list-providers", mixinStandardHelpOptions = true,
            description = "List the fine-tuning providers.")
    public static final class ListProviders extends ServiceListCommand<FineTuningService> {

        ListProviders(Invocation inv) {
            super(inv);
        }

        @Override
        String what() {
            return "fine-tuning providers";
        }

        @Override
        List<FineTuningService> list(ZGComputeNetworkReadOnlyBroker broker) {
            return broker.fineTuning().listService(includeInvalid);
        }

        @Override
        Map<String, Object> toJson(FineTuningService s) {
            return serviceJson(s);
        }

        @Override
        void print(List<FineTuningService> services) {
            Table t = new Table("Provider", "Available", "Price Per Byte in Dataset (0G)", "TEE Signer Acknowledged");
            for (FineTuningService s : services) {
                t.row(s.provider(), s.occupied() ? "✗" : "✓", Fmt.og(s.pricePerToken()),
                        Fmt.yesNo(s.teeSignerAcknowledged()));
            }
            t.print(out());
        }
    }

    @Command(name = "list-models", mixinStandardHelpOptions = true,
            description = "List the predefined pre-trained models of this network, then the providers' own models.")
    public static final class ListModels extends ReadOnlyCommand {

        @Mixin
        JsonOption json;

        ListModels(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            List<FineTuningModel> models = withReadOnly(b -> b.fineTuning().listModel());
            if (json.json) {
                out().println(Fmt.json(Map.of("predefined", models,
                        "provider", withReadOnly(b -> b.fineTuning().listProviderModels()))));
                return 0;
            }
            out().println("Predefined Model:");
            if (models.isEmpty()) {
                out().println("  (none for this network)");
            } else {
                Table t = new Table("Name", "Root Hash", "Tokenizer", "Data Type");
                for (FineTuningModel m : models) {
                    t.row(m.name(), m.rootHash(), m.tokenizer() == null ? "-" : m.tokenizer(),
                            m.dataType() == null ? "-" : m.dataType());
                }
                t.print(out());
            }
            List<FineTuningProviderModel> custom = withReadOnly(b -> b.fineTuning().listProviderModels());
            out().println("Provider's Model:");
            if (custom.isEmpty()) {
                out().println("  (none: no listed provider published any, or none answered)");
            } else {
                Table t = new Table("Name", "Root Hash", "Description", "Provider");
                for (FineTuningProviderModel m : custom) {
                    t.row(m.name(), m.hash(), m.description(), m.provider());
                }
                t.print(out());
            }
            return 0;
        }
    }

    @Command(name = "upload", mixinStandardHelpOptions = true, description = {
            "Upload a dataset and print its hash (what create-task --dataset takes).",
            "The official CLI uploads to 0G Storage; no 0G Storage node is reachable from this build, so the dataset "
                    + "goes to the provider's TEE (--provider), as create-task --dataset-path falls back to."})
    public static final class Upload extends BrokerCommand {

        @Option(names = "--data-path", required = true, paramLabel = "<file>", description = "Dataset file (JSONL)")
        Path dataPath;

        @Option(names = "--provider", paramLabel = "<address>",
                description = "Fine-tuning provider whose TEE receives the dataset (required: no 0G Storage here)")
        String provider;

        Upload(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            if (provider == null) {
                throw new CliException("No 0G Storage node is configured for this network, so the dataset cannot go "
                        + "to 0G Storage: pass --provider <address> to upload it to that provider's TEE instead.");
            }
            out().println("Uploading dataset to the provider's TEE...");
            DatasetUpload up = withBroker(b -> b.fineTuning().uploadDatasetToTEE(provider, dataPath));
            out().println("Dataset uploaded, hash: " + up.datasetHash());
            if (!up.message().isBlank()) {
                out().println(up.message());
            }
            out().println("Use it with: fine-tuning create-task --provider " + provider + " --dataset "
                    + up.datasetHash() + " --model <name> --config-path <file>");
            return 0;
        }
    }

    @Command(name = "calculate-token", mixinStandardHelpOptions = true, description = {
            "Count the dataset's tokens (cl100k_base BPE, shipped with the CLI) and, with --provider, estimate the fee: "
                    + "tokens × the provider's price per token × epochs (fine-tuning.md §2.3).",
            "An estimate: the provider counts again when it sets the task up, and charges its own count."})
    public static final class CalculateToken extends BrokerCommand {

        @Option(names = "--dataset-path", required = true, paramLabel = "<file>", description = "Dataset (JSONL or zip)")
        Path datasetPath;

        @Option(names = "--model", paramLabel = "<name>", description = "Pre-trained model (needed with --provider)")
        String model;

        @Option(names = "--provider", paramLabel = "<address>", description = "Fine-tuning provider (for the fee)")
        String provider;

        @Option(names = "--config-path", paramLabel = "<file>",
                description = "Training parameters (num_train_epochs; default 3 epochs)")
        Path configPath;

        CalculateToken(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            if (provider != null && model == null) {
                throw new CliException("--model is required with --provider (the model's terms are part of the fee).");
            }
            TokenEstimate e = withBroker(b -> b.fineTuning().calculateToken(datasetPath, model, provider,
                    configPath));
            out().println("Tokenizer: " + e.tokenizer());
            out().println("Dataset lines: " + e.lines());
            out().println("Token count: " + e.tokens());
            out().println("Epochs: " + e.epochs());
            if (e.fee() != null) {
                out().println("Price per token: " + e.pricePerToken() + " neuron");
                out().println("Estimated fee: " + e.fee() + " neuron (" + Fmt.og(e.fee()) + " 0G)");
            }
            return 0;
        }
    }

    @Command(name = "model-usage", mixinStandardHelpOptions = true,
            description = "Download a provider's usage description of one of its models (a zip).")
    public static final class ModelUsage extends BrokerCommand {

        @Option(names = "--provider", required = true, paramLabel = "<address>", description = "Provider address")
        String provider;

        @Option(names = "--model", required = true, paramLabel = "<name>", description = "The provider's model")
        String model;

        @Option(names = "--output", required = true, paramLabel = "<path>",
                description = "A file, or a directory for <model>.zip")
        Path output;

        ModelUsage(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            Path written = withBroker(b -> b.fineTuning().modelUsage(provider, model, output));
            out().println("Model downloaded and saved to " + written);
            return 0;
        }
    }

    @Command(name = "get-adapter-name", mixinStandardHelpOptions = true,
            description = "The LoRA adapter name an inference provider serves a fine-tuned model under (offline).")
    public static final class GetAdapterName extends CliCommand {

        @Option(names = "--model", required = true, paramLabel = "<name>", description = "Base model name")
        String model;

        @Option(names = "--task-id", required = true, paramLabel = "<id>", description = "Fine-tuning task id")
        String taskId;

        GetAdapterName(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            out().println(FineTuningBroker.adapterName(model, taskId));
            return 0;
        }
    }

    @Command(name = "remove-service", mixinStandardHelpOptions = true,
            description = "Provider only: remove your fine-tuning service (returns the stake).")
    static final class RemoveService extends ProviderServiceCommands.OwnerCommand {

        RemoveService(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            String hash = transact((broker, b) -> {
                // "Fine-tuning service not found…" when there is none
                broker.fineTuning().getService(broker.ledger().userAddress());
                return b.fineTuning(broker).removeService().send();
            });
            out().println("✓ Fine-tuning service removed");
            out().println("  Transaction: " + hash);
            return 0;
        }
    }

    @Command(name = "create-task", mixinStandardHelpOptions = true, description = {
            "Create a fine-tuning task. With --dataset-path the dataset is first uploaded to the provider's TEE.",
            "The provider's signer is acknowledged first if needed (the fine-tuning sub-account must exist: "
                    + "transfer-fund --service fine-tuning)."})
    public static final class CreateTask extends OneShotTransaction {

        /** Exactly one of a dataset hash or a file to upload. */
        static final class Dataset {
            @Option(names = "--dataset", required = true, paramLabel = "<hash>",
                    description = "Hash of a dataset already uploaded")
            String hash;

            @Option(names = "--dataset-path", required = true, paramLabel = "<file>",
                    description = "Dataset file to upload to the provider's TEE (at most 100 MB)")
            Path path;
        }

        @Mixin
        ProviderRef provider;

        @Option(names = "--model", required = true, paramLabel = "<name>",
                description = "Pre-trained model name (see list-models)")
        String model;

        @Option(names = "--config-path", required = true, paramLabel = "<file>",
                description = "Training parameters, a JSON file")
        Path configPath;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Dataset dataset;

        @Option(names = "--wait", description = "Queue the task when the provider already has tasks in its queue "
                + "(otherwise the command stops and says so)")
        boolean waitInQueue;

        CreateTask(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            String id = withBroker(b -> {
                FineTuningBroker ft = b.fineTuning();
                ft.preTrainedModelHash(provider.provider, model); // an unknown model fails before any upload
                String hash = dataset.hash;
                if (dataset.path != null) {
                    out().println("Uploading dataset to the provider's TEE...");
                    DatasetUpload up = ft.uploadDatasetToTEE(provider.provider, dataset.path);
                    out().println("Dataset uploaded, hash: " + up.datasetHash());
                    hash = up.datasetHash();
                }
                out().println("Verify provider...");
                ft.acknowledgeProviderSigner(provider.provider).ifPresent(this::printTx);
                out().println("Provider verified");
                FineTuningAccount account = ft.getAccount(provider.provider);
                if (account.available().signum() <= 0) {
                    out().println("Warning: your fine-tuning sub-account with this provider has no available "
                            + "balance (balance " + Fmt.og(account.balance()) + " 0G, pending refund "
                            + Fmt.og(account.pendingRefund()) + " 0G): the provider may refuse to settle the task. "
                            + "Add funds with \"transfer-fund --service fine-tuning\".");
                }
                return ft.createTask(provider.provider, model, hash, configPath, waitInQueue);
            });
            out().println("Created Task ID: " + id);
            return 0;
        }
    }

    @Command(name = "cancel-task", mixinStandardHelpOptions = true,
            description = "Cancel a task that has not started training.")
    public static final class CancelTask extends BrokerCommand {

        @Mixin
        ProviderRef provider;

        @Option(names = "--task", required = true, paramLabel = "<id>", description = "Task id")
        String task;

        CancelTask(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            String answer = withBroker(b -> b.fineTuning().cancelTask(provider.provider, task));
            out().println(answer);
            return 0;
        }
    }

    @Command(name = "list-tasks", mixinStandardHelpOptions = true,
            description = "List your fine-tuning tasks with a provider.")
    public static final class ListTasks extends BrokerCommand {

        @Mixin
        ProviderRef provider;

        @Mixin
        JsonOption json;

        ListTasks(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            List<FineTuningTask> tasks = withBroker(b -> b.fineTuning().listTask(provider.provider));
            if (json.json) {
                out().println(Fmt.json(tasks.stream().map(FineTuningCommands::taskJson).toList()));
                return 0;
            }
            if (tasks.isEmpty()) {
                out().println("No tasks yet.");
                return 0;
            }
            Table t = new Table("ID", "Created At", "Status");
            tasks.forEach(task -> t.row(task.id(), task.createdAt(), task.progress()));
            t.print(out());
            return 0;
        }
    }

    @Command(name = "get-task", mixinStandardHelpOptions = true,
            description = "Show one fine-tuning task (the latest without --task).")
    public static final class GetTask extends BrokerCommand {

        @Mixin
        LatestTaskRef ref;

        @Mixin
        JsonOption json;

        GetTask(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            FineTuningTask t = withBroker(b -> b.fineTuning().getTask(ref.provider, ref.task));
            if (json.json) {
                out().println(Fmt.json(taskJson(t)));
                return 0;
            }
            new Table("Field", "Value")
                    .row("ID", t.id())
                    .row("Created At", t.createdAt())
                    .row("Pre-trained Model Hash", t.preTrainedModelHash())
                    .row("Dataset Hash", t.datasetHash())
                    .row("Training Params", t.trainingParams().replaceAll("\\s+", " ").strip())
                    .row("Fee (neuron)", t.fee())
                    .row("Progress", t.progress())
                    .print(out());
            return 0;
        }
    }

    @Command(name = "get-log", mixinStandardHelpOptions = true,
            description = "Print the progress log of a task (the latest without --task).")
    public static final class GetLog extends BrokerCommand {

        @Mixin
        LatestTaskRef ref;

        GetLog(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            String log = withBroker(b -> b.fineTuning().getLog(ref.provider, ref.task));
            out().print(log.endsWith("\n") || log.isEmpty() ? log : log + "\n");
            out().flush();
            return 0;
        }
    }

    @Command(name = "acknowledge-model", mixinStandardHelpOptions = true, description = {
            "Download the delivered (encrypted) model from the provider's TEE, check it against the deliverable's "
                    + "root hash on chain and acknowledge it, so the provider releases its key.",
            "Then wait until the provider settled the task (get-deliverable: Model Key Released) and run "
                    + "decrypt-model."})
    public static final class AcknowledgeModel extends OneShotTransaction {

        @Mixin
        TaskRef task;

        @Option(names = "--data-path", required = true, paramLabel = "<path>",
                description = "File to write, or a directory (lora_model_<task-id>.zip is written into it)")
        Path dataPath;

        @Option(names = "--download-method", defaultValue = "tee", paramLabel = "<method>",
                description = "tee (default; 0g-storage and auto need 0G Storage, not available in this build)")
        String downloadMethod;

        @Option(names = "--deploy", description = "Then deploy the adapter on the inference provider and wait until it"
                + " is served (180 s)")
        boolean deploy;

        @Option(names = "--model", paramLabel = "<name>", description = "The task's base model (required with --deploy)")
        String model;

        @Option(names = "--inference-provider", paramLabel = "<address>",
                description = "The inference provider serving the adapter (default: --provider)")
        String inferenceProvider;

        AcknowledgeModel(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            switch (downloadMethod.trim().toLowerCase(Locale.ROOT)) {
                case "tee" -> { }
                case "0g-storage", "auto" -> throw new CliException("0G Storage is not available in this build: use "
                        + "--download-method tee.");
                default -> throw new CliException("Unknown download method \"" + downloadMethod
                        + "\": use tee.");
            }
            if (deploy && (model == null || model.isBlank())) {
                throw new CliException("--model is required with --deploy (the task's base model).");
            }
            out().println("Downloading the model from the provider's TEE...");
            AcknowledgedModel m = withBroker(
                    b -> b.fineTuning().acknowledgeModel(task.provider, task.taskId, dataPath));
            switch (m.match()) {
                case KECCAK256 -> out().println("✓ Model downloaded to " + m.path() + " (keccak256 " + m.modelHash()
                        + ", matches the deliverable on chain)");
                case STORAGE_ROOT -> out().println("✓ Model downloaded to " + m.path() + " (its 0G Storage root "
                        + "matches the deliverable on chain; keccak256 " + m.modelHash() + ")");
                case NONE -> {
                    out().println("Model downloaded to " + m.path() + " (kept)");
                    out().println("Warning: " + m.warning().orElseThrow());
                }
            }
            if (m.transaction().isEmpty()) {
                out().println("Deliverable for task " + task.taskId + " is already acknowledged; nothing sent.");
            } else {
                out().println("✓ Deliverable for task " + task.taskId + " acknowledged");
                printTx(m.transaction().get());
            }
            if (deploy) {
                String target = inferenceProvider == null ? task.provider : inferenceProvider;
                out().println("Deploying the adapter on " + target + "...");
                LoraApi.Deployment d = withBroker(b -> b.inference().lora().deployAdapter(target, model, task.taskId,
                        true, ACK_DEPLOY_TIMEOUT, line -> out().println("  " + line)));
                out().println("✓ Adapter " + d.adapterName() + " is " + d.state());
            }
            return 0;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true, description = {
            "Download the fine-tuning provider's TEE attestation report (fine_tuning_attestation_report.json) and check"
                    + " it against its on-chain signer.",
            "Exits with 1 when a check fails or the report carries no hardware quote (not attested)."})
    public static final class Verify extends BrokerCommand {

        @Mixin
        VerifyOptions verify;

        Verify(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            var r = withBroker(b -> b.fineTuning().verifyService(verify.provider, ctx().resolve(verify.outputDir),
                    verify.progress(this)));
            return verify.verdict(this, r);
        }
    }

    /** {@code acknowledge-model --deploy} waits this long (sdk-cli.md polling constants). */
    static final java.time.Duration ACK_DEPLOY_TIMEOUT = java.time.Duration.ofSeconds(180);

    /** {@code --adapter-name}, or {@code --model} and {@code --task-id}: which adapter a command means. */
    public static final class AdapterRef {

        @Option(names = "--adapter-name", paramLabel = "<name>", description = "The adapter's name")
        String adapterName;

        @Option(names = "--model", paramLabel = "<name>", description = "Base model (with --task-id)")
        String model;

        @Option(names = "--task-id", paramLabel = "<id>", description = "Fine-tuning task id (with --model)")
        String taskId;

        void check() {
            if (adapterName == null && (model == null || taskId == null)) {
                throw new CliException("Give --adapter-name, or --model and --task-id.");
            }
        }

        String name() {
            return adapterName != null ? adapterName : zg.compute.protocol.finetuning.AdapterName.of(model, taskId);
        }
    }

    @Command(name = "deploy-adapter", mixinStandardHelpOptions = true, description = {
            "Deploy a fine-tuned LoRA adapter on an INFERENCE provider that serves adapters (the model must be "
                    + "acknowledged on chain first: acknowledge-model).",
            "Then chat with it: fine-tuning chat, or any OpenAI client with model = the adapter name."})
    public static final class DeployAdapter extends BrokerCommand {

        @Option(names = "--provider", required = true, paramLabel = "<address>",
                description = "The inference provider")
        String provider;

        @Mixin
        AdapterRef adapter;

        @Option(names = "--wait", description = "Wait until the adapter is served")
        boolean wait;

        @Option(names = "--timeout", defaultValue = "120", paramLabel = "<seconds>",
                description = "How long --wait waits (default 120)")
        long timeout;

        DeployAdapter(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            adapter.check();
            if (timeout <= 0) {
                throw new CliException("--timeout must be a positive number of seconds.");
            }
            java.time.Duration t = java.time.Duration.ofSeconds(timeout);
            LoraApi.Deployment d = withBroker(b -> adapter.adapterName != null
                    ? b.inference().lora().deployAdapterByName(provider, adapter.adapterName, wait, t,
                            line -> out().println("  " + line))
                    : b.inference().lora().deployAdapter(provider, adapter.model, adapter.taskId, wait, t,
                            line -> out().println("  " + line)));
            out().println((wait ? "✓ Adapter " + d.adapterName() + " is " : "Adapter " + d.adapterName() + ": ")
                    + d.state());
            if (!d.message().isEmpty()) {
                out().println(d.message());
            }
            return 0;
        }
    }

    @Command(name = "chat", mixinStandardHelpOptions = true, description = {
            "Chat with a deployed fine-tuned adapter on an inference provider: billed as a chat with its base model,"
                    + " the answer's TEE signature checked."})
    public static final class Chat extends BrokerCommand {

        @Option(names = "--provider", required = true, paramLabel = "<address>",
                description = "The inference provider")
        String provider;

        @Option(names = "--message", required = true, paramLabel = "<text>", description = "Your message")
        String message;

        @Mixin
        AdapterRef adapter;

        @Option(names = "--system", defaultValue = LoraApi.DEFAULT_SYSTEM_PROMPT, paramLabel = "<text>",
                description = "System prompt (default: ${DEFAULT-VALUE})")
        String system;

        Chat(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            adapter.check();
            LoraApi.Chat c = withBroker(b -> b.inference().lora().chat(provider, adapter.name(), adapter.model,
                    message, system));
            out().println("Assistant: " + c.content());
            out().println("Tokens: " + c.promptTokens() + " prompt, " + c.completionTokens() + " completion; fee "
                    + c.fee() + " neuron");
            out().println(c.verification().isVerified() ? "✓ Response signature verified (chat id " + c.chatId() + ")"
                    : "✗ Response signature NOT verified (chat id " + c.chatId() + ")");
            return c.verification().isVerified() ? 0 : 1;
        }
    }

    @Command(name = "list-deliverables", mixinStandardHelpOptions = true,
            description = "List the deliverables (delivered fine-tuning results) of your sub-account with a provider.")
    public static final class ListDeliverables extends BrokerCommand {

        @Option(names = "--provider", required = true, paramLabel = "<address>", description = "Provider address")
        String provider;

        @Mixin
        JsonOption json;

        ListDeliverables(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            List<Deliverable> ds = withBroker(b -> b.fineTuning().getAccount(provider).deliverables());
            if (json.json) {
                out().println(Fmt.json(ds.stream().map(FineTuningCommands::deliverableJson).toList()));
                return 0;
            }
            if (ds.isEmpty()) {
                out().println("No deliverables yet.");
                return 0;
            }
            Table t = new Table("Task ID", "Delivered At", "Acknowledged", "Settled", "Model Key Released");
            for (Deliverable d : ds) {
                t.row(d.id(), Instant.ofEpochSecond(d.timestamp().longValueExact()), Fmt.yesNo(d.acknowledged()),
                        Fmt.yesNo(d.settled()), Fmt.yesNo(d.hasEncryptedSecret()));
            }
            t.print(out());
            return 0;
        }
    }

    @Command(name = "get-deliverable", mixinStandardHelpOptions = true,
            description = "Show the deliverable of one fine-tuning task.")
    public static final class GetDeliverable extends BrokerCommand {

        @Mixin
        TaskRef task;

        @Mixin
        JsonOption json;

        GetDeliverable(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            Deliverable d = withBroker(b -> b.fineTuning().getDeliverable(task.provider, task.taskId));
            if (json.json) {
                out().println(Fmt.json(deliverableJson(d)));
                return 0;
            }
            new Table("Field", "Value")
                    .row("Task ID", d.id())
                    .row("Model Root Hash", d.modelRootHashText())
                    .row("Delivered At", Instant.ofEpochSecond(d.timestamp().longValueExact()))
                    .row("Acknowledged", Fmt.yesNo(d.acknowledged()))
                    .row("Settled", Fmt.yesNo(d.settled()))
                    .row("Model Key Released", Fmt.yesNo(d.hasEncryptedSecret()))
                    .print(out());
            if (!d.acknowledged() && !d.settled()) {
                out().println("Tip: acknowledge it with \"fine-tuning acknowledge-deliverable\" before the provider "
                        + "settles, or the model key is never released.");
            }
            return 0;
        }
    }

    @Command(name = "acknowledge-deliverable", mixinStandardHelpOptions = true,
            description = "Acknowledge a delivered model without downloading it, so the provider releases its key.")
    public static final class AcknowledgeDeliverable extends OneShotTransaction {

        @Mixin
        TaskRef task;

        AcknowledgeDeliverable(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            Optional<TxResult> tx = withBroker(
                    b -> b.fineTuning().acknowledgeDeliverable(task.provider, task.taskId));
            if (tx.isEmpty()) {
                out().println("Deliverable for task " + task.taskId + " is already acknowledged; nothing sent.");
                return 0;
            }
            out().println("✓ Deliverable for task " + task.taskId + " acknowledged");
            printTx(tx.get());
            return 0;
        }
    }

    @Command(name = "decrypt-model", mixinStandardHelpOptions = true, description = {
            "Decrypt a downloaded fine-tuned model with the key the provider released on settlement.",
            "The deliverable must be acknowledged and settled (task status 'Finished'); the file must be signed by "
                    + "the provider's TEE signer, otherwise nothing is written."})
    public static final class DecryptModel extends BrokerCommand {

        @Mixin
        TaskRef task;

        @Option(names = "--encrypted-model", required = true, paramLabel = "<file>",
                description = "The downloaded encrypted model")
        Path encrypted;

        @Option(names = "--output", required = true, paramLabel = "<file>", description = "Where to write the model")
        Path output;

        DecryptModel(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            Path written = withBroker(b -> b.fineTuning().decryptModel(task.provider, task.taskId, encrypted, output));
            out().println("✓ Decrypted model written to " + written);
            return 0;
        }
    }
}
