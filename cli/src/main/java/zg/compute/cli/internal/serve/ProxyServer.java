package zg.compute.cli.internal.serve;

import zg.compute.server.RawBody;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import zg.compute.sdk.ResponseVerification;
import zg.compute.sdk.ZGComputeException;
import zg.compute.sdk.ZGComputeNetworkBroker;
import zg.compute.server.GuardedHttpServer;
import zg.compute.server.GuardedHttpServer.Listeners;
import zg.compute.server.HostCheck;
import zg.compute.server.ServerLimits;

/**
 * The local OpenAI-compatible proxy of {@code inference serve} and {@code router-serve} (sdk-cli.md §7,
 * services-and-ui.md A.7): one paid route per service type ({@link Route}), {@code POST /v1/verify},
 * {@code GET /v1/models}, {@code GET /v1/providers/status}. No CORS: only local programs, not web pages, may spend
 * through it; and only requests with its own Host names (localhost, IP literals, {@code --allowed-host}) are answered,
 * so a page cannot reach it by DNS rebinding either.
 */
public final class ProxyServer implements AutoCloseable {

    /** 32 MiB like the provider broker, instead of express's 100 kB. */
    public static final long MAX_BODY = 32L * 1024 * 1024;
    static final String TOO_LARGE = "Request body size exceeds the maximum allowed size of 32MB";

    /**
     * @param requestTimeout how long a target may stay silent before it counts as failed
     * @param cacheTtl       how long exchanges stay available to {@code /v1/verify}
     * @param allowedHosts   Host names answered besides localhost and IP literals ({@code --allowed-host})
     * @param limits         header, body and idle timeouts of the listener
     */
    public record Settings(String host, int port, Duration requestTimeout, Duration cacheTtl, List<String> allowedHosts,
            ServerLimits limits) {

        public Settings(String host, int port, Duration requestTimeout, Duration cacheTtl) {
            this(host, port, requestTimeout, cacheTtl, List.of(), ServerLimits.DEFAULTS);
        }

        /** {@code inference serve}: a model may think for minutes; verify works for 20 minutes. */
        public static Settings serve(String host, int port) {
            return new Settings(host, port, Duration.ofMinutes(10), Duration.ofMinutes(20));
        }

        public Settings withAllowedHosts(List<String> names) {
            return new Settings(host, port, requestTimeout, cacheTtl, List.copyOf(names), limits);
        }

        public Settings withLimits(ServerLimits l) {
            return new Settings(host, port, requestTimeout, cacheTtl, allowedHosts, l);
        }
    }

    /** What a taken port's error adds. */
    public static final String PORT_ADVICE = ": stop what listens there or pick another with --port";

    /** Every route, for the 404 answer. */
    private static final String ROUTES = Arrays.stream(Route.values()).map(r -> "POST " + r.localPath())
            .collect(Collectors.joining(", ")) + ", POST /v1/async/images/generations, POST /v1/async/images/edits,"
            + " GET /v1/async/jobs/{jobId}, POST /v1/verify, GET /v1/models, GET /v1/providers/status";

    private final Vertx vertx;
    private final Listeners server;
    private final Upstream upstream;
    private final String host;

    private ProxyServer(Vertx vertx, Listeners server, Upstream upstream, String host) {
        this.vertx = vertx;
        this.server = server;
        this.upstream = upstream;
        this.host = host;
    }

    /**
     * {@code inference serve} for one provider, for programs and tests: acknowledges the provider, reads its
     * metadata and listens on {@code host:port} (0 = any free port). Log lines (billing, verification,
     * failures; never a key) go to {@code log}.
     */
    public static ProxyServer serve(ZGComputeNetworkBroker broker, String provider, String host, int port,
            Consumer<String> log) {
        return start(new SingleTarget(ProviderTarget.connect(broker.inference(), provider)),
                Settings.serve(host, port), log);
    }

