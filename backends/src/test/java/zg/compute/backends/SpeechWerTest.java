package zg.compute.backends;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Accuracy of the real recogniser: ordinary sentences spoken by espeak-ng ({@code en-us+edward}, 150 wpm,
 * converted to 16 kHz mono without dither), transcribed over HTTP, scored by word error rate over all 20
 * sentences (the first 10 were used to choose the decoder settings, the last 10 were not). Writes the
 * per-sentence table to {@code target/stt-wer.md}.
 */
class SpeechWerTest {

    static final List<String> SENTENCES = List.of(
            "The quick brown fox jumps over the lazy dog.",
            "I would like a cup of coffee please.",
            "Please open the window before you leave.",
            "The weather is nice today.",
            "We will meet at the station tomorrow morning.",
            "She bought three apples and a loaf of bread.",
            "My brother works in a large hospital.",
            "Can you tell me the way to the library?",
            "The children are playing in the park.",
            "He forgot to turn off the lights last night.",
            // 11–20: a second set, not used when the decoder settings (Pocketsphinx.DECODER_ARGS) were chosen
            "It is raining outside so take an umbrella.",
            "The train leaves at seven in the evening.",
            "I need to buy some milk and eggs.",
            "Our teacher gave us a lot of homework.",
            "The store closes early on Sunday.",
            "Do you know where my keys are?",
            "They went to the beach last summer.",
            "The meeting has been moved to Friday.",
            "Turn left at the next corner.",
            "This soup is too hot to eat.");
    /** Sentences 1–10 were the set the decoder settings were tuned on; 11–20 were held out. */
    static final int TUNING_SET = 10;

    @TempDir
    Path dir;

    record Row(String reference, String hypothesis, int errors, int words, double seconds, long millis) {
    }

    @Test
    void wordErrorRateOnSpokenSentencesIsAtMost30Percent() throws Exception {
        SpeechFixtures.requireTools();
        Vertx vertx = Vertx.vertx();
        List<Row> rows = new ArrayList<>();
        String description;
        try (SpeechToTextServer server = SpeechToTextServer.start(vertx, 0)) {
            description = server.description();
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<Row>> futures = new ArrayList<>();
                for (String sentence : SENTENCES) {
                    Path wav = SpeechFixtures.speak(dir, sentence);
                    futures.add(pool.submit(() -> {
                        long t0 = System.nanoTime();
                        HttpResponse<String> r = SpeechFixtures.transcribe(server.baseUrl(), wav);
                        long ms = (System.nanoTime() - t0) / 1_000_000;
                        assertThat(r.statusCode()).as(sentence + ": " + r.body()).isEqualTo(200);
                        JsonObject body = new JsonObject(r.body());
                        String hyp = body.getString("text");
                        return new Row(sentence, hyp, SpeechFixtures.wordErrors(SpeechFixtures.words(sentence),
                                SpeechFixtures.words(hyp)), SpeechFixtures.words(sentence).size(),
                                body.getJsonObject("usage").getDouble("seconds"), ms);
                    }));
                }
                for (Future<Row> f : futures) {
                    rows.add(f.get());
                }
            } finally {
                pool.shutdownNow();
            }
        } finally {
            vertx.close().await();
        }
        int errors = rows.stream().mapToInt(Row::errors).sum();
        int words = rows.stream().mapToInt(Row::words).sum();
        double wer = (double) errors / words;
        writeReport(rows, errors, words, wer, description);
        assertThat(wer).as("total WER (%d errors / %d words), see target/stt-wer.md", errors, words)
                .isLessThanOrEqualTo(0.30);
    }

    private static void writeReport(List<Row> rows, int errors, int words, double wer, String description)
            throws Exception {
        StringBuilder md = new StringBuilder("# Speech-to-text word error rate\n\n")
                .append("Recogniser: ").append(description).append("  \n")
                .append("Audio: espeak-ng -v en-us+edward -s 150, converted to 16 kHz mono 16-bit with sox; transcribed "
                        + "through POST /v1/audio/transcriptions (response_format json).  \n")
                .append("WER = word-level edit distance / reference words, after lower-casing and removing punctuation.\n\n")
                .append("| # | reference | hypothesis | errors / words | WER | audio s | request ms |\n")
                .append("|---|---|---|---|---|---|---|\n");
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            md.append(String.format(Locale.ROOT, "| %d | %s | %s | %d / %d | %.1f %% | %.2f | %d |%n", i + 1,
                    r.reference(), r.hypothesis(), r.errors(), r.words(), 100.0 * r.errors() / r.words(), r.seconds(),
                    r.millis()));
        }
        md.append(String.format(Locale.ROOT, "%n**Total: %d errors / %d words = WER %.1f %%** (limit 30 %%)%n", errors,
                words, 100 * wer));
        for (int part = 0; part < 2; part++) {
            List<Row> set = part == 0 ? rows.subList(0, TUNING_SET) : rows.subList(TUNING_SET, rows.size());
            int e = set.stream().mapToInt(Row::errors).sum();
            int w = set.stream().mapToInt(Row::words).sum();
            md.append(String.format(Locale.ROOT, "%n%s (sentences %s): %d / %d = WER %.1f %%%n",
                    part == 0 ? "Tuning set" : "Held-out set", part == 0 ? "1–" + TUNING_SET
                            : (TUNING_SET + 1) + "–" + rows.size(), e, w, 100.0 * e / w));
        }
        Path out = Path.of(System.getProperty("basedir", ".")).resolve("target/stt-wer.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, md);
    }
}
