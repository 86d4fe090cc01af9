package zg.compute.backends.internal.speech;

import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import zg.compute.backends.internal.http.OpenAiHttp;

/**
 * {@code POST /v1/audio/transcriptions}: the multipart request is streamed to a file (bounded by the body
 * limit), checked on the event loop, then converted and recognised on a worker pool of {@code concurrency}
 * threads with at most {@code maxQueued} requests waiting (429 beyond), each tool under a time limit.
 */
public final class TranscriptionRoute {

    public static final String PATH = "/v1/audio/transcriptions";
    private static final Set<String> FORMATS = Set.of("json", "text", "srt", "vtt", "verbose_json");
    private static final Duration SOX_TIME = Duration.ofSeconds(60);

    /** The bounds of the route; see {@code SpeechToTextServer.Options}. */
    public record Limits(long maxBodyBytes, int concurrency, int maxQueued, Duration timeoutBase,
            double timeoutPerAudioSecond, double maxAudioSeconds) {
    }

    private final Vertx vertx;
    private final Pocketsphinx recogniser;
    private final Limits limits;
    private final Path workDir;
    private final WorkerExecutor workers;
    private final AtomicInteger admitted = new AtomicInteger();
    private final Set<Subprocess.Cancel> running = ConcurrentHashMap.newKeySet();

    public TranscriptionRoute(Vertx vertx, Pocketsphinx recogniser, Limits limits, Path workDir) {
        this.vertx = vertx;
        this.recogniser = recogniser;
        this.limits = limits;
        this.workDir = workDir;
        this.workers = vertx.createSharedWorkerExecutor("zg-stt-" + System.identityHashCode(this), limits.concurrency(),
                1, TimeUnit.HOURS);
    }

