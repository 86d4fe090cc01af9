package zg.compute.sdk;

import java.math.BigInteger;
import java.util.List;

/**
 * A user's sub-account with one fine-tuning provider. {@code refunds} holds only the active entries,
 * {@code deliverables} the live ones, oldest first (at most 20 are kept).
 */
public record FineTuningAccount(String user, String provider, BigInteger nonce, BigInteger balance,
        BigInteger pendingRefund, List<RefundEntry> refunds, String additionalInfo, List<Deliverable> deliverables,
        boolean acknowledged) {

    public FineTuningAccount {
        refunds = List.copyOf(refunds);
        deliverables = List.copyOf(deliverables);
    }

    /** What the provider can still charge: {@code balance − pendingRefund}. */
    public BigInteger available() {
        return balance.subtract(pendingRefund);
    }
}
