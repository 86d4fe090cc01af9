package zg.compute.cli.internal.commands;

import picocli.CommandLine.Mixin;
import zg.compute.cli.Invocation;

/** A command that sends transactions: the network flags plus the gas flags. */
abstract class TransactionCommand extends BrokerCommand {

    @Mixin
    GasOptions gas;

    TransactionCommand(Invocation inv) {
        super(inv);
    }

    @Override
    GasOptions gas() {
        return gas;
    }
}
