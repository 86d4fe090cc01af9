package zg.compute.sdk;

/**
 * Optional fields of a transcription ({@code POST /v1/proxy/audio/transcriptions}); null fields are not sent.
 * {@code responseFormat}: json (default), text, srt, vtt or verbose_json.
 */
public record TranscriptionOptions(String language, String prompt, String responseFormat, Double temperature) {

    public static TranscriptionOptions defaults() {
        return new TranscriptionOptions(null, null, null, null);
    }

    public TranscriptionOptions withLanguage(String l) {
        return new TranscriptionOptions(l, prompt, responseFormat, temperature);
    }

    public TranscriptionOptions withPrompt(String p) {
        return new TranscriptionOptions(language, p, responseFormat, temperature);
    }

    public TranscriptionOptions withResponseFormat(String f) {
        return new TranscriptionOptions(language, prompt, f, temperature);
    }

    public TranscriptionOptions withTemperature(double t) {
        return new TranscriptionOptions(language, prompt, responseFormat, t);
    }
}
