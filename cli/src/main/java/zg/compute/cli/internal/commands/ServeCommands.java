package zg.compute.cli.internal.commands;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import zg.compute.cli.CliException;
import zg.compute.cli.Invocation;
import zg.compute.cli.internal.serve.EndpointTarget;
import zg.compute.cli.internal.serve.PriorityRouter;
import zg.compute.cli.internal.serve.ProviderTarget;
import zg.compute.cli.internal.serve.ProxyServer;
import zg.compute.cli.internal.serve.Route;
import zg.compute.cli.internal.serve.Target;
import zg.compute.cli.internal.serve.SingleTarget;
import zg.compute.cli.internal.serve.TargetSpec;
import zg.compute.sdk.Amount;
import zg.compute.sdk.InvalidRequestException;
import zg.compute.sdk.ZGComputeNetworkBroker;
import zg.compute.server.Ports;

/** {@code inference serve} and {@code inference router-serve}: the local OpenAI-compatible proxies (sdk-cli.md §7). */
public final class ServeCommands {

    private ServeCommands() {
    }

    /** Where the proxy listens. Loopback by default: the port spends the wallet's funds without any auth. */
    public static final class ListenOptions {

        @Option(names = "--port", defaultValue = "3000", paramLabel = "<port>",
                description = "Port (default ${DEFAULT-VALUE}; 0 = any free port)")
        int port;

        @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "<host>", description = "Address to "
                + "bind (default ${DEFAULT-VALUE}; the official CLI's 0.0.0.0 lets anyone on the network spend "
                + "your funds)")
        String host;

