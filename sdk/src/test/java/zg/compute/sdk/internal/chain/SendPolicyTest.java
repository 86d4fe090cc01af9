package zg.compute.sdk.internal.chain;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SendPolicyTest {

    private static SendPolicy policy(Long max, int step) {
        return new SendPolicy(null, max == null ? null : BigInteger.valueOf(max), step, 5, Duration.ofSeconds(1),
                Duration.ofMillis(10));
    }

    @Test
    void stepMeansTimesStepOverTenCappedAtTheMaximum() {
        assertThat(policy(1_000L, 11).bump(BigInteger.valueOf(100))).isEqualTo(BigInteger.valueOf(110));
        assertThat(policy(1_000L, 20).bump(BigInteger.valueOf(600))).isEqualTo(BigInteger.valueOf(1_000));
        assertThat(policy(1_000L, 11).bump(BigInteger.valueOf(1_000))).isNull();
    }

    @Test
    void tinyPricesStillRiseAndNoMaximumMeansNoRetry() {
        // 1 × 11 / 10 = 1 in integers: the price must still go up.
        assertThat(policy(1_000L, 11).bump(BigInteger.ONE)).isEqualTo(BigInteger.TWO);
        assertThat(policy(null, 11).bump(BigInteger.valueOf(100))).isNull();
    }

    @Test
    void retryableMessages() {
        assertThat(TransactionSender.retryable("transaction underpriced")).isTrue();
        assertThat(TransactionSender.retryable("replacement transaction underpriced")).isTrue();
        assertThat(TransactionSender.retryable("Fee too low")).isTrue();
        assertThat(TransactionSender.retryable("mempool is full")).isTrue();
        assertThat(TransactionSender.retryable("max fee per gas less than block base fee")).isTrue();
        assertThat(TransactionSender.retryable("nonce too low")).isFalse();
        assertThat(TransactionSender.retryable(null)).isFalse();
    }
}
