package zg.compute.protocol.units;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * 0G amounts. Inside the system everything is {@code BigInteger} neuron (1 0G = 10^18 neuron, like
 * wei); {@code BigDecimal} 0G exists only at the edges and is always parsed from strings.
 */
public final class Units {

    public static final BigInteger NEURON_PER_OG = BigInteger.TEN.pow(18);

    private Units() {
    }

    /** Parses "1.5" (0G) into neuron; rejects negatives and more than 18 decimals. */
    public static BigInteger parseOg(String og) {
        return ogToNeuron(new BigDecimal(og.trim()));
    }

    public static BigInteger ogToNeuron(BigDecimal og) {
        if (og.signum() < 0) {
            throw new IllegalArgumentException("amount must not be negative: " + og.toPlainString());
        }
        BigDecimal neuron = og.movePointRight(18);
        try {
            return neuron.toBigIntegerExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("more than 18 decimals: " + og.toPlainString(), e);
        }
    }

    public static BigDecimal neuronToOg(BigInteger neuron) {
        return new BigDecimal(neuron).movePointLeft(18).stripTrailingZeros();
    }

    /** {@code n} whole 0G in neuron. */
    public static BigInteger og(long n) {
        return BigInteger.valueOf(n).multiply(NEURON_PER_OG);
    }
}
