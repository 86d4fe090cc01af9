package zg.compute.backends;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static zg.compute.backends.SpeechFixtures.transcribe;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The speech server over HTTP: every response_format, the stream, usage seconds, and bad input. */
class SpeechToTextServerTest {

    private static final String FIRST = "I would like a cup of coffee.";
    private static final String SECOND = "Please open the window before you leave.";
    private static final Pattern CUE = Pattern.compile("(\\d\\d):(\\d\\d):(\\d\\d)[,.](\\d{3}) --> (\\d\\d):(\\d\\d):(\\d\\d)[,.](\\d{3})");

    @TempDir
    static Path dir;
    static Vertx vertx;
    static SpeechToTextServer server;
    /** Two sentences with a 1 s pause between them: pocketsphinx hears two utterances. */
    static Path twoSentences;
    static double twoSentencesSeconds;

    @BeforeAll
    static void start() throws Exception {
        SpeechFixtures.requireTools();
        vertx = Vertx.vertx();
        server = SpeechToTextServer.start(vertx, 0);
        twoSentences = SpeechFixtures.joinWithPauses(dir, 1.0, SpeechFixtures.speak(dir, FIRST),
                SpeechFixtures.speak(dir, SECOND));
        twoSentencesSeconds = SpeechFixtures.soxSeconds(twoSentences);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (vertx != null) {
            vertx.close().await();
        }
    }

    @Test
    void describesTheRealRecogniser() {
        assertThat(server.description()).contains("pocketsphinx").contains("5prealpha").contains("en-us")
                .contains("real");
        assertThat(server.baseUrl()).startsWith("http://127.0.0.1:").endsWith("/v1");
    }

    @Test
    void jsonHasTextAndDurationUsage() throws Exception {
        HttpResponse<String> r = transcribe(server.baseUrl(), twoSentences);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        JsonObject body = new JsonObject(r.body());
        assertThat(body.fieldNames()).containsExactlyInAnyOrder("text", "usage");
        assertThat(SpeechFixtures.words(body.getString("text"))).contains("coffee", "window");
        assertThat(SpeechFixtures.wer(FIRST + " " + SECOND, body.getString("text"))).isLessThanOrEqualTo(0.3);
        JsonObject usage = body.getJsonObject("usage");
        assertThat(usage.getString("type")).isEqualTo("duration");
        assertThat(usage.getDouble("seconds")).isCloseTo(twoSentencesSeconds, within(0.1));
    }

    @Test
    void durationIsTheRealLengthAlsoForConvertedInput() throws Exception {
        // 44.1 kHz stereo WAV (sox converts it) and a FLAC file: usage is the audio's length either way
        Path raw = SpeechFixtures.speakRaw(dir, "The children are playing in the park.");
        Path stereo = SpeechFixtures.convert(raw, 44100, 2, "wav");
        Path flac = SpeechFixtures.convert(raw, 22050, 1, "flac");
        for (Path audio : List.of(stereo, flac)) {
            HttpResponse<String> r = transcribe(server.baseUrl(), audio);
            assertThat(r.statusCode()).as(audio + ": " + r.body()).isEqualTo(200);
            JsonObject body = new JsonObject(r.body());
            assertThat(body.getJsonObject("usage").getDouble("seconds")).as(audio.toString())
                    .isCloseTo(SpeechFixtures.soxSeconds(audio), within(0.1));
            assertThat(SpeechFixtures.words(body.getString("text"))).as(audio.toString()).contains("children", "park");
        }
    }

    @Test
    void textIsPlainText() throws Exception {
        HttpResponse<String> json = transcribe(server.baseUrl(), twoSentences);
        HttpResponse<String> r = transcribe(server.baseUrl(), twoSentences, "response_format", "text");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
        assertThat(r.body()).endsWith("\n").doesNotContain("{");
        assertThat(r.body().strip()).isEqualTo(new JsonObject(json.body()).getString("text"));
    }

    @Test
    void verboseJsonHasDurationLanguageSegmentsAndUsage() throws Exception {
        HttpResponse<String> r = transcribe(server.baseUrl(), twoSentences, "response_format", "verbose_json",
                "timestamp_granularities[]", "word", "language", "en", "temperature", "0", "prompt", "coffee");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonObject body = new JsonObject(r.body());
        assertThat(body.getString("language")).isEqualTo("english");
        assertThat(body.getDouble("duration")).isCloseTo(twoSentencesSeconds, within(0.1));
        assertThat(body.getJsonObject("usage").getDouble("seconds")).isEqualTo(body.getDouble("duration"));
        JsonArray segments = body.getJsonArray("segments");
        // the 1 s pause separates the two sentences into (at least) two segments, in time order
        assertThat(segments.size()).isGreaterThanOrEqualTo(2);
        double last = 0;
        StringBuilder joined = new StringBuilder();
        for (int i = 0; i < segments.size(); i++) {
            JsonObject s = segments.getJsonObject(i);
            assertThat(s.getInteger("id")).isEqualTo(i);
            assertThat(s.getDouble("start")).isGreaterThanOrEqualTo(last).isLessThan(s.getDouble("end"));
            assertThat(s.getDouble("end")).isLessThanOrEqualTo(body.getDouble("duration"));
            last = s.getDouble("end");
            joined.append(i == 0 ? "" : " ").append(s.getString("text"));
        }
        assertThat(joined.toString()).isEqualTo(body.getString("text"));
        // the second sentence starts after the first sentence and the pause
        JsonObject windowSegment = segments.stream().map(JsonObject.class::cast)
                .filter(s -> s.getString("text").contains("window")).findFirst().orElseThrow();
        assertThat(windowSegment.getDouble("start")).isGreaterThan(2.0);
        JsonArray words = body.getJsonArray("words");
        assertThat(words.size()).isEqualTo(SpeechFixtures.words(body.getString("text")).size());
        assertThat(words.getJsonObject(0).getDouble("start")).isLessThan(words.getJsonObject(words.size() - 1).getDouble("end"));
    }

