package zg.compute.sdk.internal.chain;

import java.math.BigInteger;
import java.time.Duration;

/**
 * Gas pricing and waiting rules for transactions (sdk-cli.md §1.3 with its bugs fixed: the step is an
 * integer meaning ×step/10 and every retry raises the price by at least 1 wei).
 */
public record SendPolicy(BigInteger gasPrice, BigInteger maxGasPrice, int step, int maxAttempts,
        Duration receiptTimeout, Duration pollInterval) {

    /** The next price to try after an underpriced rejection, or null when no retry is allowed. */
    public BigInteger bump(BigInteger current) {
        if (maxGasPrice == null || current.compareTo(maxGasPrice) >= 0) {
            return null;
        }
        BigInteger next = current.multiply(BigInteger.valueOf(step)).divide(BigInteger.TEN);
        if (next.compareTo(current) <= 0) {
            next = current.add(BigInteger.ONE);
        }
        return next.min(maxGasPrice);
    }
}
