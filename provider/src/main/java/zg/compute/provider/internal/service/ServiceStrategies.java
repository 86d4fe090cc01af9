package zg.compute.provider.internal.service;

import java.math.BigInteger;
import java.util.List;

/** The table of billed service types: the on-chain {@code serviceType} → its strategy. */
public final class ServiceStrategies {

    /** Every type this broker can serve, as written on chain. */
    public static final List<String> TYPES = List.of("chatbot", "text-to-image", "image-editing", "speech-to-text",
            "embedding");

    private ServiceStrategies() {
    }

    public static ServiceStrategy forType(String type, BigInteger inputPrice, BigInteger outputPrice,
            long maxOutputTokens) {
        return switch (type) {
            case "chatbot" -> new ChatStrategy(inputPrice, outputPrice, maxOutputTokens);
            case "text-to-image" -> ImageStrategy.generations(outputPrice);
            case "image-editing" -> ImageStrategy.edits(outputPrice);
            case "speech-to-text" -> new TranscriptionStrategy(inputPrice, outputPrice);
            case "embedding" -> new EmbeddingStrategy(inputPrice);
            default -> throw new IllegalArgumentException("service type " + type + " is not one of " + TYPES);
        };
    }
}
