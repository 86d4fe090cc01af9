package zg.compute.cli.internal.commands;

import picocli.CommandLine.Option;

/** {@code --json}: machine-readable output for scripts. */
public final class JsonOption {

    @Option(names = "--json", description = "Print JSON instead of tables")
    boolean json;
}
