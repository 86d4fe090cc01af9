package zg.compute.sdk;

import java.math.BigInteger;

/**
 * A refund and how long it stays locked: {@code remainSeconds = lockTime − (now − createdAt)}, zero or
 * negative once it can be collected with {@code retrieveFund}.
 */
public record PendingRefund(BigInteger amount, long remainSeconds) {
}
