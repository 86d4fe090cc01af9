package zg.compute.sdk;

import java.math.BigInteger;

/**
 * A main account (LedgerManager {@code Ledger}), amounts in neuron.
 *
 * @param availableBalance free funds: withdrawable or transferable to sub-accounts
 * @param totalBalance     available plus what the user's sub-accounts hold
 */
public record LedgerInfo(String user, BigInteger availableBalance, BigInteger totalBalance, String additionalInfo) {

    /** Funds currently held in sub-accounts ({@code total − available}). */
    public BigInteger locked() {
        return totalBalance.subtract(availableBalance);
    }
}
