package zg.compute.provider.internal.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies a SQLite WAL back into the database file on a thread of its own. Left to SQLite, the commit that fills
 * the WAL past 1,000 pages runs the checkpoint, fsync included, while every request queued behind it waits: one
 * request in a hundred took 15 ms longer. The writer's connections therefore turn automatic checkpoints off and
 * this thread runs a {@code PASSIVE} checkpoint (never takes the writer's lock) every {@code periodMillis}.
 *
 * <p>A passive checkpoint never completes while the writer keeps appending, and SQLite starts the WAL over only
 * after a complete one: under steady load the WAL grew by some 30 MB a second without end (1.2 GB in a minute of
 * benchmark). So once the WAL holds more than {@code restartFrames} pages, a {@code RESTART} checkpoint copies the
 * little the passive one left and the next write starts the WAL from its beginning. It runs with the writer idle
 * ({@code whileWriterIdle}: between two of its groups): it holds new writes back, and a transaction of the writer's
 * that read before it wrote would otherwise fail on it at once ({@code SQLITE_BUSY}, no retry can help).
 */
final class WalCheckpointer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WalCheckpointer.class);

    private final Connection connection;
    private final long periodMillis;
    private final Thread thread;
    private volatile boolean closed;

    /** WAL pages beyond which a checkpoint restarts the WAL (16,384: 64 MiB). */
    static final int RESTART_FRAMES = 16_384;

    private final int restartFrames;

    private final Consumer<Runnable> whileWriterIdle;

    WalCheckpointer(Connection connection, long periodMillis, Consumer<Runnable> whileWriterIdle) {
        this(connection, periodMillis, RESTART_FRAMES, whileWriterIdle);
    }

    WalCheckpointer(Connection connection, long periodMillis, int restartFrames, Consumer<Runnable> whileWriterIdle) {
        this.connection = connection;
        this.periodMillis = periodMillis;
        this.restartFrames = restartFrames;
        this.whileWriterIdle = whileWriterIdle;
        this.thread = new Thread(this::loop, "zg-sqlite-checkpoint");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        while (!closed) {
            try {
                Thread.sleep(periodMillis);
            } catch (InterruptedException e) {
                return;
            }
            if (checkpoint("PASSIVE") > restartFrames) {
                whileWriterIdle.accept(() -> checkpoint("RESTART"));
            }
        }
    }

    /**
     * @return the pages in the WAL when the checkpoint ran, or -1 when it did not (the database is busy or closed;
     *     the next one catches up)
     */
    synchronized int checkpoint(String mode) {
        try (Statement s = connection.createStatement();
                ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(" + mode + ")")) {
            return rs.next() && rs.getInt(1) == 0 ? rs.getInt(2) : -1;
        } catch (SQLException e) {
            if (!closed) {
                log.debug("SQLite checkpoint ({}) did not run: {}", mode, e.getMessage());
            }
            return -1;
        }
    }

    /** Stops the thread and copies what is left (the writer has stopped by then). */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        checkpoint("TRUNCATE");
        try {
            connection.close();
        } catch (SQLException ignored) {
            // closing: nothing left to protect
        }
    }
}
