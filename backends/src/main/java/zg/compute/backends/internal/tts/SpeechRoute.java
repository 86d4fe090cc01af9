package zg.compute.backends.internal.tts;

import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import zg.compute.backends.internal.http.OpenAiHttp;
import zg.compute.protocol.audio.Wav;

/**
 * {@code POST /v1/audio/speech} in the OpenAI shape ({@code {model, input, voice?, response_format?, speed?}}):
 * espeak-ng on a worker pool of {@code concurrency} threads, at most {@code maxPending} admitted (503 +
 * {@code Retry-After} beyond). The answer is WAV only (no MP3 encoder here): {@code audio/wav} with the audio
 * length in {@code X-Audio-Duration-Seconds}.
 */
public final class SpeechRoute {

    public static final String PATH = "/v1/audio/speech";
    /** OpenAI's voice names mapped onto espeak-ng voices; {@code alloy} (the default) is the best recognised. */
    public static final Map<String, String> VOICES = new TreeMap<>(Map.of("alloy", Espeak.DEFAULT_VOICE,
            "echo", "en-us+m3", "fable", "en+f3", "onyx", "en-us+m1", "nova", "en-us+f2", "shimmer", "en-us+f4"));

    /** The bounds of the route; see {@code TextToSpeechServer.Options}. */
    public record Limits(int maxInputChars, int concurrency, int maxPending, Duration timeout) {
    }

    private final Limits limits;
    private final WorkerExecutor workers;
    private final AtomicInteger admitted = new AtomicInteger();

    public SpeechRoute(Vertx vertx, Limits limits) {
        this.limits = limits;
        this.workers = vertx.createSharedWorkerExecutor("zg-tts-" + System.identityHashCode(this),
                limits.concurrency(), 1, TimeUnit.HOURS);
    }

    public void mount(Router router, String modelName) {
        router.post(PATH).handler(this::handle);
        router.get("/v1/models").handler(ctx -> ctx.response().putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("object", "list").put("data", new JsonArray().add(new JsonObject()
                        .put("id", modelName).put("object", "model").put("owned_by", "espeak-ng"))).encode()));
    }

    record Request(String input, String voice, int wordsPerMinute) {
    }

    /** Reads the request; a one-line {@link IllegalArgumentException} for anything it cannot speak. */
    Request parse(String body) {
        JsonObject json;
        try {
            json = new JsonObject(body == null ? "" : body);
        } catch (DecodeException | ClassCastException e) {
            throw new IllegalArgumentException("request body must be a JSON object");
        }
        if (!(json.getValue("input") instanceof String input) || input.isBlank()) {
            throw new IllegalArgumentException("input is required: the text to speak");
        }
        if (input.length() > limits.maxInputChars()) {
            throw new IllegalArgumentException("input is " + input.length() + " characters; at most "
                    + limits.maxInputChars() + " are spoken per request");
        }
        Object v = json.getValue("voice");
        String voice = VOICES.get(v == null ? "alloy" : String.valueOf(v).toLowerCase(Locale.ROOT));
        if (voice == null) {
            throw new IllegalArgumentException("voice must be one of " + String.join(", ", VOICES.keySet()));
        }
        Object f = json.getValue("response_format");
        if (f != null && !"wav".equals(f)) {
            throw new IllegalArgumentException("response_format must be wav (this server writes WAV only)");
        }
        Object s = json.getValue("speed");
        double speed = 1.0;
        if (s != null) {
            if (!(s instanceof Number n) || n.doubleValue() < 0.5 || n.doubleValue() > 3.0) {
                throw new IllegalArgumentException("speed must be a number from 0.5 to 3.0");
            }
            speed = n.doubleValue();
        }
        return new Request(input, voice, (int) Math.round(Espeak.DEFAULT_WPM * speed));
    }

    private void handle(RoutingContext ctx) {
        Request req;
        try {
            req = parse(ctx.body().asString());
        } catch (IllegalArgumentException e) {
            OpenAiHttp.error(ctx, 400, e.getMessage(), "invalid_request_error");
            return;
        }
        if (admitted.incrementAndGet() > limits.maxPending()) {
            admitted.decrementAndGet();
            ctx.response().putHeader("Retry-After", "1");
            OpenAiHttp.error(ctx, 503, "busy: " + limits.maxPending() + " requests are being spoken; retry shortly",
                    "server_error");
            return;
        }
        workers.executeBlocking(() -> Espeak.speak(req.input(), req.voice(), req.wordsPerMinute(), limits.timeout()),
                false).onComplete(ar -> {
                    admitted.decrementAndGet();
                    if (ar.failed()) {
                        OpenAiHttp.error(ctx, 500, "speech synthesis failed: " + ar.cause().getMessage(),
                                "server_error");
                        return;
                    }
                    byte[] wav = ar.result();
                    ctx.response().putHeader("Content-Type", "audio/wav")
                            .putHeader("X-Audio-Duration-Seconds", String.format(Locale.ROOT, "%.3f",
                                    Wav.read(wav).seconds()))
                            .end(io.vertx.core.buffer.Buffer.buffer(wav));
                });
    }

    public void close() {
        workers.close();
    }
}
