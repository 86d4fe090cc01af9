package zg.compute.server;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * A route handler that reads a request body as the exact bytes sent, up to a limit: a declared or actual length
 * above it fails the route with 413 (answered by the router's error handler) before more is buffered. Unlike
 * Vert.x's {@code BodyHandler} it never decodes {@code multipart/form-data} into form attributes: billing, signing
 * and relaying need the raw bytes of every content type.
 */
public final class RawBody implements Handler<RoutingContext> {

    private static final String KEY = "zg.rawBody";

    private final long limit;

    public RawBody(long limit) {
        this.limit = limit;
    }

    /** The body a previous {@link RawBody} read, or null if none ran. */
    public static Buffer of(RoutingContext ctx) {
        return ctx.get(KEY);
    }

    /** The body a previous {@link RawBody} read, as bytes (empty if none ran). */
    public static byte[] bytes(RoutingContext ctx) {
        Buffer b = of(ctx);
        return b == null ? new byte[0] : b.getBytes();
    }

    @Override
    public void handle(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        String declared = req.getHeader("Content-Length");
        if (declared != null && declared.length() < 19 && !declared.isEmpty()
                && declared.chars().allMatch(Character::isDigit) && Long.parseLong(declared) > limit) {
            ctx.fail(413);
            return;
        }
        Buffer body = Buffer.buffer();
        boolean[] refused = {false};
        req.handler(chunk -> {
            if (refused[0]) {
                return; // already answered: the rest is read and dropped
            }
            if (body.length() + (long) chunk.length() > limit) {
                refused[0] = true;
                ctx.fail(413);
                return;
            }
            body.appendBuffer(chunk);
        });
        req.endHandler(v -> {
            if (!refused[0]) {
                ctx.put(KEY, body);
                ctx.next();
            }
        });
        // a broken connection: nothing can be answered, and a client that hangs up is no server error
        req.exceptionHandler(e -> refused[0] = true);
        req.resume(); // a handler before this one may have paused it (e.g. to authenticate first)
    }
}
