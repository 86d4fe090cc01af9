package zg.compute.sdk;

import java.math.BigDecimal;
import java.math.BigInteger;
import zg.compute.protocol.units.Units;

/**
 * An amount of 0G, held as neuron (1 0G = 10^18 neuron). Built from a decimal string or
 * {@code BigDecimal} in 0G, or from neuron, so the unit is always explicit at the call site and no
 * float ever touches it: {@code Amount.og("0.1")} is exactly 10^17 neuron.
 */
public record Amount(BigInteger neuron) implements Comparable<Amount> {

    public static final Amount ZERO = new Amount(BigInteger.ZERO);

    public Amount {
        if (neuron == null || neuron.signum() < 0) {
            throw new InvalidRequestException("amount must be a non-negative number of neuron, got " + neuron);
        }
    }

    /** Parses a decimal 0G amount such as {@code "10"} or {@code "0.5"}. */
    public static Amount og(String og) {
        if (og == null || og.isBlank()) {
            throw new InvalidRequestException("amount is missing");
        }
        try {
            return new Amount(Units.parseOg(og));
        } catch (NumberFormatException e) {
            throw new InvalidRequestException("not a number of 0G: \"" + og + "\"");
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("invalid 0G amount \"" + og + "\": " + e.getMessage());
        }
    }

    public static Amount og(BigDecimal og) {
        try {
            return new Amount(Units.ogToNeuron(og));
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("invalid 0G amount " + og.toPlainString() + ": " + e.getMessage());
        }
    }

    public static Amount neuron(BigInteger neuron) {
        return new Amount(neuron);
    }

    public BigDecimal toOg() {
        return Units.neuronToOg(neuron);
    }

    public boolean isZero() {
        return neuron.signum() == 0;
    }

    @Override
    public int compareTo(Amount o) {
        return neuron.compareTo(o.neuron);
    }

    /** e.g. {@code 1.5 0G}. */
    @Override
    public String toString() {
        return toOg().toPlainString() + " 0G";
    }
}
