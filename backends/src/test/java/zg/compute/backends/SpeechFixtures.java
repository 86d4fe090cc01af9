package zg.compute.backends;

import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import zg.compute.backends.internal.tts.Espeak;

/** Speech test helpers: tool checks, espeak-ng synthesis, multipart uploads, word error rate. */
final class SpeechFixtures {

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private SpeechFixtures() {
    }

    /**
     * Aborts the test (skipped, with the reason) when pocketsphinx, its model, sox or espeak-ng is missing;
     * with {@code CI=true} it fails instead, so CI never passes by skipping.
     */
    static void requireTools() {
        String missing = SpeechToTextServer.missingTools();
        if (which("espeak-ng") == null) {
            missing = (missing.isEmpty() ? "missing " : missing + ", ") + "espeak-ng (Debian package espeak-ng)";
        }
        if (missing.isEmpty()) {
            return;
        }
        String message = "speech-to-text tests need Debian packages pocketsphinx pocketsphinx-en-us espeak-ng sox: "
                + missing;
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail(message + " (CI=true: not skipping)");
        }
        Assumptions.abort(message);
    }

    static Path which(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(dir, tool);
            if (!dir.isEmpty() && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Runs a tool, failing the test with its output on a non-zero exit or after 60 s. */
    static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("timed out: " + cmd);
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            fail(cmd + " exited " + p.exitValue() + ": " + text);
        }
        return text;
    }

    /** {@code espeak-ng -v en-us+edward -s 150} speaking {@code text}, as espeak writes it (22.05 kHz mono). */
    static Path speakRaw(Path dir, String text) throws IOException, InterruptedException {
        Path out = dir.resolve("espeak-" + UUID.randomUUID() + ".wav");
        return Files.write(out, Espeak.speak(text, Espeak.DEFAULT_VOICE, Espeak.DEFAULT_WPM, Duration.ofSeconds(60)));
    }

    /**
     * Converts with sox: {@code rate} Hz, {@code channels}, 16-bit, into {@code type} (wav, flac …), without dither
     * ({@code -D}) so the same sentence always gives the same samples and the measured WER is reproducible.
     */
    static Path convert(Path in, int rate, int channels, String type) throws IOException, InterruptedException {
        Path out = in.resolveSibling("conv-" + UUID.randomUUID() + "." + type);
        run(List.of("sox", "-D", in.toString(), "-r", String.valueOf(rate), "-c", String.valueOf(channels), "-b", "16",
                out.toString()));
        return out;
    }

    /** {@code text} spoken, as a 16 kHz mono 16-bit WAV. */
    static Path speak(Path dir, String text) throws IOException, InterruptedException {
        return Files.write(dir.resolve("speech-" + UUID.randomUUID() + ".wav"), SpeechSynthesizer.speak(text));
    }

    /** Joins WAVs with {@code pauseSeconds} of silence between them (sox pad). */
    static Path joinWithPauses(Path dir, double pauseSeconds, Path... parts) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("sox"));
        for (int i = 0; i < parts.length; i++) {
            Path padded = dir.resolve("pad-" + UUID.randomUUID() + ".wav");
            run(List.of("sox", parts[i].toString(), padded.toString(), "pad", i == 0 ? "0.3" : "0",
                    String.valueOf(pauseSeconds)));
            cmd.add(padded.toString());
        }
        Path out = dir.resolve("joined-" + UUID.randomUUID() + ".wav");
        cmd.add(out.toString());
        run(cmd);
        return out;
    }

    /** The audio length in seconds as sox measures it ({@code soxi -D}): independent of the server's parser. */
    static double soxSeconds(Path audio) throws IOException, InterruptedException {
        return Double.parseDouble(run(List.of("soxi", "-D", audio.toString())).strip());
    }

    /** A multipart/form-data body. */
    static final class Multipart {
        final String boundary = "----zgstt" + UUID.randomUUID().toString().replace("-", "");
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();

        Multipart field(String name, String value) {
            write("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n");
            return this;
        }

        Multipart file(String name, String filename, String contentType, byte[] data) {
            write("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename
                    + "\"\r\nContent-Type: " + contentType + "\r\n\r\n");
            body.writeBytes(data);
            write("\r\n");
            return this;
        }

        byte[] bytes() {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.writeBytes(body.toByteArray());
            all.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
            return all.toByteArray();
        }

        private void write(String s) {
            body.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        }
    }

    static HttpResponse<String> post(String baseUrl, Multipart form) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl + "/audio/transcriptions"))
                .timeout(Duration.ofSeconds(120))
                .header("Content-Type", "multipart/form-data; boundary=" + form.boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(form.bytes())).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Uploads {@code audio} as {@code file} with model and the extra fields (name, value pairs). */
    static HttpResponse<String> transcribe(String baseUrl, Path audio, String... fields)
            throws IOException, InterruptedException {
        Multipart form = new Multipart().file("file", audio.getFileName().toString(), "audio/wav", Files.readAllBytes(audio))
                .field("model", "pocketsphinx-en-us");
        for (int i = 0; i + 1 < fields.length; i += 2) {
            form.field(fields[i], fields[i + 1]);
        }
        return post(baseUrl, form);
    }

    /** Lower case, punctuation out (apostrophes kept inside words), split on white space. */
    static List<String> words(String text) {
        String clean = text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9' ]+", " ").replaceAll("(^|\\s)'|'(\\s|$)", " ");
        List<String> out = new ArrayList<>();
        for (String w : clean.trim().split("\\s+")) {
            if (!w.isEmpty()) {
                out.add(w);
            }
        }
        return out;
    }

    /** Word-level edit distance (substitutions + deletions + insertions) between reference and hypothesis. */
    static int wordErrors(List<String> ref, List<String> hyp) {
        int[] prev = new int[hyp.size() + 1];
        int[] cur = new int[hyp.size() + 1];
        for (int j = 0; j <= hyp.size(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= ref.size(); i++) {
            cur[0] = i;
            for (int j = 1; j <= hyp.size(); j++) {
                int sub = prev[j - 1] + (ref.get(i - 1).equals(hyp.get(j - 1)) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[hyp.size()];
    }

    /** Word error rate of {@code hypothesis} against {@code reference}: errors / reference words. */
    static double wer(String reference, String hypothesis) {
        List<String> ref = words(reference);
        return ref.isEmpty() ? (words(hypothesis).isEmpty() ? 0 : 1)
                : (double) wordErrors(ref, words(hypothesis)) / ref.size();
    }
}
