package zg.compute.provider.internal.http;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * Reads a request body as the exact bytes sent, up to a limit (413 above it, before buffering more).
 * Unlike Vert.x's {@code BodyHandler} it never decodes {@code multipart/form-data} into form attributes:
 * billing and signing need the raw bytes of every content type.
 */
final class RawBody implements Handler<RoutingContext> {

    static final String KEY = "zg.rawBody";

    private final long limit;
    private final Handler<RoutingContext> tooLarge;

    RawBody(long limit, Handler<RoutingContext> tooLarge) {
        this.limit = limit;
        this.tooLarge = tooLarge;
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
            tooLarge.handle(ctx);
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
                tooLarge.handle(ctx);
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
    }
}
