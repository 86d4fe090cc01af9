package zg.compute.backends.internal.speech;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import zg.compute.protocol.audio.Wav;

/**
 * Turns an upload into what pocketsphinx reads: a canonical 16 kHz mono 16-bit PCM WAV. The format is taken
 * from the file's first bytes (never from its name): WAV in any rate, channel count or sample size, FLAC and
 * Ogg Vorbis are converted with sox; a canonical WAV is used as is; anything else is refused.
 */
public final class AudioInput {

    /** pocketsphinx's input: 16 kHz, mono, 16-bit signed PCM. */
    static final int TARGET_RATE = 16_000;

    /**
     * True when pocketsphinx_continuous can read the file as is: it skips exactly 44 header bytes and checks
     * PCM, mono, 16 bit, 16 kHz, so the samples must start at byte 44 and run to the end of the file.
     */
    static boolean isCanonicalTarget(Wav w) {
        return w.formatTag() == 1 && w.channels() == 1 && w.sampleRate() == TARGET_RATE && w.bitsPerSample() == 16
                && w.dataOffset() == 44 && w.dataOffset() + w.dataBytes() == w.fileBytes();
    }

    /** The accepted formats, for error messages. */
    public static final String ACCEPTED = "WAV (any rate, channels and sample size), FLAC or Ogg Vorbis";

    private AudioInput() {
    }

    /** The converted audio and its header (the duration comes from it). */
    public record Prepared(Path wav, Wav header) {
    }

    /** Raised for input the client must fix (a 400). */
    public static final class BadAudio extends Exception {
        public BadAudio(String message) {
            super(message);
        }
    }

    enum Kind { WAV, FLAC, OGG }

    static Kind sniff(Path file, String filename) throws IOException, BadAudio {
        byte[] head = new byte[12];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        if (n == 0) {
            throw new BadAudio("the uploaded file '" + filename + "' is empty");
        }
        String s = new String(head, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1);
        if (n >= 12 && s.startsWith("RIFF") && s.startsWith("WAVE", 8)) {
            return Kind.WAV;
        }
        if (s.startsWith("fLaC")) {
            return Kind.FLAC;
        }
        if (s.startsWith("OggS")) {
            return Kind.OGG;
        }
        String what = s.startsWith("ID3") || (n >= 2 && (head[0] & 0xFF) == 0xFF && (head[1] & 0xE0) == 0xE0) ? "MP3 audio"
                : n >= 8 && s.startsWith("ftyp", 4) ? "MP4/M4A audio"
                : s.startsWith("{") || s.startsWith("[") || s.startsWith("<") || printable(head, n) ? "text"
                : "an unrecognised format";
        throw new BadAudio("unsupported audio format: '" + filename + "' looks like " + what + "; upload " + ACCEPTED);
    }

    private static boolean printable(byte[] b, int n) {
        for (int i = 0; i < n; i++) {
            int c = b[i] & 0xFF;
            if (c < 0x09 || (c > 0x0D && c < 0x20) || c == 0x7F) {
                return false;
            }
        }
        return true;
    }

    /**
     * Checks and converts {@code upload} into a new {@code .wav} file in {@code workDir}, which the caller
     * deletes. sox runs without dither ({@code -D}: the recogniser adds its own, seeded, so a file's transcript
     * is reproducible) and with clipping guard ({@code -G}).
     */
    public static Prepared prepare(Path upload, String filename, Path workDir, Duration timeout, Subprocess.Cancel cancel)
            throws IOException, InterruptedException, BadAudio, Subprocess.TimeoutFailure {
        Kind kind = sniff(upload, filename);
        if (kind == Kind.WAV) {
            Wav wav;
            try {
                wav = Wav.read(upload);
            } catch (IllegalArgumentException e) {
                throw new BadAudio("invalid WAV file '" + filename + "': " + e.getMessage());
            }
            if (isCanonicalTarget(wav)) {
                // pocketsphinx_continuous skips the 44-byte header only for names ending in .wav (otherwise it
                // reads the header as samples): give the upload such a name, without copying it
                Path named = workDir.resolve("input-" + java.util.UUID.randomUUID() + ".wav");
                try {
                    Files.createLink(named, upload);
                } catch (IOException | UnsupportedOperationException e) {
                    Files.copy(upload, named);
                }
                return new Prepared(named, wav);
            }
        }
        Path out = Files.createTempFile(workDir, "converted-", ".wav");
        Path log = Files.createTempFile(workDir, "sox-", ".log");
        boolean ok = false;
        try {
            List<String> cmd = List.of(Pocketsphinx.Tools.find("sox").toString(), "-V1", "-D", "-G", "-t", kind.name().toLowerCase(),
                    upload.toString(), "-t", "wav", "-r", String.valueOf(TARGET_RATE), "-c", "1", "-b", "16",
                    "-e", "signed-integer", out.toString());
            Subprocess.Result r = Subprocess.run(cmd, timeout, log, cancel, line -> { });
            if (r.exitCode() != 0) {
                String why = r.stderrTail().replace(upload.toString(), filename).replaceFirst("^sox (FAIL|WARN) \\S+: ", "");
                throw new BadAudio("could not decode '" + filename + "' as " + kind.name() + ": "
                        + (why.isEmpty() ? "sox exit " + r.exitCode() : why));
            }
            Wav wav;
            try {
                wav = Wav.read(out);
            } catch (IllegalArgumentException e) {
                throw new IOException("sox wrote an unreadable WAV: " + e.getMessage());
            }
            if (!isCanonicalTarget(wav)) {
                throw new IOException("sox did not write a canonical 16 kHz mono 16-bit WAV: " + wav);
            }
            ok = true;
            return new Prepared(out, wav);
        } finally {
            Files.deleteIfExists(log);
            if (!ok) {
                Files.deleteIfExists(out);
            }
        }
    }
}
