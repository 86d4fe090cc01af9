package zg.compute.provider.internal.finetuning;

import java.math.BigInteger;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.flywaydb.core.Flyway;

/**
 * The fine-tuning tasks on JDBC (SQLite or PostgreSQL, the broker's Flyway migrations). One connection
 * behind this object's monitor; every method is one transaction. State changes are compare-and-set on
 * {@code progress}, so a step never overwrites a task that moved on (e.g. was cancelled) meanwhile.
 */
public final class TaskStore implements AutoCloseable {

    private static final String COLUMNS = "id, created_at, updated_at, user_address, pre_trained_model_hash,"
            + " dataset_hash, training_params, fee, nonce, signature, progress, wait_for_queue, model_type,"
            + " deliver_index, deliver_time, user_public_key, token_count, epochs, output_root_hash,"
            + " encrypted_secret, retries, last_error, interrupted_runs";

    private final Connection conn;

    private TaskStore(Connection conn) {
        this.conn = conn;
    }

    public static TaskStore open(String jdbcUrl, String user, String password) {
        boolean pg = jdbcUrl.startsWith("jdbc:postgresql:");
        Flyway.configure().dataSource(jdbcUrl, user, password)
                .locations(pg ? "classpath:db/postgresql" : "classpath:db/sqlite").load().migrate();
        try {
            Connection c = DriverManager.getConnection(jdbcUrl, user, password);
            if (!pg) {
                try (Statement s = c.createStatement()) {
                    s.execute("PRAGMA journal_mode=WAL");
                    s.execute("PRAGMA busy_timeout=10000");
                }
            }
            c.setAutoCommit(false);
            return new TaskStore(c);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open database " + jdbcUrl + ": " + e.getMessage(), e);
        }
    }

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private synchronized <T> T tx(Work<T> work) {
        try {
            T result = work.run(conn);
            conn.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            try {
                conn.rollback();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e instanceof RuntimeException r ? r : new IllegalStateException("database: " + e.getMessage(), e);
        }
    }

    private static PreparedStatement prepare(Connection c, String sql, Object... args) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            ps.setObject(i + 1, a instanceof BigInteger b ? b.toString() : a instanceof Progress p ? p.name() : a);
        }
        return ps;
    }

    private static int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, args)) {
            return ps.executeUpdate();
        }
    }

    private static List<Task> query(Connection c, String where, Object... args) throws SQLException {
        List<Task> out = new ArrayList<>();
        try (PreparedStatement ps = prepare(c, "SELECT " + COLUMNS + " FROM ft_task " + where, args);
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Task(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getString(4), rs.getString(5),
                        rs.getString(6), rs.getString(7), new BigInteger(rs.getString(8)),
                        new BigInteger(rs.getString(9)), rs.getString(10), Progress.valueOf(rs.getString(11)),
                        rs.getInt(12) != 0, rs.getInt(13), rs.getLong(14), rs.getLong(15), rs.getString(16),
                        (Long) nullable(rs, 17), (Long) nullable(rs, 18), rs.getString(19), rs.getString(20),
                        rs.getInt(21), rs.getString(22), rs.getInt(23)));
            }
        }
        return out;
    }

    private static Long nullable(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    /** Inserts a new task (progress {@code Init}). */
    public void insert(Task t) {
        tx(c -> update(c, "INSERT INTO ft_task (id, created_at, updated_at, user_address, user_key,"
                + " pre_trained_model_hash, dataset_hash, training_params, fee, nonce, signature, progress,"
                + " wait_for_queue, model_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                t.id(), t.createdAtMillis(), t.updatedAtMillis(), t.userAddress(), t.userAddress().toLowerCase(),
                t.preTrainedModelHash(), t.datasetHash(), t.trainingParams(), t.fee(), t.nonce(), t.signature(),
                t.progress(), t.waitForQueue() ? 1 : 0, t.modelType()));
    }

    public Optional<Task> find(String id) {
        return tx(c -> query(c, "WHERE id = ?", id).stream().findFirst());
    }

    /** A user's tasks, newest first unless {@code ascending}. */
    public List<Task> byUser(String user, boolean ascending) {
        return tx(c -> query(c, "WHERE user_key = ? ORDER BY created_at " + (ascending ? "ASC" : "DESC")
                + ", id " + (ascending ? "ASC" : "DESC"), user.toLowerCase()));
    }

    /** Tasks in a state, oldest first. */
    public List<Task> inState(Progress p) {
        return tx(c -> query(c, "WHERE progress = ? ORDER BY created_at, id", p));
    }

    /** Every task not Finished or Failed. */
    public List<Task> unfinished() {
        return tx(c -> query(c, "WHERE progress NOT IN (?, ?)", Progress.Finished, Progress.Failed));
    }

    public boolean hasUnfinished(String user) {
        return tx(c -> !query(c, "WHERE user_key = ? AND progress NOT IN (?, ?)", user.toLowerCase(),
                Progress.Finished, Progress.Failed).isEmpty());
    }

    public int countPending() {
        return tx(c -> {
            try (PreparedStatement ps = prepare(c, "SELECT COUNT(*) FROM ft_task WHERE progress IN (?, ?, ?, ?)",
                    Progress.Init, Progress.SettingUp, Progress.SetUp, Progress.Training);
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        });
    }

    /** Compare-and-set of the progress; false if the task was not in {@code from}. */
    public boolean transition(String id, Progress from, Progress to, long nowMillis) {
        return tx(c -> update(c, "UPDATE ft_task SET progress = ?, updated_at = ? WHERE id = ? AND progress = ?",
                to, nowMillis, id, from) == 1);
    }

    /**
     * A poller takes a task into a running step: compare-and-set of the progress, counting the run as
     * unconcluded until the step advances or records its failure.
     */
    public boolean claim(String id, Progress from, Progress running, long nowMillis) {
        return tx(c -> update(c, "UPDATE ft_task SET progress = ?, updated_at = ?,"
                + " interrupted_runs = interrupted_runs + 1 WHERE id = ? AND progress = ?", running, nowMillis, id,
                from) == 1);
    }

    /** A step completed: compare-and-set of the progress, and the next step starts with no failed attempts. */
    public boolean advance(String id, Progress from, Progress to, long nowMillis) {
        return tx(c -> update(c, "UPDATE ft_task SET progress = ?, updated_at = ?, retries = 0, last_error = NULL,"
                + " interrupted_runs = 0 WHERE id = ? AND progress = ?", to, nowMillis, id, from) == 1);
    }

    /** Setup succeeded: SettingUp → SetUp with what it verified and computed. */
    public boolean setUp(String id, String userPublicKey, long tokenCount, long epochs, BigInteger fee,
            long nowMillis) {
        return tx(c -> update(c, "UPDATE ft_task SET progress = ?, updated_at = ?, user_public_key = ?,"
                + " token_count = ?, epochs = ?, fee = ?, retries = 0, last_error = NULL, interrupted_runs = 0"
                + " WHERE id = ? AND progress = ?",
                Progress.SetUp, nowMillis, userPublicKey, tokenCount, epochs, fee, id, Progress.SettingUp) == 1);
    }

    /** The encrypted model exists: its root hash and the wrapped key are recorded before the chain hears of them. */
    public boolean prepared(String id, String outputRootHashHex, String encryptedSecretHex, long nowMillis) {
        return tx(c -> update(c, "UPDATE ft_task SET updated_at = ?, output_root_hash = ?, encrypted_secret = ?"
                + " WHERE id = ? AND progress = ?", nowMillis, outputRootHashHex, encryptedSecretHex, id,
                Progress.Delivering) == 1);
    }

    /** Delivering → Delivered once {@code addDeliverable} is mined. */
    public boolean delivered(String id, long deliverTimeSeconds, long nowMillis) {
        return tx(c -> update(c, "UPDATE ft_task SET progress = ?, updated_at = ?, deliver_time = ?, retries = 0,"
                + " last_error = NULL, interrupted_runs = 0 WHERE id = ? AND progress = ?", Progress.Delivered, nowMillis,
                deliverTimeSeconds, id, Progress.Delivering) == 1);
    }

    /**
     * A step failed: back to {@code retryState} with the retry counter increased, or {@code Failed}
     * once {@code maxRetries} attempts failed (or when {@code retry} is false).
     *
     * @return the task's new progress, empty if it was no longer in {@code current}
     */
    public Optional<Progress> failed(String id, Progress current, Progress retryState, boolean retry,
            int maxRetries, String error, long nowMillis) {
        return tx(c -> {
            List<Task> t = query(c, "WHERE id = ? AND progress = ?", id, current);
            if (t.isEmpty()) {
                return Optional.empty();
            }
            int retries = t.get(0).retries() + 1;
            Progress next = retry && retries < maxRetries ? retryState : Progress.Failed;
            update(c, "UPDATE ft_task SET progress = ?, updated_at = ?, retries = ?, last_error = ?,"
                    + " interrupted_runs = 0 WHERE id = ?", next, nowMillis, retries, error, id);
            return Optional.of(next);
        });
    }

    /** Cancels one of the user's tasks if it has not started training; false otherwise. */
    public boolean cancel(String id, String user, long nowMillis) {
        return tx(c -> update(c, "UPDATE ft_task SET progress = ?, updated_at = ?, last_error = ? WHERE id = ?"
                + " AND user_key = ? AND progress IN (?, ?, ?)", Progress.Failed, nowMillis, "cancelled by the user",
                id, user.toLowerCase(), Progress.Init, Progress.SettingUp, Progress.SetUp) == 1);
    }

    @Override
    public synchronized void close() {
        try {
            conn.close();
        } catch (SQLException ignored) {
            // closing anyway
        }
    }
}
