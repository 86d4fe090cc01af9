package zg.compute.sdk;

import java.math.BigInteger;
import java.util.List;

/**
 * A fine-tuning service as registered in FineTuningServing. {@code pricePerToken} is neuron per byte of
 * dataset (the CLI's "Price Per Byte in Dataset"); {@code occupied} is the provider's own busy flag.
 */
public record FineTuningService(String provider, String url, FineTuningQuota quota, BigInteger pricePerToken,
        boolean occupied, List<String> models, String teeSignerAddress, boolean teeSignerAcknowledged) {

    public FineTuningService {
        models = List.copyOf(models);
    }
}
