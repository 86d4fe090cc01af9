package zg.compute.provider.internal.service;

import java.util.List;

/** The table of billed service types: the on-chain {@code serviceType} → its strategy. */
public final class ServiceStrategies {

    /** The types whose requests may run as async jobs ({@code /v1/async/…}, services-and-ui.md A.4). */
    public static final List<String> ASYNC_TYPES = List.of("text-to-image", "image-editing");

    /** Every type this broker can serve, as written on chain. */
    public static final List<String> TYPES = List.of("chatbot", "text-to-image", "image-editing", "speech-to-text",
            "embedding", "audio-generation");

    private ServiceStrategies() {
    }

    /** The strategy of {@code type}, billing each request at the prices of the model it names. */
    public static ServiceStrategy forType(String type, ModelCatalog catalog, long maxOutputTokens) {
        return forType(type, catalog, maxOutputTokens, null);
    }

    /** @param hosted where image services keep {@code response_format: url} answers; null: url is refused */
    public static ServiceStrategy forType(String type, ModelCatalog catalog, long maxOutputTokens,
            HostedImages hosted) {
        return forType(type, catalog, maxOutputTokens, hosted, AdapterModels.NONE);
    }

    /** @param adapters fine-tuned adapters a chat may name (chatbot only) */
    public static ServiceStrategy forType(String type, ModelCatalog catalog, long maxOutputTokens,
            HostedImages hosted, AdapterModels adapters) {
        return switch (type) {
            case "chatbot" -> new ChatStrategy(catalog, maxOutputTokens, adapters);
            case "text-to-image" -> ImageStrategy.generations(catalog, hosted);
            case "image-editing" -> ImageStrategy.edits(catalog, hosted);
            case "speech-to-text" -> new TranscriptionStrategy(catalog);
            case "embedding" -> new EmbeddingStrategy(catalog);
            case "audio-generation" -> new SpeechGenerationStrategy(catalog);
            default -> throw new IllegalArgumentException("service type " + type + " is not one of " + TYPES);
        };
    }
}
