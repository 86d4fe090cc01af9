package zg.compute.provider.internal.chain;

import java.time.Clock;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Whether the contract owner has acknowledged this service's TEE signer. A positive answer is kept for
 * a TTL; a negative one is re-read on every request so an acknowledgement takes effect at once.
 */
public final class ServiceStatus {

    private final BooleanSupplier loader;
    private final Duration ttl;
    private final Clock clock;
    private volatile long acknowledgedAt = -1;

    public ServiceStatus(BooleanSupplier loader, Duration ttl, Clock clock) {
        this.loader = loader;
        this.ttl = ttl;
        this.clock = clock;
    }

    public boolean teeSignerAcknowledged() {
        long at = acknowledgedAt;
        if (at >= 0 && clock.millis() - at < ttl.toMillis()) {
            return true;
        }
        boolean ack = loader.getAsBoolean();
        acknowledgedAt = ack ? clock.millis() : -1;
        return ack;
    }
}
