package zg.compute.provider.internal.billing;

import java.math.BigInteger;

/**
 * Token counts of one response.
 *
 * @param reported true when the upstream reported {@code usage}; false for the broker's own count of
 *                 prompt and output ({@link TokenEstimate}; the official broker bills output words only)
 */
public record Usage(long inputTokens, long outputTokens, boolean reported) {

    public BigInteger inputFee(BigInteger inputPrice) {
        return inputPrice.multiply(BigInteger.valueOf(inputTokens));
    }

    public BigInteger outputFee(BigInteger outputPrice) {
        return outputPrice.multiply(BigInteger.valueOf(outputTokens));
    }
}
