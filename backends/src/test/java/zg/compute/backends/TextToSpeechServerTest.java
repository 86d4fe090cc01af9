package zg.compute.backends;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zg.compute.protocol.audio.Wav;

/** The text-to-speech server over HTTP: real WAV speech that the real recogniser understands, and bad input. */
class TextToSpeechServerTest {

    private static final String SENTENCE = "Please open the window before you leave.";

    @TempDir
    static Path dir;
    static Vertx vertx;
    static TextToSpeechServer tts;
    static SpeechToTextServer stt;

    @BeforeAll
    static void start() {
        SpeechFixtures.requireTools();
        vertx = Vertx.vertx();
        tts = TextToSpeechServer.start(vertx, 0);
        stt = SpeechToTextServer.start(vertx, 0);
    }

    @AfterAll
    static void stop() {
        if (tts != null) {
            tts.close();
        }
        if (stt != null) {
            stt.close();
        }
        if (vertx != null) {
            vertx.close().await();
        }
    }

    private static HttpResponse<byte[]> speak(String json) throws Exception {
        return SpeechFixtures.HTTP.send(HttpRequest.newBuilder(URI.create(tts.baseUrl() + "/audio/speech"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void speaksWavThatThePocketsphinxRecogniserUnderstands() throws Exception {
        HttpResponse<byte[]> r = speak(new JsonObject().put("model", TextToSpeechServer.MODEL).put("input", SENTENCE)
                .encode());
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("audio/wav");
        Wav wav = Wav.read(r.body());
        assertThat(wav.channels()).isEqualTo(1);
        assertThat(wav.bitsPerSample()).isEqualTo(16);
        // seven words at 150 a minute: about 2.8 s
        assertThat(wav.seconds()).isBetween(1.5, 5.0);
        assertThat(Double.parseDouble(r.headers().firstValue("X-Audio-Duration-Seconds").orElseThrow()))
                .isCloseTo(wav.seconds(), org.assertj.core.data.Offset.offset(0.001));

        Path file = Files.write(dir.resolve("tts.wav"), r.body());
        HttpResponse<String> heard = SpeechFixtures.transcribe(stt.baseUrl(), file);
        assertThat(heard.statusCode()).as(heard.body()).isEqualTo(200);
        String text = new JsonObject(heard.body()).getString("text");
        assertThat(SpeechFixtures.wer(SENTENCE, text)).as("heard: %s", text).isLessThanOrEqualTo(0.3);
    }

    @Test
    void fasterSpeechIsShorter() throws Exception {
        double normal = Wav.read(speak(new JsonObject().put("input", SENTENCE).encode()).body()).seconds();
        double fast = Wav.read(speak(new JsonObject().put("input", SENTENCE).put("speed", 2.0).encode()).body())
                .seconds();
        assertThat(fast).isLessThan(normal * 0.75);
    }

    @Test
    void refusesWhatItCannotSpeakWithOneLine() throws Exception {
        assertError(speak("not json"), "request body must be a JSON object");
        assertError(speak("{\"model\":\"x\"}"), "input is required: the text to speak");
        assertError(speak(new JsonObject().put("input", "a".repeat(4097)).encode()),
                "input is 4097 characters; at most 4096 are spoken per request");
        assertError(speak("{\"input\":\"hi\",\"voice\":\"robot\"}"), "voice must be one of alloy, echo, fable, nova,"
                + " onyx, shimmer");
        assertError(speak("{\"input\":\"hi\",\"response_format\":\"mp3\"}"),
                "response_format must be wav (this server writes WAV only)");
        assertError(speak("{\"input\":\"hi\",\"speed\":\"fast\"}"), "speed must be a number from 0.5 to 3.0");
        // an input that looks like an option is spoken, never taken as one (it goes in on stdin)
        HttpResponse<byte[]> r = speak("{\"input\":\"--version -w /tmp/x.wav\"}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(Wav.read(r.body()).seconds()).isPositive();
    }

    private static void assertError(HttpResponse<byte[]> r, String message) {
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(new String(r.body())).getJsonObject("error").getString("message")).isEqualTo(message);
    }
}
