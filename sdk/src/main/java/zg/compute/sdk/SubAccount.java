package zg.compute.sdk;

import java.math.BigInteger;
import java.util.List;

/**
 * A user's sub-account with one inference provider. {@code refunds} holds only the active entries
 * ({@code [0, validRefundsLength)}; the raw array's later slots are stale and dropped here).
 */
public record SubAccount(String user, String provider, BigInteger nonce, BigInteger balance, BigInteger pendingRefund,
        List<RefundEntry> refunds, String additionalInfo, boolean acknowledged, BigInteger generation,
        BigInteger revokedBitmap) {

    public SubAccount {
        refunds = List.copyOf(refunds);
    }

    /** What the provider can still charge: {@code balance − pendingRefund}. */
    public BigInteger available() {
        return balance.subtract(pendingRefund);
    }

    public boolean isTokenRevoked(int tokenId) {
        return revokedBitmap.testBit(tokenId);
    }
}
