package zg.compute.sdk.internal.billing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.util.Set;
import zg.compute.sdk.ZGComputeException;

/**
 * The local fee estimate {@code processResponse} accumulates (sdk-cli.md §3 step 2). It is only a
 * fall-back for auto-funding when a provider cannot report its unsettled fee; the provider bills. The rules
 * are the ones our provider broker bills by (services-and-ui.md A.2–A.6):
 * <ul>
 * <li>{@code chatbot}: prompt_tokens × inputPrice + completion_tokens × outputPrice;</li>
 * <li>{@code speech-to-text}, duration mode ({@code usage.type == "duration"}, or no type and {@code seconds > 0};
 * or, without usage, a verbose_json {@code duration}): round(seconds), at least 1, × inputPrice; token mode
 * ({@code type == "tokens"}, and any other shape): input_tokens × inputPrice + output_tokens × outputPrice;</li>
 * <li>{@code text-to-image}, {@code image-editing}: images × outputPrice, images = the request's {@code n}
 * (default 1) — or, through {@link #imageFee}, the images actually delivered;</li>
 * <li>{@code embedding}: usage.prompt_tokens × inputPrice.</li>
 * <li>{@code audio-generation}: usage.output_audio_seconds (or audio.duration_seconds), rounded up, × outputPrice.</li>
 * </ul>
 */
public final class FeeEstimator {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> TYPES = Set.of("chatbot", "speech-to-text", "text-to-image", "image-editing",
            "embedding", "audio-generation");

    private FeeEstimator() {
    }

    /** Whether {@link #fee} knows how {@code serviceType} is billed. */
    public static boolean supports(String serviceType) {
        return TYPES.contains(serviceType);
    }

    /** Whether {@code serviceType} answers with images (signed over the decoded pictures). */
    public static boolean isImageType(String serviceType) {
        return "text-to-image".equals(serviceType) || "image-editing".equals(serviceType);
    }

    /**
     * Fee in neuron for one response. {@code content} is the usage JSON (chat, speech, embeddings) — a whole
     * response with a {@code usage} member is accepted too — or the request JSON for image services.
     *
     * @throws ZGComputeException "Unknown service type: …" when {@link #supports} is false
     */
    public static BigInteger fee(String serviceType, BigInteger inputPrice, BigInteger outputPrice, String content) {
        JsonNode root = parse(content);
        JsonNode usage = root.path("usage").isObject() ? root.get("usage") : root;
        switch (serviceType == null ? "" : serviceType) {
            case "chatbot" -> {
                return count(usage.get("prompt_tokens")).multiply(inputPrice)
                        .add(count(usage.get("completion_tokens")).multiply(outputPrice));
            }
            case "speech-to-text" -> {
                return speech(root, usage, inputPrice, outputPrice);
            }
            case "text-to-image", "image-editing" -> {
                // The official SDK multiplies by inputPrice, but images are priced (and billed) in outputPrice.
                BigInteger n = root.has("n") ? count(root.get("n")) : BigInteger.ONE;
                return n.multiply(outputPrice);
            }
            case "embedding" -> {
                return count(usage.get("prompt_tokens")).multiply(inputPrice);
            }
            case "audio-generation" -> {
                // as the broker bills generated speech: its seconds, rounded up, × outputPrice
                JsonNode secs = usage.path("output_audio_seconds").isNumber() ? usage.get("output_audio_seconds")
                        : root.path("audio").path("duration_seconds");
                double d = secs.isNumber() ? secs.asDouble() : 0;
                return d > 0 ? BigInteger.valueOf(Math.max(1, (long) Math.ceil(d - 1e-9))).multiply(outputPrice)
                        : BigInteger.ZERO;
            }
            default -> throw new ZGComputeException("Unknown service type: " + serviceType);
        }
    }

    /**
     * Fee for {@code delivered} images, the count our broker bills (at most the requested n; the requested n
     * when the answer could not be read): delivered × outputPrice.
     */
    public static BigInteger imageFee(BigInteger outputPrice, long delivered) {
        return outputPrice.multiply(BigInteger.valueOf(Math.max(0, delivered)));
    }

    private static BigInteger speech(JsonNode root, JsonNode usage, BigInteger inputPrice, BigInteger outputPrice) {
        boolean hasUsage = root.path("usage").isObject() || usage.has("type") || usage.has("seconds")
                || usage.has("input_tokens") || usage.has("output_tokens");
        if (!hasUsage) {
            double duration = root.path("duration").isNumber() ? root.get("duration").asDouble() : 0;
            return duration > 0 ? seconds(duration).multiply(inputPrice) : BigInteger.ZERO;
        }
        String type = usage.path("type").isTextual() ? usage.get("type").asText() : "";
        double secs = usage.path("seconds").isNumber() ? usage.get("seconds").asDouble() : 0;
        if (type.equals("duration") || (type.isEmpty() && secs > 0)) {
            return secs > 0 ? seconds(secs).multiply(inputPrice) : BigInteger.ZERO;
        }
        return count(usage.get("input_tokens")).multiply(inputPrice)
                .add(count(usage.get("output_tokens")).multiply(outputPrice));
    }

    /** Billable seconds: round to the nearest second, at least 1 (for a positive duration). */
    private static BigInteger seconds(double s) {
        return BigInteger.valueOf(Math.max(1, Math.round(s)));
    }

    private static JsonNode parse(String content) {
        try {
            JsonNode n = content == null ? null : JSON.readTree(content);
            return n == null || !n.isObject() ? JSON.createObjectNode() : n;
        } catch (Exception e) {
            return JSON.createObjectNode();
        }
    }

    /** A count given as a number or a numeric string; anything else counts as 0. */
    private static BigInteger count(JsonNode n) {
        if (n == null) {
            return BigInteger.ZERO;
        }
        try {
            if (n.isIntegralNumber()) {
                return n.bigIntegerValue().max(BigInteger.ZERO);
            }
            if (n.isTextual()) {
                return new BigInteger(n.asText().trim()).max(BigInteger.ZERO);
            }
        } catch (NumberFormatException e) {
            return BigInteger.ZERO;
        }
        return BigInteger.ZERO;
    }
}
