package zg.compute.cli.internal.serve;

import java.util.List;

/** Which targets a request tries, in order, and what a failure does. */
public interface Routing {

    /**
     * The targets serving {@code serviceType} to try for the next request, best first; empty when no target
     * serves that type.
     */
    List<Target> order(String serviceType);

    /** A target failed (connection, timeout or non-2xx status). */
    void failed(Target target, String reason);

    /**
     * True: a failure moves on to the next target and responses name the target ({@code X-Provider-Address}).
     * False: the single target's status and body go to the client as they are.
     */
    boolean failover();

    /** Every target, for {@code /v1/providers/status} and {@code /v1/models}. */
    List<TargetStatus> status();
}
