package zg.compute.webui;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;
import zg.compute.sdk.ZGComputeNetworkBroker;
import zg.compute.server.GuardedHttpServer;
import zg.compute.server.GuardedHttpServer.Listeners;
import zg.compute.server.HostCheck;
import zg.compute.server.Ports;
import zg.compute.server.ServerLimits;
import zg.compute.webui.internal.AccountApi;
import zg.compute.webui.internal.Assets;
import zg.compute.webui.internal.Body;
import zg.compute.webui.internal.ChatRelay;
import zg.compute.webui.internal.FineTuningApi;
import zg.compute.webui.internal.HistoryApi;
import zg.compute.webui.internal.KeysApi;
import zg.compute.webui.internal.MarketApi;
import zg.compute.webui.internal.MediaApi;
import zg.compute.webui.internal.Replies;

/**
 * The local web UI: static pages plus a JSON API acting with the CLI's key (the browser never holds it). Every
 * {@code /api/*} call must carry the per-start random token in {@link #TOKEN_HEADER}, so another local process
 * or web page that can reach the port cannot spend the wallet's funds; the Host allow-list keeps a rebound
 * foreign name from reading the page; the CSP allows nothing but this origin.
 */
public final class WebUiServer implements AutoCloseable {

    public static final String TOKEN_HEADER = "X-ZG-Token";
    public static final String PORT_ADVICE = ": stop what listens there or pick another with --port";
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
            + "media-src 'self' blob:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; "
            + "base-uri 'none'; form-action 'none'";
    /**
     * How long the SDK waits for a provider when the UI uses it (the SDK's default is 10 s): transcribing a file
     * or drawing a picture takes longer than that on a busy machine, and the page shows it is waiting.
     */
    public static final Duration PROVIDER_TIMEOUT = Duration.ofMinutes(2);
    /** Uploads (an image to edit, audio to transcribe, a dataset) arrive base64 in JSON. */
    private static final int BODY_LIMIT = 48 * 1024 * 1024;

    private final Vertx vertx;
    private final Listeners server;
    private final ExecutorService probes;
    private final Web3j web3;
    private final String host;
    private final String token;

    private WebUiServer(Vertx vertx, Listeners server, ExecutorService probes, Web3j web3, String host, String token) {
        this.vertx = vertx;
        this.server = server;
        this.probes = probes;
        this.web3 = web3;
        this.host = host;
        this.token = token;
    }

    /**
     * @param configDir    the CLI's config directory: the API-key slot record shared with {@code get-secret}
     *                     ({@link IssuedKeys}) and the saved TEE reports live there
     * @param allowedHosts Host names answered besides localhost and IP literals ({@code --allowed-host})
     * @throws IllegalStateException with a friendly text when {@code host:port} cannot be bound
     */
    public static WebUiServer start(ZGComputeNetworkBroker broker, String rpc, Path configDir, String host, int port,
            List<String> allowedHosts, ServerLimits limits) {
        Ports.requireFree(host, port, PORT_ADVICE);
        String token = newToken();
        Assets assets = Assets.load();
        ExecutorService probes = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "webui-probe");
            t.setDaemon(true);
            return t;
        });
        Web3j web3 = Web3j.build(new HttpService(rpc));
        Vertx vertx = Vertx.vertx();
        try {
            AccountApi account = new AccountApi(broker, rpc);
            MarketApi market = new MarketApi(broker, configDir.resolve("tee-reports"), probes);
            ChatRelay chat = new ChatRelay(broker.inference());
            MediaApi media = new MediaApi(broker.inference());
            KeysApi keys = new KeysApi(broker, new IssuedKeys(configDir));
            HistoryApi history = new HistoryApi(broker, web3);
            FineTuningApi ft = new FineTuningApi(broker.fineTuning(), broker.inference().lora());

            Router router = Router.router(vertx);
            router.route().handler(ctx -> {
                secure(ctx.response());
                ctx.next();
            });
            router.route("/api/*").handler(ctx -> {
                if (!matches(token, ctx.request().getHeader(TOKEN_HEADER))) {
                    Replies.reply(ctx.response(), 403, Replies.error("missing or wrong " + TOKEN_HEADER
                            + ": open the URL that \"web-ui start-web\" printed"));
                } else {
                    ctx.next();
                }
            });
            router.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT));
            get(router, "status", account::status);
            get(router, "account", account::account);
            post(router, "deposit", account::deposit);
            post(router, "transfer", account::transfer);
            post(router, "retrieve", account::retrieve);
            post(router, "refund", account::refund);
            get(router, "providers", market::providers);
            post(router, "verify-provider", market::verify);
            router.post("/api/chat").blockingHandler(ctx -> Replies.stream(ctx, chat::stream), false);
            post(router, "images/generate", media::generate);
            post(router, "images/edit", media::edit);
            post(router, "audio/transcribe", media::transcribe);
            post(router, "embeddings", media::embed);
            get(router, "api-keys", keys::list);
            post(router, "api-keys", keys::create);
            post(router, "api-keys/revoke", keys::revoke);
            post(router, "api-keys/revoke-all", keys::revokeAll);
            get(router, "history", history::history);
            get(router, "fine-tuning/models", ft::models);
            get(router, "fine-tuning/tasks", ft::tasks);
            get(router, "fine-tuning/task", ft::task);
            post(router, "fine-tuning/tasks", ft::create);
            post(router, "fine-tuning/calculate", ft::calculate);
            post(router, "fine-tuning/acknowledge", ft::acknowledge);
            post(router, "fine-tuning/deploy", ft::deploy);
            get(router, "fine-tuning/adapter", ft::adapter);
            post(router, "fine-tuning/chat", ft::chat);
            router.route("/api/*").last().handler(ctx -> Replies.reply(ctx.response(), 404,
                    Replies.error("not found: " + ctx.request().method() + " " + ctx.request().path())));
            router.get().handler(ctx -> {
                if (!assets.serve(ctx.normalizedPath(), ctx.response())) {
                    Replies.reply(ctx.response(), 404, Replies.error("not found: " + ctx.normalizedPath()));
                }
            });
            Listeners server = GuardedHttpServer.listen(vertx, new HttpServerOptions(), limits,
                    new HostCheck(allowedHosts, "--allowed-host").guard(router), host, port, PORT_ADVICE);
            return new WebUiServer(vertx, server, probes, web3, host, token);
        } catch (RuntimeException e) {
            vertx.close().await();
            probes.shutdownNow();
            web3.shutdown();
            throw e;
        }
    }

    // calls run concurrently (ordered = false): a long chat must not hold up the balance refresh
    private static void get(Router router, String path, Function<Body, io.vertx.core.json.JsonObject> action) {
        router.get("/api/" + path).blockingHandler((RoutingContext ctx) -> Replies.call(ctx, action), false);
    }

    private static void post(Router router, String path, Function<Body, io.vertx.core.json.JsonObject> action) {
        router.post("/api/" + path).blockingHandler((RoutingContext ctx) -> Replies.call(ctx, action), false);
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
            probes.shutdownNow();
            web3.shutdown();
        }
    }
}
