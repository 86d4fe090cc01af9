package zg.compute.backends;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import zg.compute.backends.internal.speech.Pocketsphinx;
import zg.compute.backends.internal.tts.Espeak;

/**
 * Speech to feed the speech-to-text server: Debian's {@code espeak-ng} speaking a sentence with the
 * {@code en-us+edward} voice at 150 words a minute (the one Debian 12's pocketsphinx recognises well), converted by
 * {@code sox} to 16 kHz mono 16-bit WAV. Used by the devnet demo and the tests; not a product text-to-speech.
 */
public final class SpeechSynthesizer {

    private static final long TIMEOUT_SECONDS = 60;

    private SpeechSynthesizer() {
    }

    /** Empty when espeak-ng and sox are installed, else what is missing, e.g. {@code missing espeak-ng (…)}. */
    public static String missingTools() {
        List<String> missing = new ArrayList<>();
        if (Pocketsphinx.Tools.find("espeak-ng") == null) {
            missing.add("espeak-ng (Debian package espeak-ng)");
        }
        if (Pocketsphinx.Tools.find("sox") == null) {
            missing.add("sox (Debian package sox)");
        }
        return missing.isEmpty() ? "" : "missing " + String.join(", ", missing);
    }

    /** {@code text} spoken, as the bytes of a 16 kHz mono 16-bit WAV file. */
    public static byte[] speak(String text) throws IOException, InterruptedException {
        String missing = missingTools();
        if (!missing.isEmpty()) {
            throw new IOException("cannot synthesise speech: " + missing);
        }
        Path dir = Files.createTempDirectory("zg-speech");
        Path raw = dir.resolve("espeak.wav");
        Path wav = dir.resolve("speech.wav");
        try {
            Files.write(raw, Espeak.speak(text, Espeak.DEFAULT_VOICE, Espeak.DEFAULT_WPM,
                    Duration.ofSeconds(TIMEOUT_SECONDS)));
            // -D: no dither, so the same sentence always gives the same samples
            run(List.of("sox", "-D", raw.toString(), "-r", "16000", "-c", "1", "-b", "16", wav.toString()));
            return Files.readAllBytes(wav);
        } finally {
            Files.deleteIfExists(raw);
            Files.deleteIfExists(wav);
            Files.deleteIfExists(dir);
        }
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(command.get(0) + " did not finish within " + TIMEOUT_SECONDS + " s");
        }
        if (p.exitValue() != 0) {
            String text = new String(out, StandardCharsets.UTF_8).strip();
            throw new IOException(command.get(0) + " exited " + p.exitValue()
                    + (text.isEmpty() ? "" : ": " + text.lines().reduce((a, b) -> b).orElse("")));
        }
    }
}
