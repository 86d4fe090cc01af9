package zg.compute.sdk;

import java.math.BigInteger;

/** One provider sub-account as seen from the ledger: its balance and the part being refunded (neuron). */
public record SubAccountBalance(String provider, BigInteger balance, BigInteger pendingRefund) {
}