        @Option(names = "--allowed-host", split = ",", paramLabel = "<name>", description = "A Host name to "
                + "answer besides localhost and IP addresses (repeatable; e.g. the machine's name when --host is "
                + "0.0.0.0). Any other Host gets 403: protection against DNS rebinding")
        List<String> allowedHosts = new ArrayList<>();
    }

    /** What both proxies share: the listen flags, the log and running until stopped. */
    abstract static class ProxyCommand extends TransactionCommand {

        @Mixin
        ListenOptions listen;

        @Option(names = "--auto-fund-interval", defaultValue = "60", paramLabel = "<seconds>", description = "Every "
                + "<seconds>, top each provider sub-account up to its unsettled fees + 2 0G from the main account, as "
                + "the official serve does on every request (default ${DEFAULT-VALUE}; 0 = never). The provider's "
                + "unsettled figure counts only up to twice the fees this proxy billed itself since the last top-up")
        long autoFundInterval;

        @Option(names = "--max-auto-fund", paramLabel = "<0G>", description = "The most one automatic top-up may "
                + "move into a sub-account, in 0G (default: twice the fees this proxy billed for that provider since "
                + "the last top-up + the 2 0G buffer)")
        String maxAutoFund;

        ProxyCommand(Invocation inv) {
            super(inv);
        }

        /** Checks the funding flags before anything is sent; the cap, or null for the SDK's default. */
        Amount fundingCap() {
            if (autoFundInterval < 0) {
                throw new CliException("--auto-fund-interval must be 0 (never) or a number of seconds.");
            }
            if (maxAutoFund == null) {
                return null;
            }
            Amount cap;
            try {
                cap = Amount.og(maxAutoFund);
            } catch (InvalidRequestException e) {
                cap = Amount.ZERO;
            }
            if (cap.isZero()) {
                throw new CliException("--max-auto-fund must be a positive amount of 0G (e.g. 0.5), got \""
                        + maxAutoFund + "\".");
            }
            return cap;
        }

        /** A broker on the resolved network whose automatic top-ups are capped at {@code cap} (null: default). */
        ZGComputeNetworkBroker broker(Amount cap) {
            return Connection.resolve(inv, network, gas())
                    .withOptions(o -> cap == null ? o : o.withMaxAutoFund(cap)).broker();
        }

        /** Keeps the sub-account funded while serving, so a long session does not stop at an empty balance. */
        void keepFunded(ZGComputeNetworkBroker broker, String provider, Amount cap) {
            if (autoFundInterval > 0) {
                out().println("Auto-funding " + provider + " every " + autoFundInterval + " s (each top-up at most "
                        + (cap == null ? "2 × the fees billed here since the last one + 2 0G" : cap) + ")");
                out().flush();
                broker.inference().startAutoFunding(provider, Duration.ofSeconds(autoFundInterval), 2);
            }
        }

        /** Billing, verification and failure lines, as they happen (never a key). */
        Consumer<String> log() {
            return line -> {
                out().println(line);
                out().flush();
            };
        }

        int runUntilStopped(ProxyServer server) {
            return ServeCommands.runUntilStopped(out(), server::close);
        }
    }

    @Command(name = "serve", mixinStandardHelpOptions = true, description = {
            "Local OpenAI-compatible proxy to one provider: signs each request, streams, bills and verifies.",
            "Routes (the one of the provider's service type answers): POST /v1/chat/completions, "
                    + "/v1/images/generations, /v1/images/edits, /v1/audio/transcriptions, /v1/embeddings;",
            "POST /v1/verify {\"id\"}, GET /v1/models. Runs until Ctrl-C."})
    public static final class Serve extends ProxyCommand {

        @Option(names = "--provider", required = true, paramLabel = "<address>",
                description = "The provider to serve (acknowledged at start, 1 0G transfer if there is no sub-account)")
        String provider;

        Serve(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            Amount cap = fundingCap();
            checkPort(listen);
            try (ZGComputeNetworkBroker broker = broker(cap)) {
                out().println("Acknowledging provider " + provider + " and reading its service …");
                out().flush();
                ProviderTarget target = ProviderTarget.connect(broker.inference(), provider);
                route(target);
                keepFunded(broker, provider, cap);
                ProxyServer server = start(() -> ProxyServer.start(new SingleTarget(target),
                        ProxyServer.Settings.serve(listen.host, listen.port).withAllowedHosts(listen.allowedHosts), log()));
                out().println("✓ inference serve listening on " + server.baseUrl() + " — provider " + target.id()
                        + ", " + target.serviceType() + ", model " + target.model());
                out().println("  POST " + server.baseUrl() + route(target).localPath() + "   (OpenAI base URL: "
                        + server.baseUrl() + "/v1)");
                return runUntilStopped(server);
            }
        }
    }

    @Command(name = "router-serve", mixinStandardHelpOptions = true, description = {
            "Local OpenAI-compatible router over several providers and endpoints with priorities and failover.",
            "Lowest priority number first; a failed target is skipped for 60 s; when all failed, all are reset.",
            "Each route (POST /v1/chat/completions, /v1/images/generations, /v1/images/edits, /v1/audio/transcriptions,",
            "/v1/embeddings) goes to the targets of its service type; POST /v1/verify {\"id\"}, GET /v1/providers/status,",
            "GET /v1/models."})
    public static final class RouterServe extends ProxyCommand {

        @Option(names = "--add-provider", paramLabel = "<address[,priority]>",
                description = "An on-chain provider (repeatable)")
        List<String> providers = new ArrayList<>();

        @Option(names = "--add-endpoint", paramLabel = "<id,url,apikey[,model[,priority[,serviceType]]]>",
                description = "A direct OpenAI-compatible endpoint (repeatable); model default "
                        + TargetSpec.DEFAULT_ENDPOINT_MODEL + ", service type default " + TargetSpec.DEFAULT_ENDPOINT_TYPE)
        List<String> endpoints = new ArrayList<>();

        @Option(names = "--default-provider-priority", defaultValue = "100", paramLabel = "<n>",
                description = "Priority of an --add-provider without one (default ${DEFAULT-VALUE})")
        int defaultProviderPriority;

        @Option(names = "--default-endpoint-priority", defaultValue = "50", paramLabel = "<n>",
                description = "Priority of an --add-endpoint without one (default ${DEFAULT-VALUE})")
        int defaultEndpointPriority;

        @Option(names = "--cache-duration", defaultValue = "60", paramLabel = "<seconds>",
                description = "How long answers stay available to /v1/verify (default ${DEFAULT-VALUE})")
        long cacheDuration;

        @Option(names = "--request-timeout", defaultValue = "60", paramLabel = "<seconds>",
                description = "A target silent this long counts as failed (default ${DEFAULT-VALUE})")
        long requestTimeout;

        RouterServe(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            List<TargetSpec.Provider> ps;
            List<TargetSpec.Endpoint> es;
            try {
                ps = providers.stream().map(s -> TargetSpec.provider(s, defaultProviderPriority)).toList();
                es = endpoints.stream().map(s -> TargetSpec.endpoint(s, defaultEndpointPriority)).toList();
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage());
            }
            if (ps.isEmpty() && es.isEmpty()) {
                throw new CliException("Add at least one target: --add-provider <address>[,<priority>] or "
                        + "--add-endpoint <id>,<url>,<apikey>[,<model>[,<priority>]].");
            }
            if (cacheDuration <= 0 || requestTimeout <= 0) {
                throw new CliException("--cache-duration and --request-timeout must be at least 1 second.");
            }
            es.forEach(e -> inv.addSecret(e.apiKey()));
            Amount cap = fundingCap();
            checkPort(listen);
            // Only on-chain providers need a key and the chain.
            try (ZGComputeNetworkBroker broker = ps.isEmpty() ? null : broker(cap)) {
                List<PriorityRouter.Prioritised> targets = new ArrayList<>();
                for (TargetSpec.Provider p : ps) {
                    out().println("Acknowledging provider " + p.address() + " and reading its service …");
                    out().flush();
                    ProviderTarget t = connect(broker, p.address());
                    route(t);
                    targets.add(new PriorityRouter.Prioritised(t, p.priority()));
                    keepFunded(broker, p.address(), cap);
                }
                for (TargetSpec.Endpoint e : es) {
                    targets.add(new PriorityRouter.Prioritised(new EndpointTarget(e.id(), e.url(), e.apiKey(),
                            e.model(), e.serviceType()), e.priority()));
                }
                PriorityRouter router = new PriorityRouter(targets, Duration.ofSeconds(60), Clock.systemUTC());
                // as the official router: a provider that does not answer at start is marked unavailable (and
                // tried again after the cool-down) instead of stopping the start or taking the first request
                for (PriorityRouter.Prioritised p : targets) {
                    if (p.target() instanceof ProviderTarget t && t.unreachableAtConnect().isPresent()) {
                        router.failed(t, t.unreachableAtConnect().get());
                        out().println("⚠ provider " + t.id() + " does not answer: marked unavailable for 60 s ("
                                + t.unreachableAtConnect().get() + ")");
                    }
                }
                ProxyServer server = start(() -> ProxyServer.start(router, new ProxyServer.Settings(listen.host,
                        listen.port, Duration.ofSeconds(requestTimeout), Duration.ofSeconds(cacheDuration))
                        .withAllowedHosts(listen.allowedHosts), log()));
                out().println("✓ inference router-serve listening on " + server.baseUrl());
                router.status().forEach(s -> out().println("  priority " + s.priority() + "  " + s.target().kind()
                        + " " + s.target().id() + "  model " + s.target().model() + "  (" + s.target().serviceType()
                        + ": POST " + server.baseUrl() + Route.of(s.target().serviceType()).localPath() + ")"));
                return runUntilStopped(server);
            }
        }

        private static ProviderTarget connect(ZGComputeNetworkBroker broker, String address) {
            try {
                return ProviderTarget.connect(broker.inference(), address);
            } catch (RuntimeException e) {
                throw new CliException("provider " + address + ": " + e.getMessage());
            }
        }
    }

    /** The route a target answers; a provider of a type without one cannot be served. */
    static Route route(Target t) {
        Route r = Route.of(t.serviceType());
        if (r == null) {
            throw new CliException("provider " + t.id() + " serves " + t.serviceType() + ", which this proxy has no "
                    + "route for (it serves " + String.join(", ", Route.serviceTypes()) + ").");
        }
        return r;
    }

    /**
     * Serves until Ctrl-C (shutdown hook) or, in-process, until the thread is interrupted; then runs
     * {@code close} and returns 0. Shared by every long-running server command.
     */
    static int runUntilStopped(PrintWriter out, Runnable close) {
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            close.run();
            stopped.countDown();
        }, "serve-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("ready — Ctrl-C stops the server");
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Runtime.getRuntime().removeShutdownHook(hook);
            close.run();
            out.println("stopped");
            out.flush();
        }
        return 0;
    }

    private static void checkPort(ListenOptions listen) {
        checkPort(listen.host, listen.port);
    }

    /** Fails before any transaction when the port is out of range or taken. */
    static void checkPort(String host, int port) {
        if (port < 0 || port > 65_535) {
            throw new CliException("--port must be within 0..65535, got " + port);
        }
        start(() -> {
            Ports.requireFree(host, port, ProxyServer.PORT_ADVICE);
            return null;
        });
    }

    /** Turns a bind failure's friendly {@link IllegalStateException} into the CLI's error. */
    static <T> T start(Supplier<T> bind) {
        try {
            return bind.get();
        } catch (IllegalStateException e) {
            throw new CliException(e.getMessage());
        }
    }
}