    /** Adds the route (ahead of the shared body handler: this one streams uploads to {@code workDir}). */
    public void mount(Router router, String modelName) {
        BodyHandler uploads = BodyHandler.create(workDir.resolve("uploads").toString())
                .setBodyLimit(limits.maxBodyBytes()).setDeleteUploadedFilesOnEnd(true);
        router.post(PATH).order(-1).handler(uploads).handler(this::handle);
        router.get("/v1/models").handler(ctx -> ctx.response().putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("object", "list").put("data", new JsonArray().add(new JsonObject()
                        .put("id", modelName).put("object", "model").put("owned_by", "pocketsphinx"))).encode()));
    }

    private record Request(Path upload, String filename, String format, boolean stream, boolean words) {
    }

    private void handle(RoutingContext ctx) {
        Request req;
        try {
            req = parse(ctx);
        } catch (IllegalArgumentException e) {
            OpenAiHttp.error(ctx, 400, e.getMessage(), "invalid_request_error");
            return;
        }
        int load = admitted.incrementAndGet();
        if (load > limits.concurrency() + limits.maxQueued()) {
            admitted.decrementAndGet();
            ctx.response().putHeader("Retry-After", "1");
            OpenAiHttp.error(ctx, 429, "too many transcriptions in progress (" + limits.concurrency() + " running, "
                    + limits.maxQueued() + " waiting); retry later", "rate_limit_error");
            return;
        }
        Subprocess.Cancel cancel = new Subprocess.Cancel();
        running.add(cancel);
        ctx.response().closeHandler(v -> cancel.cancel());
        Context eventLoop = vertx.getOrCreateContext();
        AtomicBoolean streaming = new AtomicBoolean();
        Consumer<Transcript.Segment> onSegment = req.stream()
                ? seg -> eventLoop.runOnContext(v -> {
                    if (!ctx.response().ended()) {
                        ctx.response().write(Formats.sse(Formats.delta(seg.id() == 0 ? seg.text() : " " + seg.text())));
                    }
                })
                : seg -> { };
        Runnable onPrepared = req.stream() ? () -> eventLoop.runOnContext(v -> {
            if (!ctx.response().ended()) {
                streaming.set(true);
                ctx.response().setStatusCode(200).setChunked(true).putHeader("Content-Type", "text/event-stream")
                        .putHeader("Cache-Control", "no-cache").writeHead();
            }
        }) : () -> { };
        workers.<Transcript>executeBlocking(() -> transcribe(req, cancel, onPrepared, onSegment), false)
                .onComplete(ar -> {
                    admitted.decrementAndGet();
                    running.remove(cancel);
                    if (ar.succeeded()) {
                        respond(ctx, req, ar.result());
                    } else {
                        fail(ctx, ar.cause(), streaming.get());
                    }
                });
    }

    private Request parse(RoutingContext ctx) {
        String type = ctx.request().getHeader("Content-Type");
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            throw new IllegalArgumentException("expected a multipart/form-data body with a 'file' part (got "
                    + (type == null ? "no Content-Type" : oneLine(type, 80)) + ")");
        }
        MultiMap form = ctx.request().formAttributes();
        FileUpload file = ctx.fileUploads().stream().filter(u -> u.name().equals("file")).findFirst().orElse(null);
        if (file == null) {
            throw new IllegalArgumentException(form.contains("file")
                    ? "'file' must be sent as a file part with a filename"
                    : "missing required parameter 'file'");
        }
        String filename = oneLine(file.fileName() == null || file.fileName().isBlank() ? "file" : file.fileName(), 120);
        String model = form.get("model");
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("missing required parameter 'model'");
        }
        String format = form.get("response_format") == null || form.get("response_format").isBlank() ? "json"
                : form.get("response_format").strip();
        if (!FORMATS.contains(format)) {
            throw new IllegalArgumentException("response_format must be one of json, text, srt, vtt, verbose_json (got '"
                    + oneLine(format, 40) + "')");
        }
        String language = form.get("language");
        if (language != null && !language.isBlank()
                && !Set.of("en", "en-us", "english").contains(language.strip().toLowerCase(Locale.ROOT).replace('_', '-'))) {
            throw new IllegalArgumentException("language '" + oneLine(language, 40)
                    + "' is not supported: this server recognises English (en) only");
        }
        String temperature = form.get("temperature");
        if (temperature != null && !temperature.isBlank()) {
            double t;
            try {
                t = Double.parseDouble(temperature.strip());
            } catch (NumberFormatException e) {
                t = Double.NaN;
            }
            if (!(t >= 0 && t <= 1)) {
                throw new IllegalArgumentException("temperature must be a number between 0 and 1 (got '"
                        + oneLine(temperature, 40) + "')");
            }
        }
        String streamText = form.get("stream");
        boolean stream;
        if (streamText == null || streamText.isBlank() || streamText.strip().equalsIgnoreCase("false")) {
            stream = false;
        } else if (streamText.strip().equalsIgnoreCase("true")) {
            stream = true;
        } else {
            throw new IllegalArgumentException("stream must be true or false (got '" + oneLine(streamText, 40) + "')");
        }
        if (stream && !format.equals("json") && !format.equals("text")) {
            throw new IllegalArgumentException("stream=true works with response_format json or text, not " + format);
        }
        List<String> granularities = form.getAll("timestamp_granularities[]");
        for (String g : granularities) {
            if (!g.equals("word") && !g.equals("segment")) {
                throw new IllegalArgumentException("timestamp_granularities[] must be word or segment (got '"
                        + oneLine(g, 40) + "')");
            }
        }
        boolean words = granularities.contains("word");
        if (words && !format.equals("verbose_json")) {
            throw new IllegalArgumentException("timestamp_granularities[] needs response_format verbose_json");
        }
        return new Request(Path.of(file.uploadedFileName()), filename, format, stream, words);
    }

    private Transcript transcribe(Request req, Subprocess.Cancel cancel, Runnable onPrepared,
            Consumer<Transcript.Segment> onSegment) throws Exception {
        AudioInput.Prepared audio = AudioInput.prepare(req.upload(), req.filename(), workDir,
                limits.timeoutBase().plus(SOX_TIME), cancel);
        try {
            double seconds = audio.header().seconds();
            if (seconds > limits.maxAudioSeconds()) {
                throw new AudioInput.BadAudio(String.format(Locale.ROOT, "the audio is %.1f s long; this server takes "
                        + "at most %.0f s", seconds, limits.maxAudioSeconds()));
            }
            onPrepared.run();
            Duration timeout = limits.timeoutBase().plusMillis(Math.round(limits.timeoutPerAudioSecond() * seconds * 1000));
            List<Transcript.Segment> segments = recogniser.recognise(audio.wav(), workDir, timeout, cancel, onSegment);
            return new Transcript(segments, seconds);
        } finally {
            Files.deleteIfExists(audio.wav());
        }
    }

    private static void respond(RoutingContext ctx, Request req, Transcript t) {
        if (ctx.response().ended() || ctx.response().closed()) {
            return;
        }
        if (req.stream()) {
            ctx.response().write(Formats.sse(Formats.done(t)));
            ctx.response().end("data: [DONE]\n\n");
            return;
        }
        String contentType = switch (req.format()) {
            case "json", "verbose_json" -> "application/json";
            case "vtt" -> "text/vtt; charset=utf-8";
            default -> "text/plain; charset=utf-8";
        };
        String body = switch (req.format()) {
            case "text" -> Formats.text(t);
            case "srt" -> Formats.srt(t);
            case "vtt" -> Formats.vtt(t);
            case "verbose_json" -> Formats.verboseJson(t, req.words());
            default -> Formats.json(t);
        };
        ctx.response().putHeader("Content-Type", contentType).end(body);
    }

    private static void fail(RoutingContext ctx, Throwable cause, boolean streaming) {
        int status;
        String type;
        String message;
        if (cause instanceof AudioInput.BadAudio) {
            status = 400;
            type = "invalid_request_error";
            message = cause.getMessage();
        } else if (cause instanceof Subprocess.TimeoutFailure) {
            status = 504;
            type = "server_error";
            message = "transcription " + cause.getMessage();
        } else if (cause instanceof InterruptedException) {
            status = 499;
            type = "server_error";
            message = "transcription cancelled";
        } else {
            status = 500;
            type = "server_error";
            message = "transcription failed: " + cause.getMessage();
        }
        message = oneLine(message, 400);
        if (ctx.response().ended() || ctx.response().closed()) {
            return;
        }
        if (streaming) {
            ctx.response().write(Formats.sse(new JsonObject().put("type", "error").put("error",
                    new JsonObject().put("message", message).put("type", type))));
            ctx.response().end();
        } else {
            OpenAiHttp.error(ctx, status, message, type);
        }
    }

    /** Control characters out, length bounded: client text never breaks an error onto several lines. */
    static String oneLine(String s, int max) {
        String clean = s.replaceAll("[\\p{Cntrl}]+", " ").strip();
        return clean.length() <= max ? clean : clean.substring(0, max) + "…";
    }

    /** Kills what still runs and removes the work directory. */
    public void close() {
        running.forEach(Subprocess.Cancel::cancel);
        workers.close();
        try (Stream<Path> files = Files.walk(workDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a temporary directory
        }
    }
}
