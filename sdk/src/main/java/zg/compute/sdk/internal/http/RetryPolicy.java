package zg.compute.sdk.internal.http;

import java.time.Duration;

/**
 * When a failed download is tried again (sdk-cli.md §8.6): at most {@code maxRetries} more attempts, waiting
 * min(base × 2^n, cap) before retry n (0-based); a 4xx answer other than 408 is final.
 */
public record RetryPolicy(int maxRetries, Duration base, Duration cap) {

    public RetryPolicy {
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must be >= 0: " + maxRetries);
        }
    }

    /** The official SDK's: 2 s doubling, capped at 30 s. */
    public static RetryPolicy of(int maxRetries) {
        return new RetryPolicy(maxRetries, Duration.ofSeconds(2), Duration.ofSeconds(30));
    }

    /** The wait before retry {@code n} (0 = the first retry). */
    public Duration backoff(int n) {
        if (n >= 30) {
            return cap;
        }
        Duration d = base.multipliedBy(1L << n);
        return d.compareTo(cap) > 0 ? cap : d;
    }

    /** Whether an HTTP status (or -1: no answer, transport error) is worth another attempt. */
    public boolean retryable(int status) {
        return status < 400 || status == 408 || status >= 500;
    }

    /** Whether attempt {@code attempt} (0 = the first) may be followed by another one. */
    public boolean allowsRetryAfter(int attempt) {
        return attempt < maxRetries;
    }
}
