package zg.compute.provider.internal.http;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * Reads a request body as the exact bytes sent, up to a limit (above it the route fails with 413, answered by
 * the router's error handler, before more is buffered).
 * Unlike Vert.x's {@code BodyHandler} it never decodes {@code multipart/form-data} into form attributes:
 * billing and signing need the raw bytes of every content type.
 */
final class RawBody implements Handler<RoutingContext> {

    static final String KEY = "zg.rawBody";

    private final long limit;

    RawBody(long limit) {
        this.limit = limit;
    }

    static byte[] of(RoutingContext ctx) {
        Buffer b = ctx.get(KEY);
        return b == null ? new byte[0] : b.getBytes();
    }

    @Override
    public void handle(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        String declared = req.getHeader("Content-Length");
        if (declared != null && declared.chars().allMatch(Character::isDigit) && declared.length() < 19
                && Long.parseLong(declared) > limit) {
            ctx.fail(413);
            return;
        }
        Buffer body = Buffer.buffer();
        boolean[] refused = {false};
        req.handler(chunk -> {
            if (refused[0]) {
                return;
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
        req.exceptionHandler(e -> refused[0] = true);
        req.resume(); // a handler before this one may have paused it (e.g. to authenticate first)
    }
}
