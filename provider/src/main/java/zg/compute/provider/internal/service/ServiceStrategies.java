package zg.compute.provider.internal.service;

import java.util.List;

/** The table of billed service types: the on-chain {@code serviceType} → its strategy. */
public final class ServiceStrategies {

    /** Every type this broker can serve, as written on chain. */
    public static final List<String> TYPES = List.of("chatbot", "text-to-image", "image-editing", "speech-to-text",
            "embedding", "audio-generation");

    private ServiceStrategies() {
    }

    /** The strategy of {@code type}, billing each request at the prices of the model it names. */
    public static ServiceStrategy forType(String type, ModelCatalog catalog, long maxOutputTokens) {
        return switch (type) {
            case "chatbot" -> new ChatStrategy(catalog, maxOutputTokens);
            case "text-to-image" -> ImageStrategy.generations(catalog);
            case "image-editing" -> ImageStrategy.edits(catalog);
            case "speech-to-text" -> new TranscriptionStrategy(catalog);
            case "embedding" -> new EmbeddingStrategy(catalog);
            case "audio-generation" -> new SpeechGenerationStrategy(catalog);
            default -> throw new IllegalArgumentException("service type " + type + " is not one of " + TYPES);
        };
    }
}
