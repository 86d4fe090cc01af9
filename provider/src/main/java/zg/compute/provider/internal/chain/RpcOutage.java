package zg.compute.provider.internal.chain;

import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps an RPC outage out of the log's way: one line when it starts, then at most one summary per window (failed
 * calls, requests served from cached state), and one when the chain answers again — 75 s of outage used to write
 * 19,400 lines, a stack trace per request.
 */
public final class RpcOutage {

    private static final Logger log = LoggerFactory.getLogger(RpcOutage.class);

    public static final Duration WINDOW = Duration.ofSeconds(30);

    private final Clock clock;
    private final Duration window;
    private long since = -1;
    private long lastReport;
    private long failed;
    private long servedFromCache;
    private long failedTotal;

    public RpcOutage(Clock clock, Duration window) {
        this.clock = clock;
        this.window = window;
    }

    /** A chain read failed. */
    public synchronized void failed(Throwable e) {
        long now = clock.millis();
        failed++;
        failedTotal++;
        if (since < 0) {
            since = now;
            lastReport = now;
            log.warn("chain RPC unreachable ({}): serving from cached accounts while the cached balance covers a "
                    + "request, others get 503; a summary follows at most every {} s", reason(e), window.toSeconds());
            failed = 0;
        } else if (now - lastReport >= window.toMillis()) {
            log.warn("chain RPC still unreachable after {} s: {} failed calls and {} requests served from cache "
                    + "in the last {} s (last error: {})", (now - since) / 1000, failed, servedFromCache,
                    (now - lastReport) / 1000, reason(e));
            lastReport = now;
            failed = 0;
            servedFromCache = 0;
        }
    }

    /** A request went on with cached chain state because the chain could not be read. */
    public synchronized void servedFromCache() {
        servedFromCache++;
    }

    /** A chain read succeeded. */
    public synchronized void ok() {
        if (since >= 0) {
            log.info("chain RPC reachable again after {} s ({} failed calls)", (clock.millis() - since) / 1000,
                    failedTotal);
            since = -1;
            failedTotal = 0;
            failed = 0;
            servedFromCache = 0;
        }
    }

    /** Whether {@code e} is the chain being unreachable (an I/O failure somewhere in its causes). */
    public static boolean isUnreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.io.IOException || t instanceof ChainUnavailable) {
                return true;
            }
        }
        return false;
    }

    private static String reason(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String s = root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
        s = s.replaceAll("\\s+", " ");
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }
}
