package zg.compute.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
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
}