    @Test
    void srtAndVttCuesFollowTheSegments() throws Exception {
        JsonArray segments = new JsonObject(transcribe(server.baseUrl(), twoSentences, "response_format", "verbose_json")
                .body()).getJsonArray("segments");
        HttpResponse<String> srt = transcribe(server.baseUrl(), twoSentences, "response_format", "srt");
        HttpResponse<String> vtt = transcribe(server.baseUrl(), twoSentences, "response_format", "vtt");
        assertThat(srt.statusCode()).isEqualTo(200);
        assertThat(vtt.statusCode()).isEqualTo(200);
        assertThat(vtt.body()).startsWith("WEBVTT\n\n");
        assertThat(vtt.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/vtt"));
        assertThat(srt.body()).startsWith("1\n");
        for (HttpResponse<String> r : List.of(srt, vtt)) {
            List<double[]> cues = cues(r.body());
            assertThat(cues).hasSize(segments.size());
            for (int i = 0; i < cues.size(); i++) {
                assertThat(cues.get(i)[0]).isCloseTo(segments.getJsonObject(i).getDouble("start"), within(0.001));
                assertThat(cues.get(i)[1]).isCloseTo(segments.getJsonObject(i).getDouble("end"), within(0.001));
                assertThat(r.body()).contains(segments.getJsonObject(i).getString("text") + "\n");
            }
            // the last cue ends inside the audio (the broker's srt/vtt fallback bills it)
            assertThat(cues.get(cues.size() - 1)[1]).isLessThanOrEqualTo(twoSentencesSeconds);
        }
        assertThat(srt.body()).contains(" --> ").containsPattern("\\d\\d:\\d\\d:\\d\\d,\\d{3}");
        assertThat(vtt.body()).containsPattern("\\d\\d:\\d\\d:\\d\\d\\.\\d{3}");
    }

    private static List<double[]> cues(String body) {
        List<double[]> out = new ArrayList<>();
        Matcher m = CUE.matcher(body);
        while (m.find()) {
            out.add(new double[] {seconds(m, 1), seconds(m, 5)});
        }
        return out;
    }

    private static double seconds(Matcher m, int g) {
        return Integer.parseInt(m.group(g)) * 3600 + Integer.parseInt(m.group(g + 1)) * 60
                + Integer.parseInt(m.group(g + 2)) + Integer.parseInt(m.group(g + 3)) / 1000.0;
    }

    @Test
    void streamSendsDeltasThenDoneWithUsageThenDone() throws Exception {
        HttpResponse<String> r = transcribe(server.baseUrl(), twoSentences, "stream", "true");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        List<String> events = new ArrayList<>();
        for (String block : r.body().split("\n\n")) {
            assertThat(block).startsWith("data: ");
            events.add(block.substring("data: ".length()));
        }
        assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
        JsonObject done = new JsonObject(events.get(events.size() - 2));
        assertThat(done.getString("type")).isEqualTo("transcript.text.done");
        assertThat(done.getJsonObject("usage").getString("type")).isEqualTo("duration");
        assertThat(done.getJsonObject("usage").getDouble("seconds")).isCloseTo(twoSentencesSeconds, within(0.1));
        List<JsonObject> deltas = events.subList(0, events.size() - 2).stream().map(JsonObject::new).toList();
        assertThat(deltas).hasSizeGreaterThanOrEqualTo(2).allSatisfy(d -> assertThat(d.getString("type"))
                .isEqualTo("transcript.text.delta"));
        assertThat(String.join("", deltas.stream().map(d -> d.getString("delta")).toList())).isEqualTo(done.getString("text"));
        assertThat(SpeechFixtures.words(done.getString("text"))).contains("coffee", "window");
    }

    @Test
    void nonAudioUploadIsA400WithOneLine() throws Exception {
        Path notes = dir.resolve("notes.txt");
        Files.writeString(notes, "this is not audio\nat all\n");
        HttpResponse<String> r = transcribe(server.baseUrl(), notes);
        assertBadRequest(r, "unsupported audio format");
        assertThat(new JsonObject(r.body()).getJsonObject("error").getString("message")).contains("notes.txt", "WAV");
        // a file named .wav that only starts like one
        Path fake = dir.resolve("fake.wav");
        Files.write(fake, "RIFF\0\0\0\0WAVEjunk".getBytes(StandardCharsets.ISO_8859_1));
        assertBadRequest(transcribe(server.baseUrl(), fake), "fake.wav");
        // an MP3 is named as such
        Path mp3 = dir.resolve("song.mp3");
        Files.write(mp3, new byte[] {'I', 'D', '3', 4, 0, 0, 0, 0, 0, 0, 0, 0});
        assertBadRequest(transcribe(server.baseUrl(), mp3), "MP3");
    }

    @Test
    void badParametersAre400s() throws Exception {
        assertBadRequest(transcribe(server.baseUrl(), twoSentences, "response_format", "xml"), "response_format");
        assertBadRequest(transcribe(server.baseUrl(), twoSentences, "language", "de"), "English");
        assertBadRequest(transcribe(server.baseUrl(), twoSentences, "temperature", "hot"), "temperature");
        assertBadRequest(transcribe(server.baseUrl(), twoSentences, "stream", "true", "response_format", "srt"), "stream");
        byte[] wav = Files.readAllBytes(twoSentences);
        assertBadRequest(SpeechFixtures.post(server.baseUrl(), new SpeechFixtures.Multipart()
                .file("file", "a.wav", "audio/wav", wav)), "'model'");
        assertBadRequest(SpeechFixtures.post(server.baseUrl(), new SpeechFixtures.Multipart()
                .field("model", "m")), "'file'");
        HttpResponse<String> json = SpeechFixtures.HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl()
                + "/audio/transcriptions")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertBadRequest(json, "multipart/form-data");
    }

