package zg.compute.cli.internal.webui;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;
import zg.compute.cli.internal.serve.ProxyServer;
import zg.compute.sdk.ZGComputeException;
import zg.compute.sdk.ZGComputeNetworkBroker;
import zg.compute.server.GuardedHttpServer;
import zg.compute.server.HostCheck;
import zg.compute.server.Ports;
import zg.compute.server.ServerLimits;

/**
 * The local dashboard: static page plus a JSON API acting with the CLI's key. Every {@code /api/*} call must
 * carry the per-start random token in {@link #TOKEN_HEADER}, so another local process or web page that can
 * reach the port cannot spend the wallet's funds.
 */
public final class WebUiServer implements AutoCloseable {

    public static final String TOKEN_HEADER = "X-ZG-Token";
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private final Vertx vertx;
    private final HttpServer server;
    private final String host;
    private final String token;

    private WebUiServer(Vertx vertx, HttpServer server, String host, String token) {
        this.vertx = vertx;
        this.server = server;
        this.host = host;
        this.token = token;
    }

    /** @throws IllegalStateException with a friendly text when {@code host:port} cannot be bound */
    public static WebUiServer start(ZGComputeNetworkBroker broker, String rpc, String host, int port) {
        return start(broker, rpc, host, port, List.of(), ServerLimits.DEFAULTS);
    }

    /**
     * @param allowedHosts Host names answered besides localhost and IP literals ({@code --allowed-host}): a web
     *                     page that rebinds its own name to this address gets 403 (the token guards the API,
     *                     this also keeps the page and its script from being read under a foreign origin)
     * @param limits       header, body and idle timeouts
     * @throws IllegalStateException with a friendly text when {@code host:port} cannot be bound
     */
    public static WebUiServer start(ZGComputeNetworkBroker broker, String rpc, String host, int port,
            List<String> allowedHosts, ServerLimits limits) {
        Ports.requireFree(host, port, ProxyServer.PORT_ADVICE);
        String token = newToken();
        WalletApi api = new WalletApi(broker, rpc, new ChatRelay(broker.inference()));
        Assets assets = Assets.load();
        Vertx vertx = Vertx.vertx();
        try {
            Router router = Router.router(vertx);
            router.route().handler(ctx -> {
                secure(ctx.response());
                ctx.next();
            });
            router.route("/api/*").handler(ctx -> {
                if (!matches(token, ctx.request().getHeader(TOKEN_HEADER))) {
                    reply(ctx.response(), 403, new JsonObject().put("error", "missing or wrong " + TOKEN_HEADER
                            + ": open the URL that \"web-ui start-web\" printed"));
                } else {
                    ctx.next();
                }
            });
            router.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(1024 * 1024));
            router.get("/api/status").blockingHandler(ctx -> call(ctx, b -> api.status()));
            router.get("/api/account").blockingHandler(ctx -> call(ctx, b -> api.account()));
            router.get("/api/providers").blockingHandler(ctx -> call(ctx, b -> api.providers()));
            router.post("/api/deposit").blockingHandler(ctx -> call(ctx, api::deposit));
            router.post("/api/transfer").blockingHandler(ctx -> call(ctx, api::transfer));
            router.post("/api/retrieve").blockingHandler(ctx -> call(ctx, api::retrieve));
            router.post("/api/refund").blockingHandler(ctx -> call(ctx, api::refund));
            router.post("/api/chat").blockingHandler(ctx -> call(ctx, api::chat));
            router.post("/api/api-keys").blockingHandler(ctx -> call(ctx, api::createApiKey));
            router.delete("/api/api-keys/:provider/:tokenId").blockingHandler(ctx -> call(ctx,
                    b -> api.revokeApiKey(ctx.pathParam("provider"), ctx.pathParam("tokenId"))));
            router.route("/api/*").last().handler(ctx -> reply(ctx.response(), 404,
                    new JsonObject().put("error", "not found: " + ctx.request().method() + " " + ctx.request().path())));
            router.get().handler(ctx -> assets.serve(ctx.normalizedPath(), ctx.response()));
            HttpServer server = GuardedHttpServer.listen(vertx, new HttpServerOptions(), limits,
                    new HostCheck(allowedHosts, "--allowed-host").guard(router), host, port, ProxyServer.PORT_ADVICE);
            return new WebUiServer(vertx, server, host, token);
        } catch (RuntimeException e) {
            vertx.close().await();
            throw e;
        }
    }

    /** Runs one API call on a worker thread (the SDK blocks); a failure is its friendly text with 400. */
    private static void call(RoutingContext ctx, Function<JsonObject, JsonObject> action) {
        JsonObject body;
        try {
            String raw = ctx.body() == null ? null : ctx.body().asString();
            body = raw == null || raw.isBlank() ? new JsonObject() : new JsonObject(raw);
        } catch (RuntimeException e) {
            reply(ctx.response(), 400, new JsonObject().put("error", "the request body must be a JSON object"));
            return;
        }
        try {
            reply(ctx.response(), 200, action.apply(body));
        } catch (ChatRelay.ProviderFailure e) {
            reply(ctx.response(), 502, new JsonObject().put("error", e.getMessage()));
        } catch (RuntimeException e) {
            reply(ctx.response(), 400, new JsonObject().put("error", friendly(e)));
        }
    }

    /** The SDK's own message when it is somewhere in the chain, else the type and message (never a trace). */
    static String friendly(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ZGComputeException || t instanceof IllegalArgumentException) {
                return String.valueOf(t.getMessage());
            }
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    static void reply(HttpServerResponse resp, int status, JsonObject body) {
        if (resp.ended() || resp.closed()) {
            return;
        }
        resp.setStatusCode(status).putHeader("Content-Type", "application/json")
                .putHeader("Cache-Control", "no-store").end(body.encode());
    }

    private static void secure(HttpServerResponse resp) {
        resp.putHeader("X-Frame-Options", "DENY").putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Referrer-Policy", "no-referrer").putHeader("Content-Security-Policy", CSP);
    }

    private static boolean matches(String expected, String given) {
        return given != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                given.getBytes(StandardCharsets.UTF_8));
    }

    private static String newToken() {
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    public int port() {
        return server.actualPort();
    }

    public String baseUrl() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return "http://" + h + ":" + port();
    }

    /** The page's address with the API token in the fragment (never sent to the server or in a Referer). */
    public String pageUrl() {
        return baseUrl() + "/#token=" + token;
    }

    public String token() {
        return token;
    }

    @Override
    public void close() {
        try {
            server.close().await();
        } finally {
            vertx.close().await();
        }
    }
}
