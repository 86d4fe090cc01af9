package zg.compute.sdk;

import java.time.Duration;

/**
 * How the fine-tuned model is downloaded from the provider's TEE.
 *
 * @param idleTimeout longest wait for the next bytes (there is no limit on the whole transfer)
 * @param maxRetries  further attempts after a failed one (transport errors, 408, 5xx)
 */
public record LoraDownloadOptions(Duration idleTimeout, int maxRetries) {

    public LoraDownloadOptions {
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new InvalidRequestException("The idle timeout must be positive: " + idleTimeout);
        }
        if (maxRetries < 0) {
            throw new InvalidRequestException("maxRetries must not be negative: " + maxRetries);
        }
    }

    /** The official defaults: 60 s idle timeout, 2 retries. */
    public static LoraDownloadOptions defaults() {
        return new LoraDownloadOptions(Duration.ofSeconds(60), 2);
    }
}
