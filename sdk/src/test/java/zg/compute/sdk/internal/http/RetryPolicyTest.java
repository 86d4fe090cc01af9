package zg.compute.sdk.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    private final RetryPolicy official = RetryPolicy.of(2);

    @Test
    void backoffDoublesFromTwoSecondsUpToThirty() {
        assertThat(official.backoff(0)).isEqualTo(Duration.ofSeconds(2));
        assertThat(official.backoff(1)).isEqualTo(Duration.ofSeconds(4));
        assertThat(official.backoff(2)).isEqualTo(Duration.ofSeconds(8));
        assertThat(official.backoff(3)).isEqualTo(Duration.ofSeconds(16));
        assertThat(official.backoff(4)).isEqualTo(Duration.ofSeconds(30));
        assertThat(official.backoff(63)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void clientErrorsOtherThanRequestTimeoutAreFinal() {
        assertThat(official.retryable(400)).isFalse();
        assertThat(official.retryable(403)).isFalse();
        assertThat(official.retryable(404)).isFalse();
        assertThat(official.retryable(413)).isFalse();
        assertThat(official.retryable(408)).isTrue();
        assertThat(official.retryable(500)).isTrue();
        assertThat(official.retryable(503)).isTrue();
        assertThat(official.retryable(-1)).as("no answer").isTrue();
    }

    @Test
    void maxRetriesCountsAttemptsAfterTheFirst() {
        assertThat(official.allowsRetryAfter(0)).isTrue();
        assertThat(official.allowsRetryAfter(1)).isTrue();
        assertThat(official.allowsRetryAfter(2)).isFalse();
        assertThat(RetryPolicy.of(0).allowsRetryAfter(0)).isFalse();
        assertThatThrownBy(() -> RetryPolicy.of(-1)).hasMessage("maxRetries must be >= 0: -1");
    }
}
