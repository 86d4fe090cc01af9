package zg.compute.cli.internal.commands;

import java.util.List;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import zg.compute.cli.Invocation;
import zg.compute.cli.internal.output.Fmt;
import zg.compute.sdk.ZGComputeNetworkReadOnlyBroker;

/**
 * A read-only provider listing: {@code --include-invalid} and {@code --json}, one JSON array for scripts, a hint
 * when nothing is listed, otherwise the subclass's tables.
 */
abstract class ServiceListCommand<T> extends ReadOnlyCommand {

    @Option(names = "--include-invalid", description = "Also list services whose TEE signer the contract "
            + "owner has not acknowledged")
    boolean includeInvalid;

    @Mixin
    JsonOption json;

    ServiceListCommand(Invocation inv) {
        super(inv);
    }

    /** What is listed, e.g. "providers" (for the message when there are none). */
    abstract String what();

    abstract List<T> list(ZGComputeNetworkReadOnlyBroker broker);

    abstract Map<String, Object> toJson(T service);

    abstract void print(List<T> services);

    @Override
    public Integer call() {
        List<T> services = withReadOnly(this::list);
        if (json.json) {
            out().println(Fmt.json(services.stream().map(this::toJson).toList()));
        } else if (services.isEmpty()) {
            out().println("No " + what() + " found" + (includeInvalid ? "." : " (--include-invalid also lists "
                    + "providers not yet acknowledged by the contract owner)."));
        } else {
            print(services);
        }
        return 0;
    }
}
