package zg.compute.cli.internal.commands;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import zg.compute.cli.Invocation;
import zg.compute.sdk.ZGComputeNetworkBroker;
import zg.compute.server.ServerLimits;
import zg.compute.webui.WebUiServer;

/**
 * {@code web-ui} (alias {@code ui}, sdk-cli.md §6.5): starts the {@code webui} module's server. Unlike the official
 * Next.js dApp with browser wallets, this is a local UI served by the CLI that acts with the CLI's own key.
 */
@Command(name = "web-ui", aliases = "ui", mixinStandardHelpOptions = true,
        description = "A local web UI: account, marketplace, chat, images, speech, embeddings, API keys, history, fine-tuning.",
        subcommands = WebUiCommands.StartWeb.class)
public final class WebUiCommands implements Runnable {

    private final Invocation inv;

    @Spec
    CommandSpec spec;

    WebUiCommands(Invocation inv) {
        this.inv = inv;
    }

    @Override
    public void run() {
        spec.commandLine().usage(inv.ctx().out());
    }

    @Command(name = "start-web", mixinStandardHelpOptions = true, description = {
            "Serves the dashboard, acting with the CLI's key (keystore or ZG_PRIVATE_KEY). Runs until Ctrl-C.",
            "The API needs the random token in the printed URL, so only whoever has that URL can spend funds."})
    static final class StartWeb extends TransactionCommand {

        @Option(names = {"-p", "--port"}, defaultValue = "3090", paramLabel = "<port>",
                description = "Port (default ${DEFAULT-VALUE}; 0 = any free port)")
        int port;

        @Option(names = {"-H", "--host"}, defaultValue = "127.0.0.1", paramLabel = "<host>",
                description = "Address to bind (default ${DEFAULT-VALUE}; 0.0.0.0 exposes the dashboard on the LAN)")
        String host;

        @Option(names = "--allowed-host", split = ",", paramLabel = "<name>", description = "A Host name to "
                + "answer besides localhost and IP addresses (repeatable). Any other Host gets 403: protection "
                + "against DNS rebinding")
        List<String> allowedHosts = new ArrayList<>();

        StartWeb(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            ServeCommands.checkPort(host, port);
            Connection c = Connection.resolve(inv, network, gas())
                    .withOptions(o -> o.withHttpTimeout(WebUiServer.PROVIDER_TIMEOUT));
            try (ZGComputeNetworkBroker broker = c.broker()) {
                WebUiServer server = ServeCommands.start(() -> WebUiServer.start(broker, c.rpc(), inv.ctx().configDir(), host, port,
                        allowedHosts, ServerLimits.DEFAULTS));
                // The token is a bearer secret for this run only; it is shown so the user can open the page.
                out().println("✓ web UI for " + broker.ledger().userAddress() + " listening on " + server.baseUrl());
                out().println("  Open " + server.pageUrl());
                return ServeCommands.runUntilStopped(out(), server::close);
            }
        }
    }
}
