package zg.compute.cli.internal.serve;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * Collects a request body exactly as it arrived, up to a limit (413 through the router's error handler beyond it).
 * Vert.x's BodyHandler decodes multipart forms and keeps no bytes of them, but a form must pass byte for byte.
 */
final class RawBody implements Handler<RoutingContext> {

    private static final String KEY = "zg.rawBody";

    private final long limit;

    RawBody(long limit) {
        this.limit = limit;
    }

    /** The body a previous {@link RawBody} collected. */
    static Buffer of(RoutingContext ctx) {
        return ctx.get(KEY);
    }

    @Override
    public void handle(RoutingContext ctx) {
        String declared = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (declared != null && declared.trim().matches("\\d{1,18}") && Long.parseLong(declared.trim()) > limit) {
            ctx.fail(413);
            return;
        }
        Buffer body = Buffer.buffer();
        ctx.request().handler(chunk -> {
            if (ctx.failed()) {
                return; // already answered: the rest is read and dropped
            }
            if (body.length() + (long) chunk.length() > limit) {
                ctx.fail(413);
                return;
            }
            body.appendBuffer(chunk);
        });
        ctx.request().exceptionHandler(e -> {
            if (!ctx.failed() && !ctx.response().ended()) {
                ctx.fail(e);
            }
        });
        ctx.request().endHandler(v -> {
            if (!ctx.failed()) {
                ctx.put(KEY, body);
                ctx.next();
            }
        });
    }
}
