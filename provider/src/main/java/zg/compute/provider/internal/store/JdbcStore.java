package zg.compute.provider.internal.store;

import java.math.BigInteger;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import zg.compute.provider.Store;

/**
 * {@link Store} on JDBC with Flyway migrations, SQLite or PostgreSQL. One connection guarded by this
 * object's monitor: SQLite serialises writers anyway, and it keeps every public method one
 * transaction. (A connection pool is the next step for PostgreSQL throughput.)
 */
public final class JdbcStore implements Store {

    /** Any fixed 64-bit key: all brokers of one provider database contend for it. */
    private static final long SETTLEMENT_LOCK = 0x5a47_5365_7474_6c65L;

    private final Connection conn;
    private final Connection fastConn;
    private final boolean postgres;

    private JdbcStore(Connection conn, Connection fastConn, boolean postgres) {
        this.conn = conn;
        this.fastConn = fastConn;
        this.postgres = postgres;
    }

    /** Opens (and migrates) a SQLite file or a PostgreSQL database. */
    public static JdbcStore open(String jdbcUrl, String user, String password) {
        boolean pg = jdbcUrl.startsWith("jdbc:postgresql:");
        if (!pg && !jdbcUrl.startsWith("jdbc:sqlite:")) {
            throw new IllegalArgumentException("unsupported database URL (jdbc:sqlite: or jdbc:postgresql:): " + jdbcUrl);
        }
        Flyway.configure().dataSource(jdbcUrl, user, password)
                .locations(pg ? "classpath:db/postgresql" : "classpath:db/sqlite").load().migrate();
        try {
            Connection durable = connect(jdbcUrl, user, password, pg, "FULL");
            Connection fast = pg ? durable : connect(jdbcUrl, user, password, false, "NORMAL");
            return new JdbcStore(durable, fast, pg);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open database " + jdbcUrl + ": " + e.getMessage(), e);
        }
    }

