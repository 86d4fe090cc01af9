package zg.compute.cli.internal.serve;

import java.util.List;

/** {@code inference serve}: one provider; its answers, errors included, go to the client unchanged. */
public final class SingleTarget implements Routing {

    private final Target target;

    public SingleTarget(Target target) {
        this.target = target;
    }

    @Override
    public List<Target> order(String serviceType) {
        return target.serviceType().equals(serviceType) ? List.of(target) : List.of();
    }

    @Override
    public void failed(Target t, String reason) {
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
