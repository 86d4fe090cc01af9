package zg.compute.backends;

import io.vertx.core.Vertx;
import java.time.Duration;
import zg.compute.backends.internal.http.OpenAiHttp;
import zg.compute.backends.internal.speech.Pocketsphinx;
import zg.compute.backends.internal.tts.SpeechRoute;

/**
 * A REAL speech synthesiser behind a provider broker's {@code audio-generation} service: Debian's
 * {@code espeak-ng} (a formant synthesiser: robotic, but real speech that a recogniser understands) speaking
 * {@code POST /v1/audio/speech} ({@code {model, input, voice?, response_format?: "wav", speed?}}) as WAV,
 * 22.05 kHz mono 16-bit. Voices are OpenAI's names mapped onto espeak-ng voices.
 */
public final class TextToSpeechServer implements ModelServer {

    public static final String MODEL = "espeak-ng-en-us";

    /**
     * Limits.
     *
     * @param maxInputChars characters of {@code input} spoken per request (400 above)
     * @param concurrency   espeak-ng processes at once (a worker pool, never the event loop)
     * @param maxPending    requests admitted at once, speaking or queued; more get 503 + {@code Retry-After}
     * @param timeout       per synthesis
     */
    public record Options(int maxInputChars, int concurrency, int maxPending, Duration timeout) {

        public Options {
            if (maxInputChars < 1 || concurrency < 1 || maxPending < concurrency || timeout.isNegative()
                    || timeout.isZero()) {
                throw new IllegalArgumentException("invalid TextToSpeechServer options: " + maxInputChars + ", "
                        + concurrency + ", " + maxPending + ", " + timeout);
            }
        }

        /** OpenAI's 4096 characters, 2 processes, 16 admitted, 60 s each. */
        public static Options defaults() {
            return new Options(4096, 2, 16, Duration.ofSeconds(60));
        }
    }

    private final OpenAiHttp http;
    private final SpeechRoute route;

    private TextToSpeechServer(OpenAiHttp http, SpeechRoute route) {
        this.http = http;
        this.route = route;
    }

    /** Empty when espeak-ng is installed, else what is missing. */
    public static String missingTools() {
        return Pocketsphinx.Tools.find("espeak-ng") == null ? "missing espeak-ng (Debian package espeak-ng)" : "";
    }

    public static TextToSpeechServer start(Vertx vertx, int port) {
        return start(vertx, port, Options.defaults());
    }

    /** Starts on 127.0.0.1:{@code port} (0 = any free port); {@link IllegalStateException} without espeak-ng. */
    public static TextToSpeechServer start(Vertx vertx, int port, Options options) {
        String missing = missingTools();
        if (!missing.isEmpty()) {
            throw new IllegalStateException("text-to-speech server: " + missing);
        }
        SpeechRoute route = new SpeechRoute(vertx, new SpeechRoute.Limits(options.maxInputChars(),
                options.concurrency(), options.maxPending(), options.timeout()));
        try {
            // JSON bodies only: 4 bytes per character at most, plus the other fields
            return new TextToSpeechServer(OpenAiHttp.start(vertx, port, 4L * options.maxInputChars() + 4096,
                    r -> route.mount(r, MODEL)), route);
        } catch (RuntimeException e) {
            route.close();
            throw e;
        }
    }

    @Override
    public String baseUrl() {
        return http.baseUrl();
    }

    @Override
    public String description() {
        String version = Pocketsphinx.Tools.debianVersion("espeak-ng");
        return "espeak-ng" + (version == null ? "" : " (Debian " + version + ")")
                + ", a real formant speech synthesiser; voices " + String.join(", ", SpeechRoute.VOICES.keySet())
                + "; WAV 22.05 kHz mono";
    }

    @Override
    public void close() {
        try {
            http.close();
        } finally {
            route.close();
        }
    }
}
