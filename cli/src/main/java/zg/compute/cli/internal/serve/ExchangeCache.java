package zg.compute.cli.internal.serve;

import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Recent exchanges by {@code ZG-Res-Key} and by completion id, so {@code /v1/verify} can check that a
 * signature covers exactly the bytes that passed. Entries expire after {@code ttl}; the oldest go first
 * when the count or the byte total would exceed its bound.
 */
final class ExchangeCache {

    private record Entry(Exchange exchange, long expiresAt) {
    }

    private final Duration ttl;
    private final int maxEntries;
    private final long maxBytes;
    private final Clock clock;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();
    private long bytes;

    ExchangeCache(Duration ttl, int maxEntries, long maxBytes, Clock clock) {
        this.ttl = ttl;
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
        this.clock = clock;
    }

    synchronized void put(Exchange e) {
        long expires = clock.millis() + ttl.toMillis();
        for (String key : new String[] {e.chatKey(), e.completionId()}) {
            if (key != null) {
                remove(key);
                entries.put(key, new Entry(e, expires));
                bytes += e.size();
            }
        }
        evict();
    }

    synchronized Optional<Exchange> get(String id) {
        evict();
        Entry e = entries.get(id);
        return e == null ? Optional.empty() : Optional.of(e.exchange());
    }

    private void remove(String key) {
        Entry old = entries.remove(key);
        if (old != null) {
            bytes -= old.exchange().size();
        }
    }

    private void evict() {
        long now = clock.millis();
        Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
        while (it.hasNext()) {
            Entry e = it.next().getValue();
            if (e.expiresAt() > now && entries.size() <= maxEntries && bytes <= maxBytes) {
                break; // insertion order = expiry order: the rest is younger
            }
            it.remove();
            bytes -= e.exchange().size();
        }
    }
}
