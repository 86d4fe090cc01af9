package zg.compute.provider.internal.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.flywaydb.core.Flyway;
import org.sqlite.SQLiteConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zg.compute.provider.Store;

/**
 * {@link Store} on JDBC with Flyway migrations, SQLite or PostgreSQL.
 *
 * <p>SQLite: two connections (WAL; {@code synchronous=FULL} for the settlement journal, {@code NORMAL} for
 * the request path) behind one monitor — SQLite serialises writers anyway, and one process owns the file.
 *
 * <p>PostgreSQL: a validated HikariCP pool, so a restarted server or a killed session costs the requests of
 * a moment, not the broker; a transaction whose connection broke before commit is retried on a fresh one
 * (it was rolled back, so that is safe). Concurrency between transactions — of this broker or of other
 * broker instances on the same schema — is the database's: per-user running totals are added in SQL or
 * under a row lock, and request rows change state with compare-and-set updates. The settlement lock sits on
 * its own connection ({@link SettlementLock}).
 */
public final class JdbcStore implements Store {

    private static final Logger log = LoggerFactory.getLogger(JdbcStore.class);

    /** Any fixed 64-bit key: all brokers of one provider schema contend for it (see {@link #lockKey}). */
    private static final long SETTLEMENT_LOCK = 0x5a47_5365_7474_6c65L;
    private static final int ATTEMPTS = 3;
    private static final int PRUNE_CHUNK = 5_000;
    /**
     * How often the WAL is copied back into the SQLite file: often enough that each copy (and its fsync, which
     * briefly holds up the writer's own WAL writes) stays small — 1 s doubled the p99 under load, 5 s made it 10×.
     */
    static final long CHECKPOINT_MILLIS = 200;

    /** The settlement worker's query: billed rows in billing order (index request_state). */
    static final String BILLABLE_SQL = "SELECT id, user_address, fee, paid FROM request WHERE state = 'billed'"
            + " ORDER BY seq";
    /** The metrics' settlement-lag query (index request_state). */
    static final String OLDEST_UNSETTLED_SQL = "SELECT MIN(created_at) FROM request WHERE state IN ('billed', 'settling')";

    private final boolean postgres;
    private final String instanceId = UUID.randomUUID().toString();
    // SQLite
    private final SqliteWriter sqlite;
    private final MemoryLedger ledger;
    private final WalCheckpointer checkpointer;
    // PostgreSQL
    private final HikariDataSource pool;
    private final SettlementLock lock;
    private final AtomicLong lastSignaturePrune = new AtomicLong();
    /**
     * Expired response signatures deleted at most per step, and steps at most this often (6,000 a second: more than
     * this broker bills); a step holds the writer for a few milliseconds.
     */
    public static final int SIGNATURE_PRUNE_ROWS = 1_500;
    public static final long SIGNATURE_PRUNE_MILLIS = 250;

