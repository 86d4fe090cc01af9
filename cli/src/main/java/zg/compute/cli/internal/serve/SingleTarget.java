package zg.compute.cli.internal.serve;

import java.util.List;

/** {@code inference serve}: one provider; its answers, errors included, go to the client unchanged. */
public final class SingleTarget implements Routing {

    private final ChatTarget target;

    public SingleTarget(ChatTarget target) {
        this.target = target;
    }

    @Override
    public List<ChatTarget> order() {
        return List.of(target);
    }

    @Override
    public void failed(ChatTarget t, String reason) {
        // nothing to fall back to
    }

    @Override
    public boolean failover() {
        return false;
    }

    @Override
    public List<TargetStatus> status() {
        return List.of(new TargetStatus(target, 0, true, 0, null));
    }
}
