package zg.compute.cli.internal.serve;

/**
 * One target as {@code GET /v1/providers/status} lists it.
 *
 * @param unavailableUntil epoch millis until which it is skipped, 0 when available
 * @param lastError        why it was marked unavailable, null when available
 */
public record TargetStatus(Target target, int priority, boolean available, long unavailableUntil,
        String lastError) {
}
