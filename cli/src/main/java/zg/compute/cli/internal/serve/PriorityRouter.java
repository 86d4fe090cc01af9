package zg.compute.cli.internal.serve;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code router-serve} selection (sdk-cli.md §7.3): lowest priority number first; a failed target is skipped
 * for {@code cooldown}; when every target is marked, all are reset and tried again.
 */
public final class PriorityRouter implements Routing {

    /** A target with its priority (lower = preferred). */
    public record Prioritised(ChatTarget target, int priority) {
    }

    private record Mark(long until, String reason) {
    }

    private final List<Prioritised> targets;
    private final Duration cooldown;
    private final Clock clock;
    private final Map<String, Mark> marks = new HashMap<>();

    public PriorityRouter(List<Prioritised> targets, Duration cooldown, Clock clock) {
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("router-serve needs at least one --add-provider or --add-endpoint");
        }
        // stable sort: equal priorities keep the order they were given in
        List<Prioritised> sorted = new ArrayList<>(targets);
        sorted.sort(Comparator.comparingInt(Prioritised::priority));
        this.targets = List.copyOf(sorted);
        this.cooldown = cooldown;
        this.clock = clock;
    }

    @Override
    public synchronized List<ChatTarget> order() {
        long now = clock.millis();
        List<ChatTarget> available = targets.stream().filter(p -> !marked(p.target(), now))
                .map(Prioritised::target).toList();
        if (!available.isEmpty()) {
            return available;
        }
        marks.clear();
        return targets.stream().map(Prioritised::target).toList();
    }

    @Override
    public synchronized void failed(ChatTarget target, String reason) {
        marks.put(target.id(), new Mark(clock.millis() + cooldown.toMillis(), reason));
    }

    @Override
    public boolean failover() {
        return true;
    }

    @Override
    public synchronized List<TargetStatus> status() {
        long now = clock.millis();
        return targets.stream().map(p -> {
            boolean down = marked(p.target(), now);
            Mark m = marks.get(p.target().id());
            return new TargetStatus(p.target(), p.priority(), !down, down ? m.until() : 0, down ? m.reason() : null);
        }).toList();
    }

    private boolean marked(ChatTarget t, long now) {
        Mark m = marks.get(t.id());
        return m != null && m.until() > now;
    }
}
