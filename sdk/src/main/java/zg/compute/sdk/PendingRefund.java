package zg.compute.sdk;

import java.math.BigInteger;
import java.util.List;

/**
 * A refund and how long it stays locked: {@code remainSeconds = lockTime − (now − createdAt)}, zero or
 * negative once it can be collected with {@code retrieveFund}.
 */
public record PendingRefund(BigInteger amount, long remainSeconds) {

    /** The non-zero refunds of an account with their remaining lock, at chain time {@code now}. */
    static List<PendingRefund> of(List<RefundEntry> refunds, long lockTime, long now) {
        return refunds.stream().filter(r -> r.amount().signum() != 0)
                .map(r -> new PendingRefund(r.amount(), lockTime - (now - r.createdAt().longValueExact()))).toList();
    }
}
