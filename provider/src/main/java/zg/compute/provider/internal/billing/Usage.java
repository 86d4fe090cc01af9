package zg.compute.provider.internal.billing;

import java.math.BigInteger;

/**
 * Token counts of one response.
 *
 * @param reported true when the upstream reported {@code usage}; false for the word-count fallback
 *                 (output words only, input free — what the official broker does)
 */
public record Usage(long inputTokens, long outputTokens, boolean reported) {

    public BigInteger inputFee(BigInteger inputPrice) {
        return inputPrice.multiply(BigInteger.valueOf(inputTokens));
    }

    public BigInteger outputFee(BigInteger outputPrice) {
        return outputPrice.multiply(BigInteger.valueOf(outputTokens));
    }
}
