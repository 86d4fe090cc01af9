package zg.compute.webui.internal;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Function;
import zg.compute.sdk.ProviderHttpException;
import zg.compute.sdk.ZGComputeException;

/** How an API call answers: its JSON with 200, or one line of text under {@code error} (never a stack trace). */
public final class Replies {

    private Replies() {
    }

    /** Runs one API call on a worker thread (the SDK blocks). */
    public static void call(RoutingContext ctx, Function<Body, JsonObject> action) {
        Body body = body(ctx);
        if (body == null) {
            return;
        }
        try {
            reply(ctx.response(), 200, action.apply(body));
        } catch (RuntimeException e) {
            fail(ctx.response(), e);
        }
    }

    /** For calls that write their own (streamed) answer. */
    public static void stream(RoutingContext ctx, java.util.function.BiConsumer<Body, HttpServerResponse> action) {
        Body body = body(ctx);
        if (body == null) {
            return;
        }
        try {
            action.accept(body, ctx.response());
        } catch (RuntimeException e) {
            fail(ctx.response(), e);
        }
    }

    private static Body body(RoutingContext ctx) {
        if (ctx.request().method() == io.vertx.core.http.HttpMethod.GET) {
            JsonObject q = new JsonObject();
            ctx.queryParams().forEach(e -> q.put(e.getKey(), e.getValue()));
            return new Body(q);
        }
        try {
            String raw = ctx.body() == null ? null : ctx.body().asString();
            return new Body(raw == null || raw.isBlank() ? new JsonObject() : new JsonObject(raw));
        } catch (RuntimeException e) {
            reply(ctx.response(), 400, error("the request body must be a JSON object"));
            return null;
        }
    }

    private static void fail(HttpServerResponse resp, RuntimeException e) {
        int status = e instanceof ProviderFailure || e instanceof ProviderHttpException ? 502 : 400;
        reply(resp, status, error(friendly(e)));
    }

    /** The SDK's own message when it is somewhere in the chain, else the type and message. */
    public static String friendly(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ZGComputeException || t instanceof IllegalArgumentException || t instanceof ProviderFailure) {
                return String.valueOf(t.getMessage());
            }
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    public static JsonObject error(String message) {
        return new JsonObject().put("error", message);
    }

    public static void reply(HttpServerResponse resp, int status, JsonObject body) {
        if (resp.ended() || resp.closed()) {
            return;
        }
        if (resp.headWritten()) {
            // a stream already started: the error is its last line
            resp.end(body.encode() + "\n");
            return;
        }
        resp.setStatusCode(status).putHeader("Content-Type", "application/json")
                .putHeader("Cache-Control", "no-store").end(body.encode());
    }
}
