package zg.compute.backends;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import zg.compute.backends.internal.http.OpenAiHttp;
import zg.compute.backends.internal.images.DevRenderer;
import zg.compute.backends.internal.images.ImageRequest;
import zg.compute.backends.internal.images.ImagesApi;

/**
 * A DEVELOPMENT image server, not a model: no diffusion model runs here, so this draws. It speaks the OpenAI
 * images API as an upstream behind a provider broker (text-to-image and image-editing services):
 * <ul>
 *   <li>{@code POST /v1/images/generations}, JSON {@code {model, prompt, n?, size?, response_format?, …}}
 *       ({@code ?wait=true} is accepted and ignored): each image is a PNG with a background and shapes derived
 *       from a hash of the prompt and the image index, the prompt written in, and the label
 *       {@value DevRenderer#LABEL};</li>
 *   <li>{@code POST /v1/images/edits}, multipart ({@code image} PNG/JPEG file, {@code prompt, model, n, size,
 *       response_format}, optional {@code mask}) or JSON ({@code image} as base64 or a data URI): the prompt and
 *       the label drawn onto a copy of the input (scaled to {@code size} if given; where the mask is transparent
 *       the input is tinted).</li>
 * </ul>
 * Both answer 200 {@code {"created":<unix s>,"data":[{"b64_json":…,"revised_prompt":…}]}}. Sizes: 256x256,
 * 512x512 (default), 1024x1024, or {@code auto}; {@code n} defaults to 1 and is clamped to
 * {@value ImageRequest#MAX_N} (fewer images than asked, which the broker bills as delivered);
 * {@code response_format=url} is refused with 400 (the broker asks upstreams for b64_json anyway). The same
 * request gives the same image bytes.
 */
public final class DevImageServer implements ModelServer {

    /**
     * Limits.
     *
     * @param maxBodyBytes   request body limit (413 above), JSON or multipart
     * @param maxInputPixels largest edit input or mask accepted (checked from the image header)
     * @param concurrency    rendering threads (a dedicated worker pool, never the event loop)
     * @param maxPending     requests admitted at once, rendering or queued; more get 503 + {@code Retry-After}
     */
    public record Options(long maxBodyBytes, long maxInputPixels, int concurrency, int maxPending) {

        public Options {
            if (maxBodyBytes < 1024 || maxInputPixels < 1 || concurrency < 1 || maxPending < concurrency) {
                throw new IllegalArgumentException("invalid DevImageServer options: " + maxBodyBytes + ", "
                        + maxInputPixels + ", " + concurrency + ", " + maxPending);
            }
        }

        /** 32 MiB bodies (the broker's own limit), inputs up to 4096×4096, 2 rendering threads, 16 admitted. */
        public static Options defaults() {
            return new Options(32L << 20, 4096L * 4096L, 2, 16);
        }

        public Options withMaxBodyBytes(long bytes) {
            return new Options(bytes, maxInputPixels, concurrency, maxPending);
        }
    }

    private final OpenAiHttp http;
    private final ImagesApi api;
    private final Path uploadsDir;

    private DevImageServer(OpenAiHttp http, ImagesApi api, Path uploadsDir) {
        this.http = http;
        this.api = api;
        this.uploadsDir = uploadsDir;
    }

    /** Starts on 127.0.0.1:{@code port} (0 = any free port) with {@link Options#defaults()}. */
    public static DevImageServer start(Vertx vertx, int port) {
        return start(vertx, port, Options.defaults());
    }

    /**
     * Starts on 127.0.0.1:{@code port} (0 = any free port). Fails with {@link IllegalStateException} if this JVM
     * cannot render text headlessly (no AWT or no fonts). Call from a non-event-loop thread: it waits for the
     * listen.
     */
    public static DevImageServer start(Vertx vertx, int port, Options options) {
        DevRenderer.selfTest();
        Path uploads;
        try {
            uploads = Files.createTempDirectory("zg-dev-images-uploads");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ImagesApi api = new ImagesApi(vertx, "zg-dev-images-" + uploads.getFileName(), options.concurrency(),
                options.maxPending(), options.maxBodyBytes(), options.maxInputPixels(), uploads);
        try {
            OpenAiHttp http = OpenAiHttp.start(vertx, port, options.maxBodyBytes(), api::routes);
            return new DevImageServer(http, api, uploads);
        } catch (RuntimeException e) {
            api.close();
            deleteTree(uploads);
            throw e;
        }
    }

    @Override
    public String baseUrl() {
        return http.baseUrl();
    }

    @Override
    public String description() {
        return "DEVELOPMENT renderer (java.awt: the prompt drawn into a PNG), not a model; sizes "
                + String.join(", ", ImageRequest.SIZES.stream().map(ImageRequest.Size::toString).toList())
                + ", at most " + ImageRequest.MAX_N + " images per request";
    }

    @Override
    public void close() {
        try {
            http.close();
        } finally {
            api.close();
            deleteTree(uploadsDir);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a temporary directory
        }
    }
}
