package zg.compute.sdk;

import java.math.BigInteger;

/** An active refund of a sub-account: {@code amount} neuron, requested at {@code createdAt} (chain seconds). */
public record RefundEntry(BigInteger index, BigInteger amount, BigInteger createdAt) {
}
