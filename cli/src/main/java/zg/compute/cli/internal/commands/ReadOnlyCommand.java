package zg.compute.cli.internal.commands;

import java.util.function.Function;
import picocli.CommandLine.Mixin;
import zg.compute.cli.Invocation;
import zg.compute.sdk.ZGComputeNetworkReadOnlyBroker;

/** A command that needs no key: a read-only broker (which, unlike the official CLI, honours the CA flags). */
abstract class ReadOnlyCommand extends CliCommand {

    @Mixin
    NetworkOptions network;

    ReadOnlyCommand(Invocation inv) {
        super(inv);
    }

    <T> T withReadOnly(Function<ZGComputeNetworkReadOnlyBroker, T> action) {
        try (ZGComputeNetworkReadOnlyBroker broker = Connection.resolve(inv, network, null).readOnly()) {
            return action.apply(broker);
        }
    }
}
