package zg.compute.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class AmountTest {

    @Test
    void decimalStringsConvertExactly() {
        assertThat(Amount.og("0.1").neuron()).isEqualTo(new BigInteger("100000000000000000"));
        assertThat(Amount.og("10").neuron()).isEqualTo(new BigInteger("10000000000000000000"));
        assertThat(Amount.og(" 1.000000000000000001 ").neuron()).isEqualTo(new BigInteger("1000000000000000001"));
        assertThat(Amount.og(new BigDecimal("2.5")).neuron()).isEqualTo(new BigInteger("2500000000000000000"));
        assertThat(Amount.neuron(BigInteger.valueOf(5)).toOg()).isEqualByComparingTo("0.000000000000000005");
        assertThat(Amount.og("1.50").toString()).isEqualTo("1.5 0G");
    }

    @Test
    void badAmountsAreClearErrors() {
        assertThatThrownBy(() -> Amount.og("ten")).isInstanceOf(InvalidRequestException.class)
                .hasMessage("not a number of 0G: \"ten\"");
        assertThatThrownBy(() -> Amount.og("-1")).isInstanceOf(InvalidRequestException.class)
                .hasMessage("invalid 0G amount \"-1\": amount must not be negative: -1");
        assertThatThrownBy(() -> Amount.og("0.0000000000000000001")).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("more than 18 decimals");
        assertThatThrownBy(() -> Amount.og("")).isInstanceOf(InvalidRequestException.class)
                .hasMessage("amount is missing");
        assertThatThrownBy(() -> Amount.neuron(BigInteger.valueOf(-1))).isInstanceOf(InvalidRequestException.class);
    }
}
