package zg.compute.provider.internal.finetuning;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Signatures already accepted, remembered for as long as their timestamp window lasts, so a captured
 * upload signature cannot carry a second file (the official upload message names no content). Kept in
 * memory: a restart forgets them, which reopens at most one window.
 */
final class OneTimeSignatures {

    private final Duration window;
    private final Clock clock;
    private final Map<String, Long> seen = new HashMap<>();

    OneTimeSignatures(Duration window, Clock clock) {
        this.window = window;
        this.clock = clock;
    }

    /** @return false if {@code signature} was used within the window */
    synchronized boolean firstUse(String signature) {
        long now = clock.millis();
        seen.values().removeIf(expiry -> expiry < now);
        // twice the window: a timestamp may lie that far ahead of or behind the clock
        return seen.putIfAbsent(signature.toLowerCase(), now + 2 * window.toMillis()) == null;
    }
}
