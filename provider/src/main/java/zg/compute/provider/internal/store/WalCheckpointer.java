package zg.compute.provider.internal.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies a SQLite WAL back into the database file on a thread of its own. Left to SQLite, the commit that fills
 * the WAL past 1,000 pages runs the checkpoint, fsync included, while every request queued behind it waits: one
 * request in a hundred took 15 ms longer. The writer's connections therefore turn automatic checkpoints off and
 * this thread runs a {@code PASSIVE} checkpoint (never takes the writer's lock) every {@code periodMillis}.
 */
final class WalCheckpointer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WalCheckpointer.class);

    private final Connection connection;
    private final long periodMillis;
    private final Thread thread;
    private volatile boolean closed;

    WalCheckpointer(Connection connection, long periodMillis) {
        this.connection = connection;
        this.periodMillis = periodMillis;
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
            checkpoint("PASSIVE");
        }
    }

    /** @return whether the checkpoint ran (false: the database is busy or closed; the next one catches up) */
    synchronized boolean checkpoint(String mode) {
        try (Statement s = connection.createStatement();
                ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(" + mode + ")")) {
            return rs.next() && rs.getInt(1) == 0;
        } catch (SQLException e) {
            if (!closed) {
                log.debug("SQLite checkpoint ({}) did not run: {}", mode, e.getMessage());
            }
            return false;
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