    /** @throws IllegalStateException with a friendly text when the port is taken */
    public static ProxyServer start(Routing routing, Settings settings, Consumer<String> log) {
        Vertx vertx = Vertx.vertx();
        try {
            Upstream upstream = new Upstream(vertx, settings.requestTimeout());
            ExchangeCache cache = new ExchangeCache(settings.cacheTtl(), 1_000, 256L * 1024 * 1024,
                    Clock.systemUTC());
            Router router = Router.router(vertx);
            router.errorHandler(413, ctx -> JsonReplies.error(ctx.response(), 413, TOO_LARGE));
            router.errorHandler(500, ctx -> JsonReplies.error(ctx.response(), 500, "internal error: "
                    + (ctx.failure() == null ? "unknown" : RelayHandler.reason(ctx.failure()))));
            for (Route r : Route.values()) {
                router.post(r.localPath()).handler(new RawBody(MAX_BODY))
                        .handler(new RelayHandler(vertx, r, routing, upstream, cache, log));
            }
            AsyncJobsHandler async = new AsyncJobsHandler(vertx, routing, upstream, cache, log, Clock.systemUTC());
            for (Route r : List.of(Route.IMAGES, Route.IMAGE_EDITS)) {
                router.post("/v1/async" + r.path()).handler(new RawBody(MAX_BODY)).handler(ctx -> async.submit(ctx, r));
            }
            router.get("/v1/async/jobs/:jobId").handler(async::poll);
            router.post("/v1/verify").handler(BodyHandler.create(false).setBodyLimit(64 * 1024))
                    .handler(ctx -> verify(vertx, cache, ctx));
            router.get("/v1/models").handler(ctx -> JsonReplies.json(ctx.response(), 200, models(routing)));
            router.get("/v1/providers/status").handler(ctx -> JsonReplies.json(ctx.response(), 200, status(routing)));
            router.route().last().handler(ctx -> JsonReplies.error(ctx.response(), 404,
                    "not found: " + ctx.request().method() + " " + ctx.request().path()
                            + " (routes: " + ROUTES + ")"));
            // any web page could reach this port by DNS rebinding and spend the wallet: only our own Host names
            Listeners server = GuardedHttpServer.listen(vertx, new HttpServerOptions(), settings.limits(),
                    new HostCheck(settings.allowedHosts(), "--allowed-host").guard(router), settings.host(),
                    settings.port(), PORT_ADVICE);
            return new ProxyServer(vertx, server, upstream, settings.host());
        } catch (RuntimeException e) {
            vertx.close().await();
            throw e;
        }
    }

    private static void verify(Vertx vertx, ExchangeCache cache, RoutingContext ctx) {
        String id;
        try {
            Object v = ctx.body().asJsonObject().getValue("id");
            id = v instanceof String s && !s.isBlank() ? s : null;
        } catch (RuntimeException notJson) {
            id = null;
        }
        if (id == null) {
            JsonReplies.error(ctx.response(), 400, "id is required: the ZG-Res-Key header or the completion id");
            return;
        }
        var found = cache.get(id);
        if (found.isEmpty()) {
            JsonReplies.json(ctx.response(), 200, new JsonObject().put("isValid", false).put("error",
                    "no response with id " + id + " passed through this proxy recently; only those can be checked "
                            + "against the bytes sent and received"));
            return;
        }
        Exchange ex = found.get();
        vertx.executeBlocking(() -> ex.target().verify(ex), false).onComplete(ar -> {
            JsonObject out = new JsonObject().put("isValid", ar.succeeded() && ar.result() == ResponseVerification.VERIFIED);
            if (ar.failed()) {
                out.put("error", ar.cause() instanceof ZGComputeException ? ar.cause().getMessage()
                        : RelayHandler.reason(ar.cause()));
            }
            JsonReplies.json(ctx.response(), 200, out);
        });
    }

    private static JsonObject models(Routing routing) {
        JsonArray data = new JsonArray();
        for (TargetStatus s : routing.status()) {
            data.add(new JsonObject().put("id", s.target().model()).put("object", "model")
                    .put("owned_by", s.target().id()).put("service_type", s.target().serviceType()));
        }
        return new JsonObject().put("object", "list").put("data", data);
    }

    private static JsonArray status(Routing routing) {
        JsonArray out = new JsonArray();
        for (TargetStatus s : routing.status()) {
            out.add(new JsonObject().put("id", s.target().id()).put("type", s.target().kind())
                    .put("serviceType", s.target().serviceType())
                    .put("model", s.target().model()).put("priority", s.priority()).put("available", s.available())
                    .put("unavailableUntil", s.unavailableUntil() == 0 ? null
                            : java.time.Instant.ofEpochMilli(s.unavailableUntil()).toString())
                    .put("lastError", s.lastError()));
        }
        return out;
    }

    public int port() {
        return server.actualPort();
    }

    public String baseUrl() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return "http://" + h + ":" + port();
    }

    @Override
    public void close() {
        try {
            server.close().await();
            upstream.close().await();
        } finally {
            vertx.close().await();
        }
    }
}
