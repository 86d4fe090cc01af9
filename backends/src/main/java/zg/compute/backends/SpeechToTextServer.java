package zg.compute.backends;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import zg.compute.backends.internal.http.OpenAiHttp;
import zg.compute.backends.internal.speech.Pocketsphinx;
import zg.compute.backends.internal.speech.TranscriptionRoute;

/**
 * A REAL offline speech-to-text server: OpenAI-compatible {@code POST /v1/audio/transcriptions} backed by CMU
 * PocketSphinx (Debian packages {@code pocketsphinx}, {@code pocketsphinx-en-us}; {@code sox} converts the
 * input). English only.
 *
 * <p>Request (multipart): {@code file} (WAV in any rate/channels/sample size, FLAC or Ogg Vorbis; anything else
 * is a 400), {@code model} (required, any name), optional {@code language} (en only), {@code prompt} (accepted,
 * not used: pocketsphinx has no prompt conditioning), {@code response_format} = json | text | srt | vtt |
 * verbose_json, {@code temperature} (0..1, not used: decoding is deterministic), {@code stream} (true: SSE of
 * {@code transcript.text.delta} events, one per recognised segment as it is decoded, then
 * {@code transcript.text.done} with usage and {@code data: [DONE]}), {@code timestamp_granularities[]}
 * (word adds {@code words} to verbose_json).
 *
 * <p>Usage is {@code {"type":"duration","seconds":N}} with N the audio's real length (from the WAV header after
 * conversion), which a broker bills as seconds × inputPrice.
 */
public final class SpeechToTextServer implements ModelServer {

    /** Bounds and tool locations; the defaults suit a small machine. */
    public static final class Options {
        private long maxBodyBytes = 25L * 1024 * 1024;
        private int concurrency = 2;
        private int maxQueued = 8;
        private Duration timeoutBase = Duration.ofSeconds(30);
        private double timeoutPerAudioSecond = 3.0;
        private double maxAudioSeconds = 1500;
        private String pocketsphinxBinary = "pocketsphinx_continuous";
        private Path modelDir = Pocketsphinx.DEFAULT_MODEL_DIR;
        private String modelName = "pocketsphinx-en-us";

        /** Request bodies above this get a 413 (default 25 MiB, OpenAI's file limit). */
        public Options maxBodyBytes(long bytes) {
            this.maxBodyBytes = bytes;
            return this;
        }

        /** Recognitions running at once (default 2); more wait, up to {@link #maxQueued}. */
        public Options concurrency(int n) {
            this.concurrency = Math.max(1, n);
            return this;
        }

        /** Requests that may wait for a slot (default 8); beyond that a 429 with Retry-After. */
        public Options maxQueued(int n) {
            this.maxQueued = Math.max(0, n);
            return this;
        }

        /** Recognition time limit = base + perAudioSecond × audio seconds (default 30 s + 3 × length); then 504. */
        public Options timeout(Duration base, double perAudioSecond) {
            this.timeoutBase = base;
            this.timeoutPerAudioSecond = perAudioSecond;
            return this;
        }

        /** Longer audio is refused with a 400 (default 1500 s). */
        public Options maxAudioSeconds(double seconds) {
            this.maxAudioSeconds = seconds;
            return this;
        }

        /** The pocketsphinx_continuous binary (name on PATH or absolute path). */
        public Options pocketsphinxBinary(String binary) {
            this.pocketsphinxBinary = binary;
            return this;
        }

        /** Directory holding {@code en-us/}, {@code en-us.lm.bin} and {@code cmudict-en-us.dict}. */
        public Options modelDir(Path dir) {
            this.modelDir = dir;
            return this;
        }

        /** The id {@code GET /v1/models} lists (requests may name any model). */
        public Options modelName(String name) {
            this.modelName = name;
            return this;
        }
    }

    private final OpenAiHttp http;
    private final TranscriptionRoute route;
    private final String description;

    private SpeechToTextServer(OpenAiHttp http, TranscriptionRoute route, String description) {
        this.http = http;
        this.route = route;
        this.description = description;
    }

    /** Starts on 127.0.0.1:{@code port} (0 = any free port) with the default {@link Options}. */
    public static SpeechToTextServer start(Vertx vertx, int port) {
        return start(vertx, port, new Options());
    }

    /**
     * Starts on 127.0.0.1:{@code port} (0 = any free port).
     *
     * @throws IllegalStateException naming the Debian packages to install when pocketsphinx, its model or sox is missing
     */
    public static SpeechToTextServer start(Vertx vertx, int port, Options options) {
        Pocketsphinx recogniser = new Pocketsphinx(options.pocketsphinxBinary, options.modelDir);
        String missing = recogniser.missing();
        if (!missing.isEmpty()) {
            throw new IllegalStateException("speech-to-text server cannot start: " + missing
                    + " (apt-get install pocketsphinx pocketsphinx-en-us sox)");
        }
        Path workDir;
        try {
            workDir = Files.createTempDirectory("zg-stt-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        TranscriptionRoute route = new TranscriptionRoute(vertx, recogniser, new TranscriptionRoute.Limits(
                options.maxBodyBytes, options.concurrency, options.maxQueued, options.timeoutBase,
                options.timeoutPerAudioSecond, options.maxAudioSeconds), workDir);
        OpenAiHttp http;
        try {
            http = OpenAiHttp.start(vertx, port, options.maxBodyBytes, router -> route.mount(router, options.modelName));
        } catch (RuntimeException e) {
            route.close();
            throw e;
        }
        return new SpeechToTextServer(http, route, recogniser.describe());
    }

    /** Empty when pocketsphinx, its en-us model and sox are installed; otherwise what is missing, one line. */
    public static String missingTools() {
        return new Pocketsphinx("pocketsphinx_continuous", Pocketsphinx.DEFAULT_MODEL_DIR).missing();
    }

    @Override
    public String baseUrl() {
        return http.baseUrl();
    }

    @Override
    public String description() {
        return description;
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
