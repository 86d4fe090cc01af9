package zg.compute.provider.internal.chain;

import java.time.Clock;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Whether the contract owner has acknowledged this service's TEE signer. A positive answer is kept for
 * a TTL; a negative one is re-read on every request so an acknowledgement takes effect at once. While the chain
 * cannot be read, a positive answer past its TTL still stands.
 */
public final class ServiceStatus {

    private final BooleanSupplier loader;
    private final Duration ttl;
    private final Clock clock;
    private final RpcOutage outage;
    private volatile long acknowledgedAt = -1;

    public ServiceStatus(BooleanSupplier loader, Duration ttl, Clock clock, RpcOutage outage) {
        this.loader = loader;
        this.ttl = ttl;
        this.clock = clock;
        this.outage = outage;
    }

    /** True when an acknowledgement within the TTL is known: {@link #teeSignerAcknowledged} without a chain read. */
    public boolean acknowledgedInMemory() {
        long at = acknowledgedAt;
        return at >= 0 && clock.millis() - at < ttl.toMillis();
    }

    /** @throws ChainUnavailable when the chain cannot be read and the signer was never seen acknowledged */
    public boolean teeSignerAcknowledged() {
        long at = acknowledgedAt;
        if (at >= 0 && clock.millis() - at < ttl.toMillis()) {
            return true;
        }
        boolean ack;
        try {
            ack = loader.getAsBoolean();
        } catch (RuntimeException rpc) {
            outage.failed(rpc);
            if (at >= 0) {
                outage.servedFromCache();
                return true;
            }
            throw new ChainUnavailable(rpc);
        }
        outage.ok();
        acknowledgedAt = ack ? clock.millis() : -1;
        return ack;
    }
}
