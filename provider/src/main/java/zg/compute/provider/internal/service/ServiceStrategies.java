package zg.compute.provider.internal.service;

import java.math.BigInteger;
import java.util.List;

/** The table of billed service types: the on-chain {@code serviceType} → its strategy. */
public final class ServiceStrategies {

    /** Every type this broker can serve, as written on chain. */
    /** The types whose requests may run as async jobs ({@code /v1/async/…}, services-and-ui.md A.4). */
    public static final List<String> ASYNC_TYPES = List.of("text-to-image", "image-editing");

    public static final List<String> TYPES = List.of("chatbot", "text-to-image", "image-editing", "speech-to-text",
            "embedding");

    private ServiceStrategies() {
    }

    public static ServiceStrategy forType(String type, BigInteger inputPrice, BigInteger outputPrice,
            long maxOutputTokens) {
        return forType(type, inputPrice, outputPrice, maxOutputTokens, null);
    }

    /** @param hosted where image services keep {@code response_format: url} answers; null: url is refused */
    public static ServiceStrategy forType(String type, BigInteger inputPrice, BigInteger outputPrice,
            long maxOutputTokens, HostedImages hosted) {
        return switch (type) {
            case "chatbot" -> new ChatStrategy(inputPrice, outputPrice, maxOutputTokens);
            case "text-to-image" -> ImageStrategy.generations(outputPrice, hosted);
            case "image-editing" -> ImageStrategy.edits(outputPrice, hosted);
            case "speech-to-text" -> new TranscriptionStrategy(inputPrice, outputPrice);
            case "embedding" -> new EmbeddingStrategy(inputPrice);
            default -> throw new IllegalArgumentException("service type " + type + " is not one of " + TYPES);
        };
    }
}
