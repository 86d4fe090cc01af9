package zg.compute.provider.internal.lora;

/**
 * A deployed (or deploying) adapter of one user (fine-tuning.md §1.10; states as the SDK knows them).
 *
 * @param error why it failed, else null
 */
public record Adapter(String name, String user, String taskId, String baseModel, String fineTuningProvider,
        State state, String error) {

    public enum State {
        pending, downloading, ready, loading, active, failed
    }

    Adapter with(State next, String why) {
        return new Adapter(name, user, taskId, baseModel, fineTuningProvider, next, why);
    }
}