    private static Connection connect(String url, String user, String password, boolean pg, String synchronous)
            throws SQLException {
        Connection c = DriverManager.getConnection(url, user, password);
        if (!pg) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA busy_timeout=10000");
                s.execute("PRAGMA synchronous=" + synchronous);
            }
        }
        c.setAutoCommit(false);
        return c;
    }

    public static JdbcStore open(String jdbcUrl) {
        return open(jdbcUrl, null, null);
    }

    @Override
    public boolean tryLeadSettlement() {
        if (!postgres) {
            return true;
        }
        return tx(c -> {
            try (PreparedStatement ps = prepare(c, "SELECT pg_try_advisory_lock(?)", SETTLEMENT_LOCK);
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        });
    }

    private static long insertReturningId(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql, Statement.RETURN_GENERATED_KEYS)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i] instanceof BigInteger b ? b.toString() : args[i]);
            }
            ps.executeUpdate();
            try (ResultSet rs = ps.getGeneratedKeys()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Settlement journal and anything else whose loss could cost money: fsync on commit. */
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

    private synchronized <T> T tx(boolean durable, Work<T> work) {
        // SQLite: two connections (synchronous FULL / NORMAL; the level cannot change inside a
        // transaction); this monitor keeps their transactions from overlapping.
        Connection c = durable ? conn : fastConn;
        try {
            T result = work.run(c);
            c.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e instanceof RuntimeException r ? r : new IllegalStateException("database: " + e.getMessage(), e);
        }
    }

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

    private static String lower(String address) {
        return address.toLowerCase();
    }

    // ---- billing ----

    @Override
    public void insertRequest(String id, String user, long createdAtMillis) {
        fastTx(c -> update(c, "INSERT INTO request (id, user_address, created_at, state) VALUES (?, ?, ?, 'pending')",
                id, lower(user), createdAtMillis));
    }

    @Override
    public void billRequest(String id, long inputCount, long outputCount, BigInteger inputFee, BigInteger outputFee) {
        fastTx(c -> bill(c, id, inputCount, outputCount, inputFee, outputFee));
    }

    private int bill(Connection c, String id, long inputCount, long outputCount, BigInteger inputFee,
            BigInteger outputFee) throws SQLException {
        int n = update(c, "UPDATE request SET state = 'billed', input_count = ?, output_count = ?, input_fee = ?,"
                + " output_fee = ?, fee = ? WHERE id = ? AND state = 'pending'", inputCount, outputCount, inputFee,
                outputFee, inputFee.add(outputFee), id);
        if (n == 1) {
            String user;
            try (PreparedStatement ps = prepare(c, "SELECT user_address FROM request WHERE id = ?", id);
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                user = rs.getString(1);
            }
            addUnsettled(c, user, inputFee.add(outputFee));
        }
        return n;
    }

    @Override
    public void billAndSign(String id, long inputCount, long outputCount, BigInteger inputFee, BigInteger outputFee,
            String chatKey, String text, String signature, long expiresAtMillis) {
        fastTx(c -> {
            bill(c, id, inputCount, outputCount, inputFee, outputFee);
            return putSignature(c, chatKey, text, signature, expiresAtMillis);
        });
    }

    @Override
    public void failRequest(String id) {
        fastTx(c -> update(c, "UPDATE request SET state = 'failed' WHERE id = ? AND state = 'pending'", id));
    }

    @Override
    public BigInteger unsettledFee(String user) {
        return fastTx(c -> unsettled(c, lower(user), false));
    }

    private BigInteger unsettled(Connection c, String user, boolean forUpdate) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT amount FROM user_unsettled WHERE user_address = ?"
                + (forUpdate && postgres ? " FOR UPDATE" : ""), user); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? new BigInteger(rs.getString(1)) : BigInteger.ZERO;
        }
    }

    /** Adds {@code delta} to the user's running unsettled total (in the caller's transaction). */
    private void addUnsettled(Connection c, String user, BigInteger delta) throws SQLException {
        if (delta.signum() == 0) {
            return;
        }
        BigInteger next = unsettled(c, user, true).add(delta);
        update(c, "INSERT INTO user_unsettled (user_address, amount) VALUES (?, ?)"
                + " ON CONFLICT (user_address) DO UPDATE SET amount = excluded.amount", user, next);
    }

    private static BigInteger sumColumn(Connection c, String sql) throws SQLException {
        BigInteger sum = BigInteger.ZERO;
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                sum = sum.add(new BigInteger(rs.getString(1)));
            }
        }
        return sum;
    }

    @Override
    public BigInteger billedTotal() {
        return tx(c -> sumColumn(c, "SELECT fee FROM request"));
    }

    @Override
    public BigInteger settledTotal() {
        return tx(c -> sumColumn(c, "SELECT paid FROM request"));
    }

    @Override
    public long oldestUnsettledMillis() {
        return tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT MIN(created_at) FROM request"
                    + " WHERE state IN ('billed', 'settling')"); ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    // ---- signatures ----

    @Override
    public void putSignature(String chatKey, String text, String signature, long expiresAtMillis) {
        fastTx(c -> putSignature(c, chatKey, text, signature, expiresAtMillis));
    }

    private long lastPrune;

    private int putSignature(Connection c, String chatKey, String text, String signature, long expiresAtMillis)
            throws SQLException {
        long now = System.currentTimeMillis();
        if (now - lastPrune > 60_000) { // prune expired signatures at most once a minute
            lastPrune = now;
            update(c, "DELETE FROM response_signature WHERE expires_at < ?", now);
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
    public Map<String, List<BillableRow>> billableRows() {
        return tx(c -> {
            Map<String, List<BillableRow>> out = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, user_address, fee, paid FROM request"
                    + " WHERE state = 'billed' ORDER BY seq"); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    BigInteger outstanding = new BigInteger(rs.getString(3)).subtract(new BigInteger(rs.getString(4)));
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
            return rs.next() ? new BigInteger(rs.getString(1)) : BigInteger.ZERO;
        }
    }

    @Override
    public long recordSigned(SettlementItem item, List<String> requestIds) {
        return tx(c -> {
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
            long now = System.currentTimeMillis();
            long batch = insertReturningId(c, "INSERT INTO settlement_batch (state, tx_hash, raw_tx, wallet_nonce,"
                    + " created_at, sent_at) VALUES ('sent', ?, ?, ?, ?, ?)", txHash, rawTx, walletNonce, now, now);
            update(c, "INSERT INTO settlement_tx (batch_id, tx_hash, raw_tx, created_at) VALUES (?, ?, ?, ?)", batch,
                    txHash, rawTx, now);
            for (long id : itemIds) {
                update(c, "UPDATE settlement_item SET state = 'sent', batch_id = ? WHERE id = ? AND state = 'signed'",
                        batch, id);
            }
            return batch;
        });
    }

    @Override
    public void recordReplacement(long batchId, String txHash, String rawTx) {
        tx(c -> {
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
        if (!rows.isEmpty()) {
            addUnsettled(c, rows.get(0)[3], amount.min(rows.stream()
                    .map(r -> new BigInteger(r[1]).subtract(new BigInteger(r[2]))).reduce(BigInteger.ZERO, BigInteger::add))
                    .negate());
        }
        BigInteger left = amount;
        for (String[] r : rows) {
            BigInteger fee = new BigInteger(r[1]);
            BigInteger paid = new BigInteger(r[2]);
            BigInteger pay = fee.subtract(paid).min(left);
            left = left.subtract(pay);
            BigInteger newPaid = paid.add(pay);
            boolean done = newPaid.equals(fee);
            update(c, "UPDATE request SET paid = ?, state = ?, journal_id = ? WHERE id = ?", newPaid,
                    done ? "settled" : "billed", done ? itemId : null, r[0]);
        }
    }

    @Override
    public synchronized void close() {
        try {
            if (postgres) {
                // Closing the socket frees the lock only once the server notices; hand leadership over now.
                try (Statement st = conn.createStatement()) {
                    st.execute("SELECT pg_advisory_unlock_all()");
                }
                conn.commit();
            }
            fastConn.close();
            conn.close();
        } catch (SQLException ignored) {
            // closing: nothing left to protect
        }
    }
}
