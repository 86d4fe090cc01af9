package zg.compute.sdk;

import java.math.BigInteger;

/**
 * What {@code calculateToken} estimates for a dataset: its tokens (BPE {@code tokenizer}), the epochs of the
 * training parameters and, with a provider, the fee by fine-tuning.md §2.3 at its {@code pricePerToken} (null
 * without one). The provider counts again at Setup and charges its own count.
 */
public record TokenEstimate(long tokens, long lines, String tokenizer, long epochs, BigInteger pricePerToken,
        BigInteger fee) {
}
