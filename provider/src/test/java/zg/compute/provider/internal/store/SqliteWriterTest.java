package zg.compute.provider.internal.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Group commit: work queued together commits together, yet each piece succeeds or fails on its own. */
class SqliteWriterTest {

    @TempDir
    Path dir;

    private Connection open(String synchronous) throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("w.db"));
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA busy_timeout=10000");
            s.execute("PRAGMA synchronous=" + synchronous);
            s.execute("CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY)");
        }
        c.setAutoCommit(false);
        return c;
    }

    private static int insert(Connection c, int k) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO t (k) VALUES (?)")) {
            ps.setInt(1, k);
            return ps.executeUpdate();
        }
    }

    private Set<Integer> committedKeys() throws SQLException {
        Set<Integer> keys = new TreeSet<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("w.db"));
                Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT k FROM t")) {
            while (rs.next()) {
                keys.add(rs.getInt(1));
            }
        }
        return keys;
    }

    @Test
    void aFailingPieceRollsBackAloneWhileTheOthersOfItsGroupCommit() throws Exception {
        SqliteWriter writer = new SqliteWriter(open("FULL"), open("NORMAL"));
        int callers = 64;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        try {
            for (int i = 0; i < callers; i++) {
                int k = i;
                results.add(pool.submit(() -> {
                    start.await();
                    // every 8th caller inserts its row and then fails: that row must not survive
                    return writer.run(k % 16 == 0, c -> {
                        int n = insert(c, k);
                        if (k % 8 == 7) {
                            throw new SQLException("piece " + k + " fails after writing");
                        }
                        return n;
                    });
                }));
            }
            start.countDown();
            Set<Integer> expected = new TreeSet<>();
            for (int i = 0; i < callers; i++) {
                if (i % 8 == 7) {
                    int k = i;
                    assertThatThrownBy(() -> results.get(k).get())
                            .hasRootCauseMessage("piece " + k + " fails after writing");
                } else {
                    assertThat(results.get(i).get()).isEqualTo(1);
                    expected.add(i);
                }
            }
            assertThat(committedKeys()).isEqualTo(expected);
        } finally {
            pool.shutdownNow();
            writer.close();
        }
    }

    @Test
    void workAfterCloseIsRefusedWithAClearError() throws Exception {
        SqliteWriter writer = new SqliteWriter(open("FULL"), open("NORMAL"));
        int first = writer.run(false, c -> insert(c, 1));
        assertThat(first).isEqualTo(1);
        writer.close();
        assertThatThrownBy(() -> writer.run(false, c -> insert(c, 2)))
                .isInstanceOf(IllegalStateException.class).hasMessage("database: the store is closed");
        assertThat(committedKeys()).containsExactly(1);
    }
}
