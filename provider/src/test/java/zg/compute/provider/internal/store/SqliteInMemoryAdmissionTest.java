package zg.compute.provider.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zg.compute.provider.Store;

/**
 * The SQLite store's request path: an admitted request writes nothing until it is billed (one write per
 * request), the in-memory totals follow what commits, and the WAL is checkpointed off the request path.
 */
class SqliteInMemoryAdmissionTest {

    private static final String USER = "0x00000000000000000000000000000000000000aa";
    private static final BigInteger OG = BigInteger.TEN.pow(18);

    @TempDir
    Path dir;

    @Test
    void anAdmittedRequestIsWrittenOnceWhenBilledAndTheTotalsFollowTheCommits() throws Exception {
        Path db = dir.resolve("b.db");
        try (JdbcStore s = JdbcStore.open("jdbc:sqlite:" + db)) {
            Store.Admission a = s.reserve("r1", USER, BigInteger.ONE, BigInteger.valueOf(100), OG.add(BigInteger.valueOf(150)),
                    OG, 1);
            assertThat(a.reserved()).isEqualTo(BigInteger.valueOf(100));
            assertThat(rows(db)).as("no row while in flight").isZero();
            assertThat(s.reservedFee(USER)).isEqualTo(BigInteger.valueOf(100));
            // the second may have only what the first leaves
            Store.Admission b = s.reserve("r2", USER, BigInteger.ONE, BigInteger.valueOf(100),
                    OG.add(BigInteger.valueOf(150)), OG, 2);
            assertThat(b.reserved()).isEqualTo(BigInteger.valueOf(50));

            s.billAndSign("r1", 1, 1, BigInteger.valueOf(30), BigInteger.valueOf(10), "k1", "t", "sig", Long.MAX_VALUE);
            assertThat(rows(db)).as("written once, billed").isEqualTo(1);
            assertThat(s.unsettledFee(USER)).isEqualTo(BigInteger.valueOf(40));
            assertThat(s.reservedFee(USER)).isEqualTo(BigInteger.valueOf(50));

            s.failRequest("r2");
            assertThat(rows(db)).as("a failed request leaves no row").isEqualTo(1);
            assertThat(s.reservedFee(USER)).isZero();
            // headroom now: 150 − 40 unsettled
            assertThat(s.reserve("r3", USER, BigInteger.ONE, BigInteger.valueOf(1_000), OG.add(BigInteger.valueOf(150)),
                    OG, 3).reserved()).isEqualTo(BigInteger.valueOf(110));
            s.billAndSign("r1", 1, 1, BigInteger.valueOf(30), BigInteger.valueOf(10), "k1b", "t", "sig", Long.MAX_VALUE);
            assertThat(s.unsettledFee(USER)).as("billing twice changes nothing").isEqualTo(BigInteger.valueOf(40));
        }
        try (JdbcStore reopened = JdbcStore.open("jdbc:sqlite:" + db)) {
            assertThat(reopened.reservedFee(USER)).as("what was in flight died with the process").isZero();
            assertThat(reopened.reserve("r4", USER, BigInteger.ONE, BigInteger.valueOf(1_000),
                    OG.add(BigInteger.valueOf(150)), OG, 4).reserved()).as("the unsettled total is loaded")
                    .isEqualTo(BigInteger.valueOf(110));
        }
    }

    @Test
    void theWalIsCopiedBackByTheCheckpointThreadAndEmptiedOnClose() throws Exception {
        Path db = dir.resolve("w.db");
        Path wal = dir.resolve("w.db-wal");
        try (JdbcStore s = JdbcStore.open("jdbc:sqlite:" + db)) {
            billMany(s, 0, 1_500);
            long first = Files.size(wal);
            Thread.sleep(JdbcStore.CHECKPOINT_MILLIS * 2 + 500);
            billMany(s, 1_500, 1_500);
            // automatic checkpoints are off: without the thread the WAL would hold both rounds
            assertThat(Files.size(wal)).as("the WAL is reused after the checkpoint").isLessThan(first * 3 / 2);
        }
        assertThat(Files.exists(wal) ? Files.size(wal) : 0L).as("closed: everything is in the database file").isZero();
    }

    private static void billMany(JdbcStore s, int from, int n) {
        for (int i = from; i < from + n; i++) {
            String id = "q" + i;
            s.reserve(id, USER, BigInteger.ONE, BigInteger.ONE, OG.multiply(BigInteger.TEN), OG, i);
            s.billAndSign(id, 1, 1, BigInteger.ZERO, BigInteger.ONE, "key-" + i, "text " + i, "sig", Long.MAX_VALUE);
        }
    }

    private static long rows(Path db) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM request")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
