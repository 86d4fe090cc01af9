package zg.compute.cli.internal.serve;

import io.vertx.core.json.JsonArray;
import java.util.List;
import java.util.function.Predicate;

/**
 * The paid routes of the proxy, one per service type (services-and-ui.md A.7): the path (the same under the
 * proxy's {@code /v1} and under a target's OpenAI base URL), the service type that answers it, which bodies it
 * takes and what must be in them. The async image routes ({@link AsyncJobsHandler}) reuse the image rows.
 */
public enum Route {

    CHAT("chat", "/chat/completions", "chatbot", Body.JSON, List.of(new Required("messages",
            v -> v instanceof JsonArray a && !a.isEmpty(), "messages is required and must be a non-empty array")),
            List.of()),
    IMAGES("image", "/images/generations", "text-to-image", Body.JSON, List.of(Required.text("prompt")), List.of()),
    IMAGE_EDITS("image edit", "/images/edits", "image-editing", Body.JSON_OR_FORM,
            List.of(Required.text("prompt"), Required.text("image")), List.of("image", "prompt")),
    TRANSCRIPTIONS("transcription", "/audio/transcriptions", "speech-to-text", Body.FORM, List.of(), List.of("file")),
    EMBEDDINGS("embeddings", "/embeddings", "embedding", Body.JSON, List.of(new Required("input",
            v -> v instanceof String s && !s.isEmpty() || v instanceof JsonArray a && !a.isEmpty(),
            "Missing input in request body")), List.of()),
    SPEECH("speech", "/audio/speech", "audio-generation", Body.JSON, List.of(Required.text("input")), List.of());

    /** Which request bodies a route takes. */
    enum Body {
        JSON, FORM, JSON_OR_FORM;

        boolean json() {
            return this != FORM;
        }

        boolean form() {
            return this != JSON;
        }
    }

    /** A member a JSON body must have; {@code message} is the 400 answer without it. */
    record Required(String name, Predicate<Object> present, String message) {

        /** A non-blank string, as the official proxy checks {@code prompt}. */
        static Required text(String name) {
            return new Required(name, v -> v instanceof String s && !s.isBlank(),
                    "Missing " + name + " in request body");
        }
    }

    private final String label;
    private final String path;
    private final String serviceType;
    private final Body body;
    private final List<Required> jsonFields;
    private final List<String> formParts;

    Route(String label, String path, String serviceType, Body body, List<Required> jsonFields,
            List<String> formParts) {
        this.label = label;
        this.path = path;
        this.serviceType = serviceType;
        this.body = body;
        this.jsonFields = jsonFields;
        this.formParts = formParts;
    }

    /** What one request is called in the log, e.g. {@code transcription}. */
    public String label() {
        return label;
    }

    /** The path below an OpenAI base URL, e.g. {@code /audio/transcriptions}. */
    public String path() {
        return path;
    }

    /** Where the proxy takes it: {@code /v1} + {@link #path()}. */
    public String localPath() {
        return "/v1" + path;
    }

    /** The on-chain {@code serviceType} of the providers that answer it. */
    public String serviceType() {
        return serviceType;
    }

    Body body() {
        return body;
    }

    List<Required> jsonFields() {
        return jsonFields;
    }

    /** Parts a multipart body must have (each answered {@code Missing <name> in request body} when absent). */
    List<String> formParts() {
        return formParts;
    }

    /** Image services bill per picture delivered; the rest by the usage in the answer. */
    boolean images() {
        return this == IMAGES || this == IMAGE_EDITS;
    }

    /** The route of {@code serviceType}, or null when the proxy has none for it. */
    public static Route of(String serviceType) {
        for (Route r : values()) {
            if (r.serviceType.equals(serviceType)) {
                return r;
            }
        }
        return null;
    }

    /** {@code chatbot, text-to-image, …}: the types a route exists for. */
    public static List<String> serviceTypes() {
        return java.util.Arrays.stream(values()).map(Route::serviceType).toList();
    }
}
