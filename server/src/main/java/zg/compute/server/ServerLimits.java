package zg.compute.server;

import java.time.Duration;

/**
 * How long a client may take, so that slow or silent connections cannot pile up (issue 12):
 *
 * @param headerTimeout a new connection must have sent a complete request head within this
 * @param bodyTimeout   a request's whole body must have arrived within this, counted from its head (else 408 and
 *                      the connection closes)
 * @param idleTimeout   a kept-alive connection with no request in flight closes after this (the next request's
 *                      head must be complete by then)
 */
public record ServerLimits(Duration headerTimeout, Duration bodyTimeout, Duration idleTimeout) {

    /** 10 s for a head, 120 s for a body (32 MiB at 2 Mbit/s), 30 s of keep-alive. */
    public static final ServerLimits DEFAULTS = new ServerLimits(Duration.ofSeconds(10), Duration.ofSeconds(120),
            Duration.ofSeconds(30));

    public ServerLimits {
        positive(headerTimeout, "headerTimeout");
        positive(bodyTimeout, "bodyTimeout");
        positive(idleTimeout, "idleTimeout");
    }

    private static void positive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
    }

    /** How often a connection is looked at: fine enough for the shortest limit, at most once a second. */
    public Duration tick() {
        long shortest = Math.min(headerTimeout.toMillis(), Math.min(bodyTimeout.toMillis(), idleTimeout.toMillis()));
        return Duration.ofMillis(Math.max(10, Math.min(1_000, shortest / 5)));
    }
}
