package zg.compute.backends.internal.speech;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The recogniser: Debian's {@code pocketsphinx_continuous} (CMU PocketSphinx 5prealpha) run as a subprocess on
 * a 16 kHz mono 16-bit WAV with {@code -time yes}. It splits the audio into utterances at pauses (its VAD) and
 * prints, per utterance, the hypothesis line and then one {@code word start end posterior} line per word,
 * times in seconds from the start of the file. Long utterances are split into segments of at most
 * {@link #MAX_SEGMENT_WORDS} words or {@link #MAX_SEGMENT_SECONDS} seconds so subtitles stay readable.
 */
public final class Pocketsphinx {

    public static final Path DEFAULT_MODEL_DIR = Path.of("/usr/share/pocketsphinx/model/en-us");
    static final int MAX_SEGMENT_WORDS = 16;
    static final double MAX_SEGMENT_SECONDS = 8.0;
    /**
     * Decoder settings beyond the defaults. {@code -dither yes} with a fixed seed: synthetic and edited audio
     * starts with digital silence (all zeros), on which pocketsphinx's noise and CMN estimates go wrong (the same
     * sentence came out right or as garbage depending on sox's random dither); a seeded half-bit dither makes it
     * robust and the transcript of a file reproducible. Wider beams and {@code -topn 8}: on espeak sentences
     * the word error rate fell from 28–35 % to 22–24 % on the set they were chosen on and from 33–39 % to
     * 29–35 % on a second set (ranges over dither seeds), for about 3× the CPU (~1–1.5× real time per core).
     */
    static final List<String> DECODER_ARGS = List.of("-dither", "yes", "-seed", "1", "-topn", "8", "-beam", "1e-80",
            "-wbeam", "1e-60", "-pbeam", "1e-80", "-maxhmmpf", "-1");
    private static final Pattern WORD_LINE = Pattern.compile("^(\\S+) (\\d+\\.\\d+) (\\d+\\.\\d+) (\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?)$");
    private static final Pattern ALT_PRONUNCIATION = Pattern.compile("\\(\\d+\\)$");

    private final String binary;
    private final Path acousticModel;
    private final Path languageModel;
    private final Path dictionary;

    public Pocketsphinx(String binary, Path modelDir) {
        this.binary = binary;
        this.acousticModel = modelDir.resolve("en-us");
        this.languageModel = modelDir.resolve("en-us.lm.bin");
        this.dictionary = modelDir.resolve("cmudict-en-us.dict");
    }

    /** What is missing to run (empty when ready), as one line with the Debian packages to install. */
    public String missing() {
        List<String> missing = new ArrayList<>();
        if (Tools.find(binary) == null) {
            missing.add(binary + " (Debian package pocketsphinx)");
        }
        if (!Files.isRegularFile(acousticModel.resolve("mdef")) || !Files.isRegularFile(languageModel)
                || !Files.isRegularFile(dictionary)) {
            missing.add("the en-us model under " + acousticModel.getParent() + " (Debian package pocketsphinx-en-us)");
        }
        if (Tools.find("sox") == null) {
            missing.add("sox (Debian package sox)");
        }
        return missing.isEmpty() ? "" : "missing " + String.join(", ", missing);
    }

    /** e.g. {@code pocketsphinx 5prealpha (Debian 0.8+5prealpha+1-15), acoustic model en-us (…)}. */
    public String describe() {
        String version = Tools.debianVersion("pocketsphinx");
        String upstream = version == null ? "5prealpha" : version.replaceFirst("^0\\.8\\+", "").replaceFirst("\\+.*$", "");
        return "pocketsphinx " + upstream + (version == null ? "" : " (Debian " + version + ")")
                + ", acoustic model en-us (CMU Sphinx US English continuous, " + acousticModel + "), language model "
                + languageModel.getFileName() + ", dictionary " + dictionary.getFileName()
                + " (real speech recogniser, English only)";
    }

    /**
     * Recognises {@code wav} (a canonical 16 kHz mono 16-bit WAV whose name ends in {@code .wav}). Each finished segment goes to
     * {@code onSegment} as soon as pocketsphinx prints its utterance, so a stream can send it at once.
     */
    public List<Transcript.Segment> recognise(Path wav, Path workDir, Duration timeout, Subprocess.Cancel cancel,
            Consumer<Transcript.Segment> onSegment) throws IOException, InterruptedException, Subprocess.TimeoutFailure {
        if (!wav.getFileName().toString().endsWith(".wav")) {
            // pocketsphinx_continuous reads any other name as raw samples, header included
            throw new IllegalArgumentException("pocketsphinx input must be named *.wav: " + wav.getFileName());
        }
        List<String> cmd = new ArrayList<>(List.of(Tools.find(binary).toString(), "-infile", wav.toString(),
                "-time", "yes", "-hmm", acousticModel.toString(), "-lm", languageModel.toString(),
                "-dict", dictionary.toString()));
        cmd.addAll(DECODER_ARGS);
        Path stderr = Files.createTempFile(workDir, "pocketsphinx-", ".log");
        List<Transcript.Segment> segments = new ArrayList<>();
        try {
            Parser parser = new Parser(seg -> {
                segments.add(seg);
                onSegment.accept(seg);
            });
            Subprocess.Result result = Subprocess.run(cmd, timeout, stderr, cancel, parser::line);
            if (result.exitCode() != 0) {
                throw new IOException("pocketsphinx_continuous exited with " + result.exitCode() + ": "
                        + result.stderrTail());
            }
            parser.finish();
            return segments;
        } finally {
            Files.deleteIfExists(stderr);
        }
    }

    /**
     * Turns pocketsphinx's stdout into segments. An utterance is a hypothesis line followed by word lines; it
     * is complete at its {@code </s>} word, at the next hypothesis line, or at the end of the output.
     */
    static final class Parser {
        private final Consumer<Transcript.Segment> out;
        private final List<Transcript.Word> words = new ArrayList<>();
        private String hypothesis;
        private int nextId;

        Parser(Consumer<Transcript.Segment> out) {
            this.out = out;
        }

        void line(String raw) {
            String line = raw.strip();
            Matcher m = WORD_LINE.matcher(line);
            if (m.matches() && hypothesis != null) {
                String word = m.group(1);
                if (word.equals("</s>")) {
                    flush();
                } else if (isSpoken(word)) {
                    words.add(new Transcript.Word(ALT_PRONUNCIATION.matcher(word).replaceFirst(""),
                            Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3)),
                            Double.parseDouble(m.group(4))));
                }
                return;
            }
            flush();
            hypothesis = line;
        }

        void finish() {
            flush();
        }

        private static boolean isSpoken(String word) {
            return !(word.startsWith("<") || word.startsWith("[") || word.startsWith("++"));
        }

        private void flush() {
            if (hypothesis == null) {
                return;
            }
            if (words.isEmpty()) {
                // no word times (should not happen with -time yes): keep the text, without times
                if (!hypothesis.isEmpty()) {
                    out.accept(new Transcript.Segment(nextId++, 0, 0, hypothesis.toLowerCase(Locale.ROOT), List.of()));
                }
            } else {
                List<Transcript.Word> piece = new ArrayList<>();
                for (Transcript.Word w : words) {
                    if (!piece.isEmpty() && (piece.size() >= MAX_SEGMENT_WORDS
                            || w.end() - piece.get(0).start() > MAX_SEGMENT_SECONDS)) {
                        emit(piece);
                        piece = new ArrayList<>();
                    }
                    piece.add(w);
                }
                emit(piece);
            }
            words.clear();
            hypothesis = null;
        }

        private void emit(List<Transcript.Word> piece) {
            String text = String.join(" ", piece.stream().map(Transcript.Word::word).toList());
            out.accept(new Transcript.Segment(nextId++, piece.get(0).start(), piece.get(piece.size() - 1).end(), text,
                    List.copyOf(piece)));
        }
    }

    /** Finding tools on PATH and asking dpkg for versions. */
    public static final class Tools {
        private Tools() {
        }

        public static Path find(String name) {
            if (name.contains("/")) {
                Path p = Path.of(name);
                return Files.isExecutable(p) ? p : null;
            }
            String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
            for (String dir : path.split(":")) {
                if (!dir.isEmpty()) {
                    Path p = Path.of(dir, name);
                    if (Files.isExecutable(p)) {
                        return p;
                    }
                }
            }
            return null;
        }

        public static String debianVersion(String pkg) {
            if (find("dpkg-query") == null) {
                return null;
            }
            try {
                Process p = new ProcessBuilder("dpkg-query", "-W", "-f", "${Version}", pkg)
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return null;
                }
                String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                return p.exitValue() == 0 && !v.isEmpty() ? v : null;
            } catch (IOException e) {
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }
}
