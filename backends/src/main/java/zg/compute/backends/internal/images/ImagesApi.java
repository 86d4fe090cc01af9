package zg.compute.backends.internal.images;

import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zg.compute.backends.internal.http.OpenAiHttp;

/**
 * The HTTP side of the development image server: {@code POST /v1/images/generations} (JSON) and
 * {@code POST /v1/images/edits} (multipart or JSON). Requests are validated on the event loop; decoding and
 * rendering run on a dedicated worker pool of {@code concurrency} threads, with at most {@code maxPending}
 * requests admitted at once (more get 503 with {@code Retry-After}).
 */
public final class ImagesApi {

    private static final Logger LOG = LoggerFactory.getLogger(ImagesApi.class);
    /** Output of an edit without {@code size}: the input's size, scaled down to fit this many pixels. */
    static final long MAX_EDIT_OUTPUT_PIXELS = 1024L * 1024L;

    private final WorkerExecutor workers;
    private final long maxBodyBytes;
    private final long maxInputPixels;
    private final int maxPending;
    private final Path uploadsDir;
    private final AtomicInteger pending = new AtomicInteger();

    public ImagesApi(Vertx vertx, String name, int concurrency, int maxPending, long maxBodyBytes,
                     long maxInputPixels, Path uploadsDir) {
        this.workers = vertx.createSharedWorkerExecutor(name, concurrency);
        this.maxPending = maxPending;
        this.maxBodyBytes = maxBodyBytes;
        this.maxInputPixels = maxInputPixels;
        this.uploadsDir = uploadsDir;
    }

    /**
     * Adds the routes. The edits route is ordered before the shared body handler of {@link OpenAiHttp} (which
     * does not keep file uploads) and brings its own, storing uploads in {@code uploadsDir} and deleting them
     * when the response ends; the same body limit applies (413 through the router's error handler).
     */
    public void routes(Router router) {
        router.post("/v1/images/generations").handler(this::generations);
        BodyHandler uploads = BodyHandler.create(uploadsDir.toString()).setBodyLimit(maxBodyBytes)
                .setDeleteUploadedFilesOnEnd(true).setMergeFormAttributes(false);
        router.post("/v1/images/edits").order(-1).handler(uploads).handler(this::edits);
    }

    public void close() {
        workers.close().await();
    }

    private void generations(RoutingContext ctx) {
        ImageRequest req;
        try {
            String type = ctx.request().getHeader("Content-Type");
            if (type != null && type.toLowerCase().startsWith("multipart/")) {
                throw new BadImageRequest("/images/generations takes a JSON body, not " + type.split(";")[0]);
            }
            req = ImageRequest.generation(jsonBody(ctx));
        } catch (BadImageRequest e) {
            badRequest(ctx, e);
            return;
        }
        render(ctx, () -> {
            Base64.Encoder b64 = Base64.getEncoder();
            JsonArray data = new JsonArray();
            ImageRequest.Size size = req.size() == null ? ImageRequest.DEFAULT_SIZE : req.size();
            for (int i = 0; i < req.n(); i++) {
                BufferedImage img = DevRenderer.generate(req.prompt(), i, size.width(), size.height());
                data.add(item(b64.encodeToString(DevRenderer.png(img)), req.prompt()));
            }
            return data;
        });
    }

    private void edits(RoutingContext ctx) {
        ImageRequest req;
        try {
            String type = ctx.request().getHeader("Content-Type");
            if (type != null && type.toLowerCase().startsWith("multipart/form-data")) {
                req = ImageRequest.editMultipart(ctx.request().formAttributes(), ctx.fileUploads());
            } else {
                req = ImageRequest.editJson(jsonBody(ctx));
            }
        } catch (BadImageRequest e) {
            badRequest(ctx, e);
            return;
        }
        render(ctx, () -> {
            BufferedImage input = ImageDecoder.decode(req.image().bytes(), "image", maxInputPixels);
            BufferedImage mask = null;
            if (req.mask() != null) {
                mask = ImageDecoder.decode(req.mask().bytes(), "mask", maxInputPixels);
                if (!mask.getColorModel().hasAlpha()) {
                    throw new BadImageRequest("`mask` must be a PNG with an alpha channel (transparent = area to edit)");
                }
            }
            int w;
            int h;
            if (req.size() != null) {
                w = req.size().width();
                h = req.size().height();
            } else {
                w = input.getWidth();
                h = input.getHeight();
                double pixels = (double) w * h;
                if (pixels > MAX_EDIT_OUTPUT_PIXELS) {
                    double s = Math.sqrt(MAX_EDIT_OUTPUT_PIXELS / pixels);
                    w = Math.max(1, (int) (w * s));
                    h = Math.max(1, (int) (h * s));
                }
            }
            Base64.Encoder b64 = Base64.getEncoder();
            JsonArray data = new JsonArray();
            for (int i = 0; i < req.n(); i++) {
                BufferedImage img = DevRenderer.edit(input, mask, req.prompt(), i, w, h);
                data.add(item(b64.encodeToString(DevRenderer.png(img)), req.prompt()));
            }
            return data;
        });
    }

    private static JsonObject item(String b64, String prompt) {
        return new JsonObject().put("b64_json", b64).put("revised_prompt", prompt);
    }

    private static JsonObject jsonBody(RoutingContext ctx) throws BadImageRequest {
        if (ctx.body() == null || ctx.body().length() == 0) {
            throw new BadImageRequest("request body is required: a JSON object");
        }
        try {
            JsonObject body = ctx.body().asJsonObject();
            if (body == null) {
                throw new BadImageRequest("request body is required: a JSON object");
            }
            return body;
        } catch (BadImageRequest e) {
            throw e;
        } catch (RuntimeException e) {
            throw new BadImageRequest("request body is not a JSON object: " + ImageDecoder.oneLine(e));
        }
    }

    /**
     * Runs {@code work} on the worker pool (admission-limited; the JSON is encoded there too) and answers with its
     * images or its error.
     */
    private void render(RoutingContext ctx, Callable<JsonArray> work) {
        if (pending.incrementAndGet() > maxPending) {
            pending.decrementAndGet();
            ctx.response().putHeader("Retry-After", "1");
            OpenAiHttp.error(ctx, 503, "development image renderer is busy (" + maxPending
                    + " requests in progress); retry later", "server_error");
            return;
        }
        Callable<Buffer> response = () -> new JsonObject().put("created", Instant.now().getEpochSecond())
                .put("data", work.call()).toBuffer();
        workers.executeBlocking(response, false).onComplete(ar -> {
            pending.decrementAndGet();
            if (ar.succeeded()) {
                ctx.response().putHeader("Content-Type", "application/json").end(ar.result());
            } else if (ar.cause() instanceof BadImageRequest e) {
                badRequest(ctx, e);
            } else {
                LOG.warn("image rendering failed", ar.cause());
                OpenAiHttp.error(ctx, 500, "rendering failed: " + ImageDecoder.oneLine(ar.cause()), "server_error");
            }
        });
    }

    private static void badRequest(RoutingContext ctx, BadImageRequest e) {
        OpenAiHttp.error(ctx, 400, e.getMessage(), "invalid_request_error");
    }
}
