package zg.compute.provider.internal.finetuning;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Upload signatures already accepted and the file each carried, remembered for as long as their timestamp
 * window lasts: a captured signature cannot carry a second, different file (the official upload message
 * names no content). Sending the same file again is harmless and allowed. Kept in memory: a restart forgets
 * them, which reopens at most one window.
 */
final class OneTimeSignatures {

    private record Use(String datasetHash, long expiresMillis) {
    }

    private final Duration window;
    private final Clock clock;
    private final Map<String, Use> seen = new HashMap<>();

    OneTimeSignatures(Duration window, Clock clock) {
        this.window = window;
        this.clock = clock;
    }

    /** @return false if {@code signature} carried another file within the window */
    synchronized boolean carries(String signature, String datasetHash) {
        long now = clock.millis();
        seen.values().removeIf(u -> u.expiresMillis() < now);
        // twice the window: a timestamp may lie that far ahead of or behind the clock
        Use first = seen.putIfAbsent(signature.toLowerCase(), new Use(datasetHash, now + 2 * window.toMillis()));
        return first == null || first.datasetHash().equals(datasetHash);
    }
}
