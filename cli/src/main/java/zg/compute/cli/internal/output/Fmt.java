package zg.compute.cli.internal.output;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.math.BigInteger;
import java.time.Instant;
import zg.compute.protocol.units.Units;

/** How amounts, durations and JSON are shown. Amounts are exact decimal 0G, never via a float. */
public final class Fmt {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Fmt() {
    }

    /** neuron → e.g. {@code 2.5}. */
    public static String yesNo(boolean b) {
        return b ? "yes" : "no";
    }

    public static String og(BigInteger neuron) {
        return Units.neuronToOg(neuron).toPlainString();
    }

    /** {@code 1h 2min 3s}; {@code unlocked} at zero or below. */
    public static String remaining(long seconds) {
        if (seconds <= 0) {
            return "unlocked";
        }
        return (seconds / 3600) + "h " + (seconds % 3600 / 60) + "min " + (seconds % 60) + "s";
    }

    public static String millisInstant(long ms) {
        return ms == 0 ? "never" : Instant.ofEpochMilli(ms).toString();
    }

    public static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
