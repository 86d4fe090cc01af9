package zg.compute.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import zg.compute.protocol.units.Units;

class UnitsTest {

    @Test
    void parsesDecimalStringsExactly() {
        assertThat(Units.parseOg("0.1")).isEqualTo(new BigInteger("100000000000000000"));
        assertThat(Units.parseOg("1.000000000000000001")).isEqualTo(new BigInteger("1000000000000000001"));
        assertThat(Units.parseOg("10")).isEqualTo(Units.og(10));
        assertThat(Units.neuronToOg(new BigInteger("1500000000000000000")).toPlainString()).isEqualTo("1.5");
    }

    @Test
    void rejectsNegativeAndSubNeuronAmounts() {
        assertThatThrownBy(() -> Units.parseOg("-1")).hasMessageContaining("negative");
        assertThatThrownBy(() -> Units.parseOg("0.0000000000000000001")).hasMessageContaining("18 decimals");
    }
}
