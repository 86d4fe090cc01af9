package zg.compute.cli.internal.commands;

import java.util.Locale;
import java.util.function.Function;
import picocli.CommandLine.Mixin;
import zg.compute.cli.CliException;
import zg.compute.cli.Invocation;
import zg.compute.sdk.ServiceKind;
import zg.compute.sdk.TxResult;
import zg.compute.sdk.ZGComputeNetworkBroker;

/** A command that needs a signing broker: network flags plus the key from {@code KeySource}. */
abstract class BrokerCommand extends CliCommand {

    @Mixin
    NetworkOptions network;

    BrokerCommand(Invocation inv) {
        super(inv);
    }

    /** Gas flags, for commands that send transactions (null for read-only ones). */
    GasOptions gas() {
        return null;
    }

    <T> T withBroker(Function<ZGComputeNetworkBroker, T> action) {
        try (ZGComputeNetworkBroker broker = Connection.resolve(inv, network, gas()).broker()) {
            return action.apply(broker);
        }
    }

    void printTx(TxResult tx) {
        out().println("  Transaction: " + tx.hash());
    }

    static ServiceKind kind(String service) {
        String s = service == null ? "inference" : service.trim().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "inference", "inf" -> ServiceKind.INFERENCE;
            case "fine-tuning", "finetuning", "ft" -> ServiceKind.FINE_TUNING;
            default -> throw new CliException("Unknown service \"" + service + "\": use inference or fine-tuning.");
        };
    }
}
