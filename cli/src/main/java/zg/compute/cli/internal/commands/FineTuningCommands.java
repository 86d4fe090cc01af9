package zg.compute.cli.internal.commands;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import zg.compute.cli.Invocation;
import zg.compute.cli.internal.output.Fmt;
import zg.compute.cli.internal.output.Table;
import zg.compute.sdk.Deliverable;
import zg.compute.sdk.FineTuningModel;
import zg.compute.sdk.FineTuningService;
import zg.compute.sdk.TxResult;

/**
 * {@code fine-tuning} (alias {@code ft}): the on-chain part of sdk-cli.md §6.4. The commands that talk to
 * the provider's fine-tuning task server (create-task, list-tasks, get-task, get-log, cancel-task, upload,
 * acknowledge-model) are not offered: that server does not exist in this project yet.
 */
@Command(name = "fine-tuning", aliases = "ft", mixinStandardHelpOptions = true,
        description = {"Fine-tuning providers, models and deliverables (the on-chain part).",
                "Task commands (create-task, get-task, …) need the provider's fine-tuning task server and are not "
                        + "available yet."},
        subcommands = {FineTuningCommands.ListProviders.class, FineTuningCommands.ListModels.class,
                FineTuningCommands.ListDeliverables.class, FineTuningCommands.GetDeliverable.class,
                FineTuningCommands.AcknowledgeDeliverable.class, FineTuningCommands.DecryptModel.class})
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

    /** {@code --provider} and {@code --task-id}: which deliverable a command is about. */
    public static final class TaskRef {

        @Option(names = "--provider", required = true, paramLabel = "<address>", description = "Provider address")
        String provider;

        @Option(names = "--task-id", required = true, paramLabel = "<id>", description = "Task id")
        String taskId;
    }

    private static String yesNo(boolean b) {
        return b ? "yes" : "no";
    }

    @Command(name = "list-providers", mixinStandardHelpOptions = true,
            description = "List the fine-tuning providers.")
    public static final class ListProviders extends ReadOnlyCommand {

        @Option(names = "--include-invalid", description = "Also list services whose TEE signer the contract "
                + "owner has not acknowledged")
        boolean includeInvalid;

        @Mixin
        JsonOption json;

        ListProviders(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            List<FineTuningService> services = withReadOnly(b -> b.fineTuning().listService(includeInvalid));
            if (json.json) {
                out().println(Fmt.json(services.stream().map(FineTuningCommands::serviceJson).toList()));
                return 0;
            }
            if (services.isEmpty()) {
                out().println("No fine-tuning providers found" + (includeInvalid ? "." : " (--include-invalid "
                        + "also lists providers not yet acknowledged by the contract owner)."));
                return 0;
            }
            Table t = new Table("Provider", "Available", "Price Per Byte in Dataset (0G)", "TEE Signer Acknowledged");
            for (FineTuningService s : services) {
                t.row(s.provider(), s.occupied() ? "✗" : "✓", Fmt.og(s.pricePerToken()),
                        yesNo(s.teeSignerAcknowledged()));
            }
            t.print(out());
            return 0;
        }
    }

    @Command(name = "list-models", mixinStandardHelpOptions = true,
            description = "List the predefined pre-trained models of this network.")
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
                out().println(Fmt.json(models));
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
            out().println("Provider's models are not listed: that needs the provider's fine-tuning task server.");
            return 0;
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
                t.row(d.id(), Instant.ofEpochSecond(d.timestamp().longValueExact()), yesNo(d.acknowledged()),
                        yesNo(d.settled()), yesNo(d.hasEncryptedSecret()));
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
                    .row("Acknowledged", yesNo(d.acknowledged()))
                    .row("Settled", yesNo(d.settled()))
                    .row("Model Key Released", yesNo(d.hasEncryptedSecret()))
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
    public static final class AcknowledgeDeliverable extends TransactionCommand {

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
