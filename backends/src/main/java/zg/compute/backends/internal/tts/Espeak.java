package zg.compute.backends.internal.tts;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code espeak-ng}: text in on stdin (never on the command line, so no text is taken for an option),
 * a WAV file out (22.05 kHz mono 16-bit). One invocation for the text-to-speech server and the speech samples.
 */
public final class Espeak {

    /** The voice Debian 12's pocketsphinx recognises well (espeak-ng's default voice it recognises poorly). */
    public static final String DEFAULT_VOICE = "en-us+edward";
    public static final int DEFAULT_WPM = 150;

    private Espeak() {
    }

    /** {@code text} spoken by {@code voice} at {@code wordsPerMinute}, as WAV bytes; one-line IOException on failure. */
    public static byte[] speak(String text, String voice, int wordsPerMinute, Duration timeout)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("zg-espeak", ".wav");
        try {
            Process p = new ProcessBuilder(List.of("espeak-ng", "-v", voice, "-s", String.valueOf(wordsPerMinute),
                    "-w", out.toString(), "--stdin")).redirectErrorStream(true).start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(text.getBytes(StandardCharsets.UTF_8));
            }
            byte[] log = p.getInputStream().readNBytes(4096);
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new IOException("espeak-ng did not finish within " + timeout.toSeconds() + " s");
            }
            if (p.exitValue() != 0) {
                String msg = new String(log, StandardCharsets.UTF_8).strip();
                throw new IOException("espeak-ng exited " + p.exitValue()
                        + (msg.isEmpty() ? "" : ": " + msg.lines().reduce((a, b) -> b).orElse("")));
            }
            return Files.readAllBytes(out);
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
