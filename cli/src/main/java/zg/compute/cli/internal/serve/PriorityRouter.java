package zg.compute.cli.internal.serve;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code router-serve} selection (sdk-cli.md §7.3) among the targets serving a request's service type: lowest
 * priority number first; a failed target is skipped for {@code cooldown}; when every target of that type is
 * marked, they are reset and tried again.
 */
public final class PriorityRouter implements Routing {

    /** A target with its priority (lower = preferred). */
    public record Prioritised(Target target, int priority) {
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
    public synchronized List<Target> order(String serviceType) {
        long now = clock.millis();
        List<Target> serving = targets.stream().map(Prioritised::target)
                .filter(t -> t.serviceType().equals(serviceType)).toList();
        List<Target> available = serving.stream().filter(t -> !marked(t, now)).toList();
        if (!available.isEmpty()) {
            return available;
        }
        serving.forEach(t -> marks.remove(t.id()));
        return serving;
    }

    @Override
    public synchronized void failed(Target target, String reason) {
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

    private boolean marked(Target t, long now) {
        Mark m = marks.get(t.id());
        return m != null && m.until() > now;
    }
}
