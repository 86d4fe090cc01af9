package zg.compute.protocol.finetuning;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.util.Map;

/**
 * The fee a fine-tuning provider charges for a task (fine-tuning.md §2.3): tokens × pricePerToken × epochs ×
 * the model's price coefficient + its storage fee. Only the predefined Qwen models have a coefficient and a
 * storage fee; every other model (the local chain's mock-model, customized models) has coefficient 1 and no
 * storage fee, which is the older formula tokens × price × epochs.
 */
public final class FineTuningFee {

    private record Terms(long coefficient, BigInteger storageFee) {
    }

    private static final Map<String, Terms> TERMS = Map.of(
            // Qwen2.5-0.5B-Instruct
            "0xb4f76a886b8655c92bb021922d60b5e4d9271a5c9da98b6cb10937a06c2c75a7",
            new Terms(1, new BigInteger("10000000000000000")),
            // Qwen3-32B
            "0x2e6f9620c35bdcb2b753cc7aa34e78077a8ed133e36fa36008fd6bdfd29af3a5",
            new Terms(8, new BigInteger("90000000000000000")));

    /** Epochs when the training parameters name none ({@code num_train_epochs}). */
    public static final long DEFAULT_EPOCHS = 3;

    private static final ObjectMapper JSON = new ObjectMapper();

    private FineTuningFee() {
    }

    /**
     * {@code num_train_epochs} of the training parameters (a positive whole number, as a number or a string),
     * default {@value #DEFAULT_EPOCHS}: the one reading of it for the estimate and the provider's fee.
     *
     * @throws IllegalArgumentException with a message for the user when the parameters are unusable
     */
    public static long epochs(String trainingParams) {
        JsonNode n;
        try {
            n = JSON.readTree(trainingParams);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("trainingParams is not valid JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("trainingParams must be a JSON object");
        }
        JsonNode e = n.path("num_train_epochs");
        if (e.isMissingNode() || e.isNull()) {
            return DEFAULT_EPOCHS;
        }
        String s = e.asText().trim();
        if (!(e.isIntegralNumber() || e.isTextual() || (e.isNumber() && e.asDouble() == Math.rint(e.asDouble())))
                || !s.matches("\\d{1,6}(\\.0+)?") || Double.parseDouble(s) < 1) {
            throw new IllegalArgumentException("trainingParams.num_train_epochs must be a positive whole number, got "
                    + e);
        }
        return (long) Double.parseDouble(s);
    }

    /** @param modelHash the pre-trained model's root hash (any case) */
    public static BigInteger of(String modelHash, long tokens, BigInteger pricePerToken, long epochs) {
        Terms t = TERMS.getOrDefault(modelHash == null ? "" : modelHash.toLowerCase(), new Terms(1, BigInteger.ZERO));
        return BigInteger.valueOf(tokens).multiply(pricePerToken).multiply(BigInteger.valueOf(epochs))
                .multiply(BigInteger.valueOf(t.coefficient())).add(t.storageFee());
    }
}
