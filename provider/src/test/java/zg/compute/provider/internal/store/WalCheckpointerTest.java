package zg.compute.provider.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Under writes that never pause, passive checkpoints never complete and SQLite never starts the WAL over: the WAL
 * must still stay bounded (it grew by some 30 MB a second in the load benchmark).
 */
class WalCheckpointerTest {

    @TempDir
    Path dir;

    private Connection open(Path db) throws Exception {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA busy_timeout=10000");
            s.execute("PRAGMA synchronous=NORMAL");
            s.execute("PRAGMA wal_autocheckpoint=0");
        }
        return c;
    }

    @Test
    void theWalStaysBoundedUnderWritesThatNeverPause() throws Exception {
        Path db = dir.resolve("wal.db");
        Path wal = dir.resolve("wal.db-wal");
        long maxWal = 0;
        long rows = 0;
        try (Connection writer = open(db);
                WalCheckpointer checkpointer = new WalCheckpointer(open(db), 20, 500)) {
            try (Statement s = writer.createStatement()) {
                s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
            }
            writer.setAutoCommit(false);
            String value = "x".repeat(1_000);
            long end = System.nanoTime() + 2_000_000_000L;
            try (PreparedStatement ps = writer.prepareStatement("INSERT INTO t (v) VALUES (?)")) {
                while (System.nanoTime() < end) {
                    ps.setString(1, value);
                    ps.executeUpdate();
                    writer.commit();
                    rows++;
                    if (rows % 200 == 0) {
                        maxWal = Math.max(maxWal, Files.size(wal));
                    }
                }
            }
        }
        // 2 s of such writes is hundreds of MB of WAL; restarted past 500 pages it stays a few MB
        assertThat(rows).as("the writer kept writing").isGreaterThan(1_000);
        assertThat(maxWal).as("largest WAL seen, after %d commits", rows).isLessThan(32L * 1024 * 1024);
    }
}
