package zg.compute.sdk.internal.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import zg.compute.sdk.ZGComputeException;

class FeeEstimatorTest {

    private static final BigInteger IN = BigInteger.valueOf(3);
    private static final BigInteger OUT = BigInteger.valueOf(7);

    /** Each row: type, content, expected fee as inputs × 3 + outputs × 7 spelled out (IN = 3, OUT = 7). */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            chatbot        | {"prompt_tokens":2,"completion_tokens":5}                         | 2*3 + 5*7
            chatbot        | {"usage":{"prompt_tokens":"2","completion_tokens":"x"}}           | 2*3
            chatbot        | not json                                                          | 0
            speech-to-text | {"type":"duration","seconds":12.4}                                | 12*3
            speech-to-text | {"type":"duration","seconds":12.5}                                | 13*3
            speech-to-text | {"usage":{"type":"duration","seconds":0.2}}                       | 1*3
            speech-to-text | {"seconds":4.6}                                                   | 5*3
            speech-to-text | {"type":"duration","seconds":0}                                   | 0
            speech-to-text | {"type":"tokens","input_tokens":40,"output_tokens":9,"seconds":3} | 40*3 + 9*7
            speech-to-text | {"usage":{"type":"tokens","input_tokens":40,"output_tokens":0}}   | 40*3
            speech-to-text | {"output_tokens":4}                                               | 4*7
            speech-to-text | {"text":"hello","duration":7.7}                                   | 8*3
            speech-to-text | {"text":"hello"}                                                  | 0
            text-to-image  | {"prompt":"cat","n":3}                                            | 3*7
            text-to-image  | {"prompt":"cat","n":"2"}                                          | 2*7
            text-to-image  | {"prompt":"cat"}                                                  | 1*7
            image-editing  | {}                                                                | 1*7
            embedding      | {"usage":{"prompt_tokens":11,"total_tokens":11}}                  | 11*3
            embedding      | {"prompt_tokens":5,"completion_tokens":99}                        | 5*3
            embedding      | {"data":[]}                                                       | 0
            """)
    void feePerServiceType(String type, String content, String expected) {
        assertThat(FeeEstimator.fee(type, IN, OUT, content)).isEqualTo(evaluate(expected));
    }

    @Test
    void imagesDeliveredArePricedInOutputPrice() {
        assertThat(FeeEstimator.imageFee(OUT, 2)).isEqualTo(BigInteger.valueOf(14));
        assertThat(FeeEstimator.imageFee(OUT, 0)).isZero();
    }

    @Test
    void unknownTypesAreNotSupportedAndFeeSaysSo() {
        assertThat(FeeEstimator.supports("video-generation")).isFalse();
        assertThat(FeeEstimator.supports("embedding")).isTrue();
        assertThat(FeeEstimator.isImageType("image-editing")).isTrue();
        assertThat(FeeEstimator.isImageType("chatbot")).isFalse();
        assertThatThrownBy(() -> FeeEstimator.fee("video", IN, OUT, "{}")).isInstanceOf(ZGComputeException.class)
                .hasMessage("Unknown service type: video");
    }

    /** "a*b + c*d" → the sum of the products (keeps the table readable without precomputed totals). */
    private static BigInteger evaluate(String expr) {
        BigInteger sum = BigInteger.ZERO;
        for (String term : expr.split("\\+")) {
            BigInteger product = BigInteger.ONE;
            for (String f : term.split("\\*")) {
                product = product.multiply(new BigInteger(f.strip()));
            }
            sum = sum.add(product);
        }
        return sum;
    }
}
