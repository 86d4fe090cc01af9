package zg.compute.sdk.internal.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import zg.compute.sdk.ZGComputeException;

class FeeEstimatorTest {

    private static final BigInteger IN = BigInteger.valueOf(3);
    private static final BigInteger OUT = BigInteger.valueOf(7);

    @Test
    void feesPerServiceType() {
        assertThat(FeeEstimator.fee("chatbot", IN, OUT, "{\"prompt_tokens\":2,\"completion_tokens\":5}"))
                .isEqualTo(BigInteger.valueOf(2 * 3 + 5 * 7));
        assertThat(FeeEstimator.fee("speech-to-text", IN, OUT, "{\"usage\":{\"output_tokens\":4}}"))
                .isEqualTo(BigInteger.valueOf(28));
        assertThat(FeeEstimator.fee("text-to-image", IN, OUT, "{\"prompt\":\"cat\",\"n\":3}"))
                .isEqualTo(BigInteger.valueOf(21));
        assertThat(FeeEstimator.fee("image-editing", IN, OUT, "{}")).isEqualTo(OUT);
        assertThat(FeeEstimator.fee("chatbot", IN, OUT, "not json")).isZero();
        assertThatThrownBy(() -> FeeEstimator.fee("video", IN, OUT, "{}")).isInstanceOf(ZGComputeException.class)
                .hasMessage("Unknown service type: video");
    }
}
