package zg.compute.provider.internal.billing;

import java.util.concurrent.ConcurrentHashMap;
import zg.compute.provider.internal.auth.RequestRejected;

/**
 * At most {@code limit} requests of one user in flight at once, so one account cannot tie up the
 * upstream (or race its own balance with hundreds of parallel streams). Every successful
 * {@link #acquire} must be matched by exactly one {@link Permit#release()}.
 */
public final class UserConcurrency {

    private final int limit;
    private final ConcurrentHashMap<String, Integer> inFlight = new ConcurrentHashMap<>();

    public UserConcurrency(int limit) {
        this.limit = limit;
    }

    /** Releases its slot once, however often it is called. */
    public final class Permit {
        private final String user;
        private boolean released;

        private Permit(String user) {
            this.user = user;
        }

        public synchronized void release() {
            if (!released) {
                released = true;
                inFlight.computeIfPresent(user, (k, n) -> n <= 1 ? null : n - 1);
            }
        }
    }

    public Permit acquire(String user) throws RequestRejected {
        String key = user.toLowerCase(java.util.Locale.ROOT);
        boolean[] ok = {false};
        inFlight.compute(key, (k, n) -> {
            int cur = n == null ? 0 : n;
            if (cur >= limit) {
                return n;
            }
            ok[0] = true;
            return cur + 1;
        });
        if (!ok[0]) {
            throw new RequestRejected(429, "too many concurrent requests: at most " + limit
                    + " of one user at a time; retry when one has finished");
        }
        return new Permit(key);
    }

    /** Requests of the user in flight now. */
    public int inFlight(String user) {
        return inFlight.getOrDefault(user.toLowerCase(java.util.Locale.ROOT), 0);
    }
}
