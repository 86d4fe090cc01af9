package zg.compute.sdk.internal.billing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import zg.compute.sdk.ZGComputeException;

/**
 * The local fee estimate {@code processResponse} accumulates (sdk-cli.md §3 step 2). It is only a
 * fall-back for auto-funding when a provider cannot report its unsettled fee; the provider bills.
 */
public final class FeeEstimator {

    private static final ObjectMapper JSON = new ObjectMapper();

    private FeeEstimator() {
    }

    /**
     * Fee in neuron for one response. {@code content} is the usage JSON (chat, speech) — a whole
     * response with a {@code usage} member is accepted too — or the request JSON for image services.
     */
    public static BigInteger fee(String serviceType, BigInteger inputPrice, BigInteger outputPrice, String content) {
        JsonNode root = parse(content);
        switch (serviceType) {
            case "chatbot" -> {
                JsonNode usage = root.has("usage") ? root.get("usage") : root;
                return count(usage.get("prompt_tokens")).multiply(inputPrice)
                        .add(count(usage.get("completion_tokens")).multiply(outputPrice));
            }
            case "speech-to-text" -> {
                JsonNode usage = root.has("usage") ? root.get("usage") : root;
                return count(usage.get("output_tokens")).multiply(outputPrice);
            }
            case "text-to-image", "image-editing" -> {
                // Per image. The official SDK multiplies by inputPrice, but images are priced in outputPrice
                // on chain; we use the field that holds the price.
                BigInteger n = root.has("n") ? count(root.get("n")) : BigInteger.ONE;
                return n.multiply(outputPrice);
            }
            default -> throw new ZGComputeException("Unknown service type: " + serviceType);
        }
    }

    private static JsonNode parse(String content) {
        try {
            JsonNode n = JSON.readTree(content);
            return n == null || !n.isObject() ? JSON.createObjectNode() : n;
        } catch (Exception e) {
            return JSON.createObjectNode();
        }
    }

    /** A token count given as a number or a numeric string; anything else counts as 0. */
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
