package zg.compute.provider.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Under writes that never pause, passive checkpoints never complete and SQLite never starts the WAL over: the WAL
 * must still stay bounded (it grew by some 30 MB a second in the load benchmark), and the writer's transactions —
 * some of which read before they write, like the settlement journal's — must never fail on the checkpoint.
 */
class WalCheckpointerTest {

    @TempDir
    Path dir;

    private Connection open(Path db, boolean autoCommit) throws Exception {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA busy_timeout=10000");
            s.execute("PRAGMA synchronous=NORMAL");
            s.execute("PRAGMA wal_autocheckpoint=0");
        }
        c.setAutoCommit(autoCommit);
        return c;
    }

    @Test
    void theWalStaysBoundedUnderWritesThatNeverPauseAndNoWriteFails() throws Exception {
        Path db = dir.resolve("wal.db");
        Path wal = dir.resolve("wal.db-wal");
        long maxWal = 0;
        long rows = 0;
        SqliteWriter writer = new SqliteWriter(open(db, false), open(db, false));
        try (WalCheckpointer checkpointer = new WalCheckpointer(open(db, true), 20, 500, writer::runBetweenGroups)) {
            writer.run(false, c -> {
                try (Statement s = c.createStatement()) {
                    return s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
                }
            });
            String value = "x".repeat(1_000);
            long end = System.nanoTime() + 2_000_000_000L;
            while (System.nanoTime() < end) {
                boolean durable = rows % 10 == 0;
                // read first, then write: what a checkpoint holding the write lock would fail at once
                writer.run(durable, c -> {
                    try (PreparedStatement q = c.prepareStatement("SELECT COUNT(*) FROM t");
                            ResultSet rs = q.executeQuery();
                            PreparedStatement ps = c.prepareStatement("INSERT INTO t (v) VALUES (?)")) {
                        rs.next();
                        ps.setString(1, value);
                        return ps.executeUpdate();
                    }
                });
                rows++;
                if (rows % 100 == 0) {
                    maxWal = Math.max(maxWal, Files.size(wal));
                }
            }
        } finally {
            writer.close();
        }
        // 2 s of such writes is hundreds of MB of WAL; restarted past 500 pages it stays a few MB
        assertThat(rows).as("the writer kept writing").isGreaterThan(1_000);
        assertThat(maxWal).as("largest WAL seen, after %d commits", rows).isLessThan(32L * 1024 * 1024);
    }
}
