package zg.compute.provider.internal.lora;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * The adapter keys fine-tuning providers fed and the adapters users deployed, in memory: after a restart a user
 * deploys again (the keys are fed again by the next delivery; an adapter already on the model server is reloaded).
 */
final class AdapterRegistry {

    private final ConcurrentHashMap<String, AdapterKey> keys = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Adapter> adapters = new ConcurrentHashMap<>();

    void putKey(AdapterKey key) {
        keys.put(key.taskId(), key);
    }

    Optional<AdapterKey> key(String taskId) {
        return Optional.ofNullable(keys.get(taskId));
    }

    /** The adapter of a task (one per task: its name follows the base model its config names). */
    Optional<Adapter> ofTask(String taskId) {
        return adapters.values().stream().filter(a -> a.taskId().equals(taskId)).findFirst();
    }

    /** Puts {@code a} if no adapter of its name exists; returns whether it did. */
    boolean add(Adapter a) {
        return adapters.putIfAbsent(a.name(), a) == null;
    }

    void remove(String name) {
        adapters.remove(name);
    }

    Optional<Adapter> adapter(String name) {
        return Optional.ofNullable(adapters.get(name));
    }

    /** Puts {@code fresh} unless an adapter of that name is pending, downloading or loading; returns what is stored. */
    Adapter startDeploy(Adapter fresh) {
        return adapters.compute(fresh.name(), (n, old) -> old != null && busy(old.state()) ? old : fresh);
    }

    void update(String name, UnaryOperator<Adapter> change) {
        adapters.computeIfPresent(name, (n, a) -> change.apply(a));
    }

    List<Adapter> of(String user) {
        return adapters.values().stream().filter(a -> a.user().equalsIgnoreCase(user))
                .sorted(Comparator.comparing(Adapter::name)).toList();
    }

    private static boolean busy(Adapter.State s) {
        return s == Adapter.State.pending || s == Adapter.State.downloading || s == Adapter.State.loading
                || s == Adapter.State.ready;
    }
}
