package zg.compute.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import zg.compute.protocol.audio.Wav;
import zg.compute.sdk.internal.http.FormData;

/** {@code broker.inference().audio()}: speech-to-text through a provider's broker. */
public final class AudioApi {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final InferenceBroker broker;

    AudioApi(InferenceBroker broker) {
        this.broker = broker;
    }

    /** As {@link #transcribe(String, byte[], String, TranscriptionOptions)} with the file's bytes and name. */
    public TranscriptionResult transcribe(String provider, Path file, TranscriptionOptions options) {
        if (file == null) {
            throw new InvalidRequestException("An audio file is required");
        }
        try {
            return transcribe(provider, Files.readAllBytes(file), file.getFileName().toString(), options);
        } catch (NoSuchFileException e) {
            throw new InvalidRequestException("Audio file not found: " + file);
        } catch (IOException e) {
            throw new InvalidRequestException("Cannot read audio file " + file + ": " + e.getMessage());
        }
    }

    /**
     * {@code POST <url>/v1/proxy/audio/transcriptions} (multipart {@code model, file, language?, prompt?,
     * response_format?, temperature?}); verifies {@code sha256(request):sha256(answer)} and adds the fee of the
     * answer's usage (duration or tokens) to the local estimate.
     */
    public TranscriptionResult transcribe(String provider, byte[] audio, String filename, TranscriptionOptions options) {
        if (audio == null || audio.length == 0) {
            throw new InvalidRequestException("The audio to transcribe is empty");
        }
        TranscriptionOptions o = options == null ? TranscriptionOptions.defaults() : options;
        FormData form = new FormData()
                .field("model", broker.serviceFor(provider, "speech-to-text").model())
                .field("language", o.language())
                .field("prompt", o.prompt())
                .field("response_format", o.responseFormat())
                .field("temperature", o.temperature() == null ? null : o.temperature().toString())
                .file("file", filename == null || filename.isBlank() ? "audio.wav" : filename,
                        "application/octet-stream", audio);
        byte[] request = form.bytes();
        InferenceBroker.Paid p = broker.paid(provider, "/audio/transcriptions", form.contentType(), request, null);
        String answer = new String(p.body(), StandardCharsets.UTF_8);
        String text = answer;
        try {
            JsonNode n = JSON.readTree(answer);
            if (n != null && n.path("text").isTextual()) {
                text = n.get("text").asText();
            }
        } catch (IOException notJson) {
            // text, srt or vtt: the answer is the transcript
        }
        return new TranscriptionResult(text, answer, p.chatId(), p.verification(), p.fee());
    }

    /**
     * {@code POST <url>/v1/proxy/audio/speech} ({@code {model, input, voice?, response_format: "wav"}}) at an
     * {@code audio-generation} provider; verifies {@code sha256(request):sha256(audio)} and adds the fee the broker
     * bills — the seconds of the WAV received, rounded up, × outputPrice — measured here from the audio itself.
     *
     * @param voice an OpenAI voice name, or null for the provider's default
     */
    public SpeechResult speech(String provider, String input, String voice) {
        if (input == null || input.isBlank()) {
            throw new InvalidRequestException("The text to speak is empty");
        }
        com.fasterxml.jackson.databind.node.ObjectNode body = JSON.createObjectNode()
                .put("model", broker.serviceFor(provider, "audio-generation").model()).put("input", input)
                .put("response_format", "wav");
        if (voice != null) {
            body.put("voice", voice);
        }
        byte[] request = body.toString().getBytes(StandardCharsets.UTF_8);
        InferenceBroker.Paid p = broker.paidFor(provider, "/audio/speech", "application/json", request,
                answer -> JSON.createObjectNode().set("usage", JSON.createObjectNode()
                        .put("output_audio_seconds", secondsOf(answer))).toString());
        double seconds = secondsOf(p.body());
        if (seconds <= 0) {
            throw new ZGComputeException("The provider's speech answer is not WAV audio (" + p.body().length
                    + " bytes); response " + p.chatId() + " was " + p.verification());
        }
        return new SpeechResult(p.body(), seconds, p.chatId(), p.verification(), p.fee());
    }

    /** Seconds of a WAV answer, 0 if it is not one. */
    private static double secondsOf(byte[] answer) {
        try {
            return Wav.read(answer).seconds();
        } catch (IllegalArgumentException notWav) {
            return 0;
        }
    }
}