    private JdbcStore(String jdbcUrl, String user, String password, boolean pg) throws SQLException {
        this.postgres = pg;
        if (pg) {
            HikariConfig hc = new HikariConfig();
            hc.setJdbcUrl(jdbcUrl);
            if (user != null) {
                hc.setUsername(user);
            }
            if (password != null) {
                hc.setPassword(password);
            }
            hc.setPoolName("zg-store-" + instanceId.substring(0, 8));
            hc.setAutoCommit(false);
            hc.setMaximumPoolSize(10);
            hc.setMinimumIdle(2);
            hc.setConnectionTimeout(10_000);   // a request waits at most this long for the database to come back
            hc.setValidationTimeout(3_000);
            hc.setKeepaliveTime(30_000);       // idle connections killed by a restart are found and replaced
            hc.setMaxLifetime(30 * 60_000);
            hc.addDataSourceProperty("ApplicationName", "zg-broker " + instanceId);
            hc.addDataSourceProperty("tcpKeepAlive", "true");
            hc.addDataSourceProperty("connectTimeout", "10");
            hc.addDataSourceProperty("socketTimeout", "60");
            this.pool = new HikariDataSource(hc);
            this.sqlite = null;
            this.ledger = null;
            this.checkpointer = null;
            String schema;
            try (Connection c = pool.getConnection(); Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT current_schema()")) {
                rs.next();
                schema = rs.getString(1);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                pool.close();
                throw e;
            }
            this.lock = new SettlementLock(jdbcUrl, user, password, lockKey(schema), instanceId);
        } else {
            this.pool = null;
            this.lock = null;
            Connection durable = sqlite(jdbcUrl, user, password, "FULL");
            MemoryLedger memory = new MemoryLedger();
            this.ledger = memory;
            this.sqlite = new SqliteWriter(durable, sqlite(jdbcUrl, user, password, "NORMAL"), memory::inFlight);
            Connection checkpoints = DriverManager.getConnection(jdbcUrl, user, password);
            try (Statement st = checkpoints.createStatement()) {
                st.execute("PRAGMA busy_timeout=10000");
            }
            this.checkpointer = new WalCheckpointer(checkpoints, CHECKPOINT_MILLIS, sqlite::runBetweenGroups);
            tx(c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT user_address, amount FROM user_unsettled");
                        ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ledger.loadUnsettled(rs.getString(1), big(rs, 2));
                    }
                }
                return null;
            });
        }
    }

    /**
     * The advisory lock key of a schema: the journal it guards lives in the schema, so providers in other
     * schemas of the same database never block each other. {@code public} keeps the original key.
     */
    static long lockKey(String schema) {
        return schema == null || schema.equals("public") ? SETTLEMENT_LOCK
                : SETTLEMENT_LOCK ^ ((long) schema.hashCode() << 8);
    }

    /** Opens (and migrates) a SQLite file or a PostgreSQL database. */
    public static JdbcStore open(String jdbcUrl, String user, String password) {
        boolean pg = jdbcUrl.startsWith("jdbc:postgresql:");
        if (!pg && !jdbcUrl.startsWith("jdbc:sqlite:")) {
            throw new IllegalArgumentException("unsupported database URL (jdbc:sqlite: or jdbc:postgresql:): " + jdbcUrl);
        }
        Flyway.configure().dataSource(jdbcUrl, user, password)
                .locations(pg ? "classpath:db/postgresql" : "classpath:db/sqlite").load().migrate();
        JdbcStore store;
        try {
            store = new JdbcStore(jdbcUrl, user, password, pg);
        } catch (SQLException | RuntimeException e) {
            throw new IllegalStateException("cannot open database " + redact(jdbcUrl) + ": " + e.getMessage(), e);
        }
        store.heartbeat();
        return store;
    }

    public static JdbcStore open(String jdbcUrl) {
        return open(jdbcUrl, null, null);
    }

    private static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    private static Connection sqlite(String url, String user, String password, String synchronous)
            throws SQLException {
        Properties props = new Properties();
        if (user != null) {
            props.setProperty("user", user);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        // Otherwise the driver runs (and compiles anew) `SELECT last_insert_rowid()` after every INSERT: a tenth of
        // the writer's CPU under load, for keys nothing here reads (insertReturningId uses RETURNING).
        props.setProperty(SQLiteConfig.Pragma.JDBC_GET_GENERATED_KEYS.pragmaName, "false");
        Connection c = DriverManager.getConnection(url, props);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA busy_timeout=10000");
            s.execute("PRAGMA synchronous=" + synchronous);
            s.execute("PRAGMA wal_autocheckpoint=0"); // the WalCheckpointer's thread does it, off the request path
            // 32 MiB of pages (default 2 MiB): the indexes' pages a bill touches stay in memory instead of being
            // read back from the file on every commit
            s.execute("PRAGMA cache_size=-32768");
        }
        c.setAutoCommit(false);
        return StatementCache.wrap(c);
    }

    @Override
    public String instanceId() {
        return instanceId;
    }

    // ---- transactions ----

    private interface Work<T> extends SqliteWriter.Work<T> {
    }

    /** Settlement journal and anything else whose loss could cost money: fsync on commit (SQLite). */
    private <T> T tx(Work<T> work) {
        return tx(true, work);
    }

    /**
     * The request path: on SQLite (WAL) commits skip the fsync, so they survive a process crash but an OS
     * crash or power cut may lose the last few — at worst a few requests go unbilled, never a double
     * charge. The next durable commit syncs the whole WAL, these included.
     */
    private <T> T fastTx(Work<T> work) {
        return tx(false, work);
    }

    private <T> T tx(boolean durable, Work<T> work) {
        if (!postgres) {
            return sqlite.run(durable, work);
        }
        for (int attempt = 1; ; attempt++) {
            Connection c;
            try {
                c = pool.getConnection();
            } catch (SQLException e) {
                throw new IllegalStateException("database unavailable: " + e.getMessage(), e);
            }
            try {
                T result;
                try {
                    result = work.run(c);
                } catch (SQLException e) {
                    rollback(c, e);
                    if (attempt < ATTEMPTS && retryable(e)) {
                        // Nothing was committed: the same work on a fresh connection is safe.
                        log.info("database transaction failed before commit ({}: {}); retrying", e.getSQLState(),
                                e.getMessage());
                        sleep(attempt * 200L);
                        continue;
                    }
                    throw new IllegalStateException("database: " + e.getMessage(), e);
                } catch (RuntimeException e) {
                    rollback(c, e);
                    throw e;
                }
                try {
                    c.commit();
                } catch (SQLException e) {
                    rollback(c, e);
                    throw new IllegalStateException("database: commit failed, outcome unknown: " + e.getMessage(), e);
                }
                return result;
            } finally {
                try {
                    c.close(); // back to the pool; Hikari evicts a broken connection
                } catch (SQLException ignored) {
                    // nothing to do
                }
            }
        }
    }

    /** Connection lost, server shutting down or restarting, serialization failure or deadlock. */
    private static boolean retryable(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && s.getSQLState() != null) {
                String st = s.getSQLState();
                if (st.startsWith("08") || st.equals("57P01") || st.equals("57P02") || st.equals("57P03")
                        || st.equals("40001") || st.equals("40P01")) {
                    return true;
                }
            }
        }
        return false;
    }

    private static void rollback(Connection c, Exception e) {
        try {
            c.rollback();
        } catch (SQLException suppressed) {
            e.addSuppressed(suppressed);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the database", e);
        }
    }

    // ---- SQL helpers ----

    private static int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, args)) {
            return ps.executeUpdate();
        }
    }

    private static PreparedStatement prepare(Connection c, String sql, Object... args) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            ps.setObject(i + 1, a instanceof BigInteger b ? b.toString() : a);
        }
        return ps;
    }

    private static long insertReturningId(Connection c, String sql, Object... args) throws SQLException {
        // RETURNING on both databases: the SQLite connections do not fetch generated keys (see sqlite())
        try (PreparedStatement ps = prepare(c, sql + " RETURNING id", args); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** A bind parameter for a NUMERIC(78,0) column on PostgreSQL (TEXT on SQLite). */
    private String num() {
        return postgres ? "CAST(? AS NUMERIC)" : "?";
    }

    /** An amount column, TEXT (decimal string) or NUMERIC(78,0). */
    private static BigInteger big(ResultSet rs, int column) throws SQLException {
        String s = rs.getString(column);
        return s == null ? BigInteger.ZERO : new BigDecimal(s).toBigIntegerExact();
    }

    private String forUpdate() {
        return postgres ? " FOR UPDATE" : "";
    }

    private static String lower(String address) {
        return address.toLowerCase();
    }

    /** Now in ms: the database's clock on PostgreSQL (brokers on several hosts compare heartbeats). */
    private long dbNow(Connection c) throws SQLException {
        if (!postgres) {
            return System.currentTimeMillis();
        }
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    // ---- per-user running totals ----

    /** The user's {unsettled, reserved}; on PostgreSQL the row is created if missing and locked. */
    private BigInteger[] lockUser(Connection c, String user) throws SQLException {
        if (postgres) {
            update(c, "INSERT INTO user_unsettled (user_address, amount, reserved) VALUES (?, 0, 0)"
                    + " ON CONFLICT (user_address) DO NOTHING", user);
        }
        try (PreparedStatement ps = prepare(c, "SELECT amount, reserved FROM user_unsettled WHERE user_address = ?"
                + forUpdate(), user); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? new BigInteger[] {big(rs, 1), big(rs, 2)}
                    : new BigInteger[] {BigInteger.ZERO, BigInteger.ZERO};
        }
    }

    /**
     * Adds to the user's running totals (in the caller's transaction). PostgreSQL adds in the database —
     * also when two brokers insert the user's first row at once; SQLite (one writer at a time) writes the
     * sum computed here.
     */
    private void adjustUser(Connection c, String user, BigInteger unsettledDelta, BigInteger reservedDelta)
            throws SQLException {
        adjustUser(c, user, null, unsettledDelta, reservedDelta);
    }

    /** As above, with the totals this transaction already read under its lock (null: read them). */
    private void adjustUser(Connection c, String user, BigInteger[] known, BigInteger unsettledDelta,
            BigInteger reservedDelta) throws SQLException {
        if (unsettledDelta.signum() == 0 && reservedDelta.signum() == 0) {
            return;
        }
        if (ledger != null && unsettledDelta.signum() != 0) {
            sqlite.afterCommit(() -> ledger.addUnsettled(user, unsettledDelta));
        }
        if (postgres) {
            update(c, "INSERT INTO user_unsettled (user_address, amount, reserved) VALUES (?, CAST(? AS NUMERIC),"
                    + " CAST(? AS NUMERIC)) ON CONFLICT (user_address) DO UPDATE SET"
                    + " amount = user_unsettled.amount + excluded.amount,"
                    + " reserved = user_unsettled.reserved + excluded.reserved", user, unsettledDelta, reservedDelta);
            return;
        }
        BigInteger[] now = known != null ? known : lockUser(c, user);
        update(c, "INSERT INTO user_unsettled (user_address, amount, reserved) VALUES (?, ?, ?)"
                + " ON CONFLICT (user_address) DO UPDATE SET amount = excluded.amount, reserved = excluded.reserved",
                user, now[0].add(unsettledDelta), now[1].add(reservedDelta));
    }

    // ---- billing ----

    @Override
    public void insertRequest(String id, String user, long createdAtMillis) {
        fastTx(c -> update(c, "INSERT INTO request (id, user_address, created_at, state, instance_id)"
                + " VALUES (?, ?, ?, 'pending', ?)", id, lower(user), createdAtMillis, instanceId));
    }

    @Override
    public Admission reserve(String requestId, String user, BigInteger minimum, BigInteger desired,
            BigInteger lockBalance, BigInteger minimumLockedBalance, long createdAtMillis) {
        requireAmount("minimum", minimum);
        requireAmount("desired", desired);
        requireAmount("lockBalance", lockBalance);
        requireAmount("minimumLockedBalance", minimumLockedBalance);
        if (desired.compareTo(minimum) < 0) {
            throw new IllegalArgumentException("reserve: desired " + desired + " is below minimum " + minimum);
        }
        String u = lower(user);
        if (ledger != null) {
            // SQLite: one process owns the file, so the reservation lives in memory; the row is written once, billed
            return ledger.reserve(requestId, u, minimum, desired, lockBalance, minimumLockedBalance, createdAtMillis);
        }
        return fastTx(c -> {
            BigInteger[] totals = lockUser(c, u);
            BigInteger headroom = lockBalance.subtract(minimumLockedBalance).subtract(totals[0]).subtract(totals[1]);
            if (headroom.compareTo(minimum) < 0) {
                return new Admission(false, BigInteger.ZERO, totals[0], totals[1]);
            }
            BigInteger r = desired.min(headroom);
            adjustUser(c, u, totals, BigInteger.ZERO, r);
            update(c, "INSERT INTO request (id, user_address, created_at, state, reserved, instance_id)"
                    + " VALUES (?, ?, ?, 'pending', " + num() + ", ?)", requestId, u, createdAtMillis, r, instanceId);
            return new Admission(true, r, totals[0], totals[1]);
        });
    }

    private static void requireAmount(String name, BigInteger v) {
        if (v == null || v.signum() < 0) {
            throw new IllegalArgumentException("reserve: " + name + " must be a non-negative amount, got " + v);
        }
    }

    /** A pending row, locked on PostgreSQL: {user, reserved}, or null if the row is not pending. */
    private String[] pendingRow(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT user_address, reserved, state FROM request WHERE id = ?"
                + forUpdate(), id); ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                log.warn("request {} is unknown: nothing billed or released", id);
                return null;
            }
            String state = rs.getString(3);
            if (!"pending".equals(state)) {
                if ("swept".equals(state)) {
                    log.warn("request {} was swept as abandoned while in flight: it stays unbilled", id);
                }
                return null;
            }
            return new String[] {rs.getString(1), big(rs, 2).toString()};
        }
    }

    @Override
    public void billRequest(String id, long inputCount, long outputCount, BigInteger inputFee, BigInteger outputFee) {
        withReservation(id, (c, r) -> billUnwritten(c, r, inputCount, outputCount, inputFee, outputFee),
                c -> bill(c, id, inputCount, outputCount, inputFee, outputFee));
    }

    private int bill(Connection c, String id, long inputCount, long outputCount, BigInteger inputFee,
            BigInteger outputFee) throws SQLException {
        String[] row = pendingRow(c, id);
        if (row == null) {
            return 0;
        }
        BigInteger fee = inputFee.add(outputFee);
        int n = update(c, "UPDATE request SET state = 'billed', input_count = ?, output_count = ?, input_fee = ?,"
                + " output_fee = ?, fee = ?, reserved = 0 WHERE id = ? AND state = 'pending'", inputCount, outputCount,
                inputFee, outputFee, fee, id);
        if (n == 1) {
            adjustUser(c, row[0], fee, new BigInteger(row[1]).negate());
            releaseWrittenAfterCommit(id);
        }
        return n;
    }

    private void releaseWrittenAfterCommit(String id) {
        if (ledger != null) {
            sqlite.afterCommit(() -> ledger.releaseWritten(id));
        }
    }

    /** An in-memory reservation billed: its row is inserted {@code billed} (SQLite's one write per request). */
    private int billUnwritten(Connection c, MemoryLedger.Reservation r, long inputCount, long outputCount,
            BigInteger inputFee, BigInteger outputFee) throws SQLException {
        BigInteger fee = inputFee.add(outputFee);
        update(c, "INSERT INTO request (id, user_address, created_at, state, input_count, output_count, input_fee,"
                + " output_fee, fee, reserved, instance_id) VALUES (?, ?, ?, 'billed', ?, ?, ?, ?, ?, '0', ?)", r.id(),
                r.user(), r.createdAtMillis(), inputCount, outputCount, inputFee, outputFee, fee, instanceId);
        adjustUser(c, r.user(), fee, BigInteger.ZERO);
        sqlite.afterCommit(() -> ledger.release(r));
        return 1;
    }

    /**
     * Runs {@code work} for request {@code id}: with its in-memory reservation when it has one (taken out for the
     * work, released if the work does not commit), else with its row.
     */
    private <T> T withReservation(String id, ReservationWork<T> unwritten, Work<T> written) {
        MemoryLedger.Reservation r = ledger == null ? null : ledger.takeUnwritten(id);
        if (r == null) {
            return fastTx(written);
        }
        try {
            return fastTx(c -> unwritten.run(c, r));
        } catch (RuntimeException e) {
            ledger.release(r); // nothing committed: the request goes unbilled
            throw e;
        }
    }

    @Override
    public boolean reservesInMemory() {
        return ledger != null;
    }

    @Override
    public CompletionStage<Void> billAndSignAsync(String id, long inputCount, long outputCount, BigInteger inputFee,
            BigInteger outputFee, String chatKey, String text, String signature, long expiresAtMillis,
            Executor blocking) {
        if (ledger == null) {
            return CompletableFuture.runAsync(() -> {
                try {
                    fastTx(c -> {
                        bill(c, id, inputCount, outputCount, inputFee, outputFee);
                        return putSignature(c, chatKey, text, signature, expiresAtMillis);
                    });
                } catch (RuntimeException e) {
                    releaseUnbilled(id);
                    throw e;
                }
            }, blocking);
        }
        MemoryLedger.Reservation r = ledger.takeUnwritten(id);
        if (r == null) {
            return sqlite.submit(false, c -> {
                bill(c, id, inputCount, outputCount, inputFee, outputFee);
                putSignature(c, chatKey, text, signature, expiresAtMillis);
                return (Void) null;
            }).whenComplete((v, e) -> {
                if (e != null) {
                    releaseUnbilled(id);
                }
            });
        }
        return sqlite.submit(false, c -> {
            billUnwritten(c, r, inputCount, outputCount, inputFee, outputFee);
            putSignature(c, chatKey, text, signature, expiresAtMillis);
            return (Void) null;
        }).whenComplete((v, e) -> {
            if (e != null) {
                ledger.release(r); // nothing committed: the request goes unbilled
            }
        });
    }

    /**
     * A bill that did not commit: the pending row goes {@code failed}, if the database lets it now. On SQLite queued
     * behind the writer's current group (this may run on the writer thread, after a commit), elsewhere at once.
     */
    private void releaseUnbilled(String id) {
        if (sqlite != null) {
            sqlite.submit(false, c -> release(c, id, "failed")).exceptionally(f -> unreleased(id, f));
            return;
        }
        try {
            fastTx(c -> release(c, id, "failed"));
        } catch (RuntimeException e) {
            unreleased(id, e);
        }
    }

    /** The row stays pending: swept with this instance's other pending rows. */
    private Void unreleased(String id, Throwable e) {
        log.warn("request {}: its bill failed and its reservation could not be released either: {}", id,
                e.getMessage());
        return null;
    }

    private interface ReservationWork<T> {
        T run(Connection c, MemoryLedger.Reservation r) throws SQLException;
    }

    @Override
    public void billAndSign(String id, long inputCount, long outputCount, BigInteger inputFee, BigInteger outputFee,
            String chatKey, String text, String signature, long expiresAtMillis) {
        try {
            billAndSignAsync(id, inputCount, outputCount, inputFee, outputFee, chatKey, text, signature,
                    expiresAtMillis, Runnable::run).toCompletableFuture().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("database: " + e.getCause().getMessage(), e.getCause());
        }
    }

    @Override
    public void failRequest(String id) {
        MemoryLedger.Reservation r = ledger == null ? null : ledger.takeUnwritten(id);
        if (r != null) {
            ledger.release(r); // never written: nothing to store
            return;
        }
        fastTx(c -> release(c, id, "failed"));
    }

    /** A pending row leaves for a terminal unbilled state and its reservation goes back (in the caller's tx). */
    private Void release(Connection c, String id, String state) throws SQLException {
        String[] row = pendingRow(c, id);
        if (row != null && update(c, "UPDATE request SET state = ?, reserved = 0 WHERE id = ? AND state = 'pending'",
                state, id) == 1) {
            adjustUser(c, row[0], BigInteger.ZERO, new BigInteger(row[1]).negate());
            releaseWrittenAfterCommit(id);
        }
        return null;
    }

    // ---- async image jobs ----

    @Override
    public void insertJob(String jobId, String requestId, String user, long nowMillis) {
        MemoryLedger.Reservation r = ledger == null ? null : ledger.takeUnwritten(requestId);
        if (r != null) {
            // a job outlives its HTTP request: its request's row is written now, pending with its reservation
            try {
                fastTx(c -> {
                    update(c, "INSERT INTO request (id, user_address, created_at, state, reserved, instance_id)"
                            + " VALUES (?, ?, ?, 'pending', ?, ?)", r.id(), r.user(), r.createdAtMillis(), r.amount(),
                            instanceId);
                    adjustUser(c, r.user(), BigInteger.ZERO, r.amount());
                    sqlite.afterCommit(() -> ledger.markWritten(r));
                    return insertJobRow(c, jobId, requestId, user, nowMillis);
                });
            } catch (RuntimeException e) {
                ledger.release(r);
                throw e;
            }
            return;
        }
        fastTx(c -> insertJobRow(c, jobId, requestId, user, nowMillis));
    }

    private int insertJobRow(Connection c, String jobId, String requestId, String user, long nowMillis)
            throws SQLException {
        return update(c, "INSERT INTO async_job (id, request_id, user_address, state, created_at, updated_at)"
                + " VALUES (?, ?, ?, 'pending', ?, ?)", jobId, requestId, lower(user), nowMillis, nowMillis);
    }

    @Override
    public boolean startJob(String jobId, long nowMillis) {
        return fastTx(c -> update(c, "UPDATE async_job SET state = 'processing', updated_at = ? WHERE id = ?"
                + " AND state = 'pending'", nowMillis, jobId)) == 1;
    }

    @Override
    public boolean completeJob(String jobId, String requestId, long inputCount, long outputCount,
            BigInteger inputFee, BigInteger outputFee, String chatKey, String text, String signature,
            long signatureExpiresAtMillis, String result, long nowMillis) {
        return fastTx(c -> {
            try (PreparedStatement ps = prepare(c, "SELECT state FROM async_job WHERE id = ?" + forUpdate(), jobId);
                    ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || !"processing".equals(rs.getString(1))) {
                    return false;
                }
            }
            if (bill(c, requestId, inputCount, outputCount, inputFee, outputFee) != 1) {
                return false; // swept meanwhile: the sweep failed the job, and it stays unbilled
            }
            putSignature(c, chatKey, text, signature, signatureExpiresAtMillis);
            return update(c, "UPDATE async_job SET state = 'completed', updated_at = ?, result = ?, chat_key = ?"
                    + " WHERE id = ?", nowMillis, result, chatKey.toLowerCase(), jobId) == 1;
        });
    }

    @Override
    public void failJob(String jobId, String requestId, String errorMessage, long nowMillis) {
        fastTx(c -> {
            release(c, requestId, "failed");
            return update(c, "UPDATE async_job SET state = 'failed', updated_at = ?, error_message = ? WHERE id = ?"
                    + " AND state IN ('pending', 'processing')", nowMillis, errorMessage, jobId);
        });
    }

    @Override
    public Optional<AsyncJob> job(String jobId) {
        return tx(c -> {
            try (PreparedStatement ps = prepare(c, "SELECT id, request_id, user_address, state, created_at, updated_at,"
                    + " error_message, result, chat_key FROM async_job WHERE id = ?", jobId);
                    ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new AsyncJob(rs.getString(1), rs.getString(2), rs.getString(3),
                        rs.getString(4), rs.getLong(5), rs.getLong(6), rs.getString(7), rs.getString(8),
                        rs.getString(9))) : Optional.empty();
            }
        });
    }

    @Override
    public int pruneJobs(long updatedBeforeMillis) {
        return tx(c -> update(c, "DELETE FROM async_job WHERE state IN ('completed', 'failed') AND updated_at < ?",
                updatedBeforeMillis));
    }

    @Override
    public BigInteger unsettledFee(String user) {
        return fastTx(c -> userTotals(c, lower(user))[0]);
    }

    @Override
    public BigInteger reservedFee(String user) {
        if (ledger != null) {
            return ledger.reserved(lower(user));
        }
        return fastTx(c -> userTotals(c, lower(user))[1]);
    }

    private static BigInteger[] userTotals(Connection c, String user) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT amount, reserved FROM user_unsettled WHERE user_address = ?",
                user); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? new BigInteger[] {big(rs, 1), big(rs, 2)}
                    : new BigInteger[] {BigInteger.ZERO, BigInteger.ZERO};
        }
    }

    /** Σ over one statement's rows (one statement = one snapshot, also under READ COMMITTED). */
    private static BigInteger sum(Connection c, String sql) throws SQLException {
        BigInteger sum = BigInteger.ZERO;
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                sum = sum.add(big(rs, 1));
            }
        }
        return sum;
    }

    @Override
    public BigInteger billedTotal() {
        return tx(c -> sum(c, "SELECT fee FROM request UNION ALL SELECT CAST(pruned_billed AS TEXT) FROM store_totals"));
    }

    @Override
    public BigInteger settledTotal() {
        return tx(c -> sum(c, "SELECT paid FROM request UNION ALL SELECT CAST(pruned_settled AS TEXT) FROM store_totals"));
    }

    @Override
    public long oldestUnsettledMillis() {
        return tx(c -> {
            try (PreparedStatement ps = c.prepareStatement(OLDEST_UNSETTLED_SQL); ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    // ---- broker instances, crash leftovers, retention ----

    @Override
    public void heartbeat() {
        fastTx(c -> {
            long now = dbNow(c);
            return update(c, "INSERT INTO broker_instance (id, started_at, heartbeat_at) VALUES (?, ?, ?)"
                    + " ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at", instanceId, now, now);
        });
    }

    @Override
    public int sweepPending(Duration staleAfter) {
        return tx(c -> {
            long staleBefore = dbNow(c) - staleAfter.toMillis();
            // SQLite: one process per file, so every other instance is gone. PostgreSQL: only instances
            // without a recent heartbeat; rows another sweeper has locked are left to it.
            String sql = "SELECT r.id, r.user_address, r.reserved FROM request r"
                    + " LEFT JOIN broker_instance b ON b.id = r.instance_id"
                    + " WHERE r.state = 'pending' AND (r.instance_id IS NULL OR r.instance_id <> ?)"
                    + (postgres ? " AND (b.id IS NULL OR b.heartbeat_at < ?) ORDER BY r.seq FOR UPDATE OF r SKIP LOCKED"
                            : " ORDER BY r.seq");
            List<String[]> rows = new ArrayList<>();
            try (PreparedStatement ps = postgres ? prepare(c, sql, instanceId, staleBefore) : prepare(c, sql, instanceId);
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new String[] {rs.getString(1), rs.getString(2), big(rs, 3).toString()});
                }
            }
            Map<String, BigInteger> released = new TreeMap<>(); // users in one order: no lock-order deadlocks
            int swept = 0;
            for (String[] r : rows) {
                if (update(c, "UPDATE request SET state = 'swept', reserved = 0 WHERE id = ? AND state = 'pending'",
                        r[0]) == 1) {
                    swept++;
                    released.merge(r[1], new BigInteger(r[2]), BigInteger::add);
                }
            }
            for (Map.Entry<String, BigInteger> e : released.entrySet()) {
                adjustUser(c, e.getKey(), BigInteger.ZERO, e.getValue().negate());
            }
            // async jobs whose requests died with their broker instance: never billed, say why
            update(c, "UPDATE async_job SET state = 'failed', error_message = 'broker restarted', updated_at = ?"
                    + " WHERE state IN ('pending', 'processing') AND EXISTS (SELECT 1 FROM request r"
                    + " WHERE r.id = async_job.request_id AND r.state = 'swept')", dbNow(c));
            if (postgres) {
                update(c, "DELETE FROM broker_instance WHERE id <> ? AND heartbeat_at < ? AND NOT EXISTS (SELECT 1"
                        + " FROM request r WHERE r.instance_id = broker_instance.id AND r.state = 'pending')",
                        instanceId, staleBefore);
            } else {
                update(c, "DELETE FROM broker_instance WHERE id <> ?", instanceId);
            }
            return swept;
        });
    }

    @Override
    public int pruneFinished(long createdBeforeMillis) {
        int total = 0;
        while (true) {
            // Chunks, each one transaction: the rows leave and their sums enter store_totals together.
            int n = tx(c -> {
                BigInteger fee = BigInteger.ZERO;
                BigInteger paid = BigInteger.ZERO;
                int rows = 0;
                try (PreparedStatement ps = prepare(c, "DELETE FROM request WHERE seq IN (SELECT seq FROM request"
                        + " WHERE state IN ('settled', 'failed', 'swept') AND created_at < ? ORDER BY seq LIMIT ?)"
                        + " RETURNING fee, paid", createdBeforeMillis, PRUNE_CHUNK); ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        fee = fee.add(big(rs, 1));
                        paid = paid.add(big(rs, 2));
                        rows++;
                    }
                }
                if (rows > 0) {
                    BigInteger billedBefore;
                    BigInteger settledBefore;
                    try (PreparedStatement ps = c.prepareStatement("SELECT pruned_billed, pruned_settled FROM store_totals"
                            + " WHERE id = 1" + forUpdate()); ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        billedBefore = big(rs, 1);
                        settledBefore = big(rs, 2);
                    }
                    update(c, "UPDATE store_totals SET pruned_billed = " + num() + ", pruned_settled = " + num()
                            + ", pruned_rows = pruned_rows + ? WHERE id = 1", billedBefore.add(fee),
                            settledBefore.add(paid), rows);
                }
                return rows;
            });
            total += n;
            if (n < PRUNE_CHUNK) {
                break;
            }
        }
        tx(c -> {
            // Finished journal rows: recovery only ever reads 'signed' items and 'sent' batches.
            update(c, "DELETE FROM settlement_item WHERE state IN ('confirmed', 'rejected', 'abandoned')"
                    + " AND created_at < ?", createdBeforeMillis);
            return update(c, "DELETE FROM settlement_batch WHERE state IN ('confirmed', 'abandoned') AND created_at < ?"
                    + " AND NOT EXISTS (SELECT 1 FROM settlement_item i WHERE i.batch_id = settlement_batch.id)",
                    createdBeforeMillis);
        });
        return total;
    }

    // ---- signatures ----

    @Override
    public void putSignature(String chatKey, String text, String signature, long expiresAtMillis) {
        fastTx(c -> putSignature(c, chatKey, text, signature, expiresAtMillis));
    }

    private int putSignature(Connection c, String chatKey, String text, String signature, long expiresAtMillis)
            throws SQLException {
        long now = System.currentTimeMillis();
        long last = lastSignaturePrune.get();
        if (now - last >= SIGNATURE_PRUNE_MILLIS && lastSignaturePrune.compareAndSet(last, now)) {
            // a bounded step through the expiry index: never a scan of a table the size of 20 minutes of traffic
            update(c, "DELETE FROM response_signature WHERE chat_key IN (SELECT chat_key FROM response_signature"
                    + " WHERE expires_at < ? LIMIT " + SIGNATURE_PRUNE_ROWS + ")", now);
        }
        return update(c, "INSERT INTO response_signature (chat_key, text, signature, expires_at) VALUES (?, ?, ?, ?)",
                chatKey.toLowerCase(), text, signature, expiresAtMillis);
    }

    @Override
    public Optional<StoredSignature> signature(String chatKey, long nowMillis) {
        return tx(c -> {
            try (PreparedStatement ps = prepare(c, "SELECT text, signature FROM response_signature"
                    + " WHERE chat_key = ? AND expires_at >= ?", chatKey.toLowerCase(), nowMillis);
                    ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new StoredSignature(rs.getString(1), rs.getString(2))) : Optional.empty();
            }
        });
    }

    // ---- settlement ----

    @Override
    public boolean tryLeadSettlement() {
        return !postgres || lock.tryLead();
    }

    /** Every journal write starts here, inside its transaction. */
    private void requireLeadership(Connection c) throws SQLException {
        if (postgres) {
            lock.check(c);
        }
    }

    @Override
    public Map<String, List<BillableRow>> billableRows() {
        return tx(c -> {
            Map<String, List<BillableRow>> out = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement(BILLABLE_SQL); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    BigInteger outstanding = big(rs, 3).subtract(big(rs, 4));
                    if (outstanding.signum() > 0) {
                        out.computeIfAbsent(rs.getString(2), k -> new ArrayList<>())
                                .add(new BillableRow(rs.getString(1), outstanding));
                    }
                }
            }
            return out;
        });
    }

    @Override
    public BigInteger lastNonce(String user) {
        return tx(c -> lastNonce(c, lower(user)));
    }

    private static BigInteger lastNonce(Connection c, String user) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT last_nonce FROM settlement_nonce WHERE user_address = ?", user);
                ResultSet rs = ps.executeQuery()) {
            return rs.next() ? big(rs, 1) : BigInteger.ZERO;
        }
    }

    @Override
    public long recordSigned(SettlementItem item, List<String> requestIds) {
        return tx(c -> {
            requireLeadership(c);
            String user = lower(item.user());
            if (item.nonce().compareTo(lastNonce(c, user)) <= 0) {
                throw new IllegalStateException("settlement nonce must grow for " + user);
            }
            update(c, "INSERT INTO settlement_nonce (user_address, last_nonce) VALUES (?, ?)"
                    + " ON CONFLICT (user_address) DO UPDATE SET last_nonce = excluded.last_nonce", user, item.nonce());
            long id = insertReturningId(c, "INSERT INTO settlement_item (user_address, nonce, total_fee,"
                    + " requests_hash, signature, state, created_at) VALUES (?, ?, ?, ?, ?, 'signed', ?)", user,
                    item.nonce(), item.totalFee(), item.requestsHash(), item.signature(), System.currentTimeMillis());
            for (String rid : requestIds) {
                if (update(c, "UPDATE request SET state = 'settling', journal_id = ? WHERE id = ? AND state = 'billed'",
                        id, rid) != 1) {
                    throw new IllegalStateException("request " + rid + " is no longer billable");
                }
            }
            return id;
        });
    }

    @Override
    public long recordSent(List<Long> itemIds, String txHash, String rawTx, BigInteger walletNonce) {
        return tx(c -> {
            requireLeadership(c);
            long now = System.currentTimeMillis();
            long batch = insertReturningId(c, "INSERT INTO settlement_batch (state, tx_hash, raw_tx, wallet_nonce,"
                    + " created_at, sent_at) VALUES ('sent', ?, ?, ?, ?, ?)", txHash, rawTx, walletNonce, now, now);
            update(c, "INSERT INTO settlement_tx (batch_id, tx_hash, raw_tx, created_at) VALUES (?, ?, ?, ?)", batch,
                    txHash, rawTx, now);
            for (long id : itemIds) {
                if (update(c, "UPDATE settlement_item SET state = 'sent', batch_id = ? WHERE id = ? AND state = 'signed'",
                        batch, id) != 1) {
                    // released meanwhile (by a recovering leader): its signature must never be broadcast
                    throw new IllegalStateException("settlement item " + id + " is no longer signed; not sending it");
                }
            }
            return batch;
        });
    }

    @Override
    public void recordReplacement(long batchId, String txHash, String rawTx) {
        tx(c -> {
            requireLeadership(c);
            long now = System.currentTimeMillis();
            if (update(c, "UPDATE settlement_batch SET tx_hash = ?, raw_tx = ?, sent_at = ? WHERE id = ? AND state = 'sent'",
                    txHash, rawTx, now, batchId) != 1) {
                throw new IllegalStateException("settlement batch " + batchId + " is not waiting for its transaction");
            }
            return update(c, "INSERT INTO settlement_tx (batch_id, tx_hash, raw_tx, created_at) VALUES (?, ?, ?, ?)",
                    batchId, txHash, rawTx, now);
        });
    }

    @Override
    public List<String> txHashes(long batchId) {
        return tx(c -> {
            List<String> out = new ArrayList<>();
            // batches journaled before settlement_tx existed have only their own tx_hash
            try (PreparedStatement ps = prepare(c, "SELECT tx_hash FROM settlement_batch WHERE id = ?", batchId);
                    ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            try (PreparedStatement ps = prepare(c, "SELECT tx_hash FROM settlement_tx WHERE batch_id = ? ORDER BY id",
                    batchId); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (!out.contains(rs.getString(1))) {
                        out.add(rs.getString(1));
                    }
                }
            }
            return out;
        });
    }

    @Override
    public List<SettlementItem> items(String state) {
        return tx(c -> queryItems(c, "SELECT * FROM settlement_item WHERE state = ? ORDER BY id", state));
    }

    @Override
    public List<SettlementItem> itemsOfBatch(long batchId) {
        return tx(c -> queryItems(c, "SELECT * FROM settlement_item WHERE batch_id = ? ORDER BY id", batchId));
    }

    private static List<SettlementItem> queryItems(Connection c, String sql, Object arg) throws SQLException {
        List<SettlementItem> out = new ArrayList<>();
        try (PreparedStatement ps = prepare(c, sql, arg); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                long batch = rs.getLong("batch_id");
                Long batchId = rs.wasNull() ? null : batch;
                int status = rs.getInt("status");
                Integer st = rs.wasNull() ? null : status;
                String unsettled = rs.getString("unsettled");
                out.add(new SettlementItem(rs.getLong("id"), batchId, rs.getString("user_address"),
                        new BigInteger(rs.getString("nonce")), new BigInteger(rs.getString("total_fee")),
                        rs.getString("requests_hash"), rs.getString("signature"), rs.getString("state"), st,
                        unsettled == null ? null : new BigInteger(unsettled)));
            }
        }
        return out;
    }

    @Override
    public List<SettlementBatch> batches(String state) {
        return tx(c -> {
            List<SettlementBatch> out = new ArrayList<>();
            try (PreparedStatement ps = prepare(c, "SELECT id, tx_hash, raw_tx, wallet_nonce, state, sent_at FROM settlement_batch"
                    + " WHERE state = ? ORDER BY id", state); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new SettlementBatch(rs.getLong(1), rs.getString(2), rs.getString(3),
                            new BigInteger(rs.getString(4)), rs.getString(5), rs.getLong(6)));
                }
            }
            return out;
        });
    }

    @Override
    public void release(List<Long> itemIds, String state, Integer status) {
        tx(c -> {
            requireLeadership(c);
            for (long id : itemIds) {
                update(c, "UPDATE settlement_item SET state = ?, status = ? WHERE id = ?", state, status, id);
                update(c, "UPDATE request SET state = 'billed', journal_id = NULL WHERE journal_id = ?"
                        + " AND state = 'settling'", id);
            }
            update(c, "UPDATE settlement_batch SET state = 'abandoned' WHERE state = 'sent' AND NOT EXISTS"
                    + " (SELECT 1 FROM settlement_item i WHERE i.batch_id = settlement_batch.id AND i.state = 'sent')");
            return null;
        });
    }

    @Override
    public void complete(long batchId, List<ItemOutcome> outcomes) {
        tx(c -> {
            requireLeadership(c);
            for (ItemOutcome o : outcomes) {
                BigInteger total;
                try (PreparedStatement ps = prepare(c, "SELECT total_fee FROM settlement_item WHERE id = ?", o.itemId());
                        ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new IllegalStateException("no settlement item " + o.itemId());
                    }
                    total = new BigInteger(rs.getString(1));
                }
                // SUCCESS pays everything, PARTIAL pays totalFee − unsettled, anything else pays nothing.
                BigInteger paidNow = switch (o.status()) {
                    case 0 -> total;
                    case 1 -> total.subtract(o.unsettled()).max(BigInteger.ZERO);
                    default -> BigInteger.ZERO;
                };
                allocate(c, o.itemId(), paidNow);
                update(c, "UPDATE settlement_item SET state = 'confirmed', status = ?, unsettled = ? WHERE id = ?",
                        o.status(), o.unsettled(), o.itemId());
            }
            update(c, "UPDATE settlement_batch SET state = 'confirmed' WHERE id = ?", batchId);
            return null;
        });
    }

    /** Pays {@code amount} across the item's rows in billing order; unpaid rows become billable again. */
    private void allocate(Connection c, long itemId, BigInteger amount) throws SQLException {
        List<String[]> rows = new ArrayList<>();
        try (PreparedStatement ps = prepare(c, "SELECT id, fee, paid, user_address FROM request WHERE journal_id = ?"
                + " ORDER BY seq", itemId); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                rows.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)});
            }
        }
        BigInteger outstanding = BigInteger.ZERO;
        BigInteger left = amount;
        for (String[] r : rows) {
            BigInteger fee = new BigInteger(r[1]);
            BigInteger paid = new BigInteger(r[2]);
            outstanding = outstanding.add(fee.subtract(paid));
            BigInteger pay = fee.subtract(paid).min(left);
            left = left.subtract(pay);
            BigInteger newPaid = paid.add(pay);
            boolean done = newPaid.equals(fee);
            update(c, "UPDATE request SET paid = ?, state = ?, journal_id = ? WHERE id = ?", newPaid,
                    done ? "settled" : "billed", done ? itemId : null, r[0]);
        }
        if (!rows.isEmpty()) {
            // request rows first, then the user's totals: the order of every other writer
            adjustUser(c, rows.get(0)[3], amount.min(outstanding).negate(), BigInteger.ZERO);
        }
    }

    @Override
    public void close() {
        try {
            tx(c -> update(c, "DELETE FROM broker_instance WHERE id = ?", instanceId));
        } catch (RuntimeException e) {
            log.debug("could not remove broker instance {} on close: {}", instanceId, e.getMessage());
        }
        if (postgres) {
            lock.close();
            pool.close();
            return;
        }
        sqlite.close();
        checkpointer.close();
    }
}