    private static void assertBadRequest(HttpResponse<String> r, String messagePart) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        JsonObject error = new JsonObject(r.body()).getJsonObject("error");
        assertThat(error.getString("type")).isEqualTo("invalid_request_error");
        assertThat(error.getString("message")).contains(messagePart).doesNotContain("\n").doesNotContain("Exception");
    }

    @Test
    void bodyOverTheLimitIs413() throws Exception {
        byte[] big = new byte[26 * 1024 * 1024];
        System.arraycopy("RIFF\0\0\0\0WAVE".getBytes(StandardCharsets.ISO_8859_1), 0, big, 0, 12);
        HttpResponse<String> r = SpeechFixtures.post(server.baseUrl(), new SpeechFixtures.Multipart()
                .field("model", "m").file("file", "big.wav", "audio/wav", big));
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(new JsonObject(r.body()).getJsonObject("error").getString("message")).contains("too large");
        // the server still works afterwards
        assertThat(transcribe(server.baseUrl(), twoSentences).statusCode()).isEqualTo(200);
    }

    @Test
    void recognitionOverItsTimeLimitIsKilledAndAnswered504() throws Exception {
        try (SpeechToTextServer quick = SpeechToTextServer.start(vertx, 0,
                new SpeechToTextServer.Options().timeout(Duration.ofMillis(300), 0))) {
            long t0 = System.nanoTime();
            HttpResponse<String> r = transcribe(quick.baseUrl(), twoSentences);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(504);
            assertThat(new JsonObject(r.body()).getJsonObject("error").getString("message")).contains("timed out");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
            assertThat(ProcessHandle.current().descendants()
                    .filter(p -> p.info().command().orElse("").contains("pocketsphinx")).filter(ProcessHandle::isAlive))
                    .isEmpty();
        }
    }

    @Test
    void aBurstBeyondConcurrencyAndQueueIsRefusedWith429() throws Exception {
        try (SpeechToTextServer one = SpeechToTextServer.start(vertx, 0,
                new SpeechToTextServer.Options().concurrency(1).maxQueued(0))) {
            List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
            byte[] wav = Files.readAllBytes(twoSentences);
            for (int i = 0; i < 3; i++) {
                SpeechFixtures.Multipart form = new SpeechFixtures.Multipart().file("file", "a.wav", "audio/wav", wav)
                        .field("model", "m");
                burst.add(SpeechFixtures.HTTP.sendAsync(HttpRequest.newBuilder(URI.create(one.baseUrl()
                        + "/audio/transcriptions")).header("Content-Type", "multipart/form-data; boundary=" + form.boundary)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(form.bytes())).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            List<Integer> codes = new ArrayList<>();
            for (CompletableFuture<HttpResponse<String>> f : burst) {
                HttpResponse<String> r = f.get();
                codes.add(r.statusCode());
                if (r.statusCode() == 429) {
                    assertThat(r.headers().firstValue("Retry-After")).isPresent();
                    assertThat(new JsonObject(r.body()).getJsonObject("error").getString("message")).contains("retry");
                }
            }
            assertThat(codes).contains(200, 429).containsOnly(200, 429);
        }
    }
}
