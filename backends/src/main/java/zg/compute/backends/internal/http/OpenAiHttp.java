package zg.compute.backends.internal.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.function.Consumer;
import zg.compute.server.GuardedHttpServer;
import zg.compute.server.GuardedHttpServer.Listeners;
import zg.compute.server.ServerLimits;

/**
 * The shared plumbing of every model server here: a Vert.x router on 127.0.0.1 with a body limit and the
 * {@link ServerLimits} timeouts, OpenAI error bodies ({@code {"error":{"message","type"}}}) and a 404 for anything
 * not routed. Each server adds its routes; blocking model work goes through {@code blockingHandler}.
 */
public final class OpenAiHttp {

    private final Vertx vertx;
    private final Listeners server;

    private OpenAiHttp(Vertx vertx, Listeners server) {
        this.vertx = vertx;
        this.server = server;
    }

    /**
     * Starts a server on 127.0.0.1:{@code port} (0 = any free port).
     *
     * @param maxBody bytes a request body may have (413 above)
     * @param routes  adds the server's routes under {@code /v1}
     */
    public static OpenAiHttp start(Vertx vertx, int port, long maxBody, Consumer<Router> routes) {
        return start(vertx, port, maxBody, ServerLimits.DEFAULTS, routes);
    }

    /** @param limits header, body and idle timeouts (an upload that stalls is cut, not held open) */
    public static OpenAiHttp start(Vertx vertx, int port, long maxBody, ServerLimits limits, Consumer<Router> routes) {
        Router router = Router.router(vertx);
        router.route().handler(BodyHandler.create(false).setBodyLimit(maxBody));
        routes.accept(router);
        router.errorHandler(413, ctx -> error(ctx, 413, "request body too large", "invalid_request_error"));
        router.errorHandler(500, ctx -> error(ctx, 500, "internal error: " + ctx.failure(), "server_error"));
        router.route().last().handler(ctx -> error(ctx, 404,
                "not found: " + ctx.request().method() + " " + ctx.request().path(), "invalid_request_error"));
        Listeners server = GuardedHttpServer.listen(vertx, new HttpServerOptions(), limits, router, "127.0.0.1", port,
                "");
        return new OpenAiHttp(vertx, server);
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.actualPort() + "/v1";
    }

    public Vertx vertx() {
        return vertx;
    }

    /** An OpenAI-shaped error: {@code {"error":{"message":…,"type":…}}}. */
    public static void error(RoutingContext ctx, int status, String message, String type) {
        if (ctx.response().ended()) {
            return;
        }
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("error", new JsonObject().put("message", message).put("type", type)
                        .putNull("param").putNull("code")).encode());
    }

    public void close() {
        server.close().await();
    }
}
