package zg.compute.provider.internal.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zg.compute.provider.Store.NotSettlementLeader;

/**
 * PostgreSQL settlement leadership: a session advisory lock held on a dedicated connection (never a pooled
 * one, whose session could be recycled), plus a fencing epoch in {@code settlement_leader}.
 *
 * <p>Taking the lock increments the epoch; that UPDATE waits for any journal transaction of a previous
 * leader still holding the epoch row. Every journal write first checks on the lock connection that the lock
 * is still held (which also proves the connection alive), then locks the epoch row in its own transaction
 * and compares: a leader whose lock was lost (connection killed, server restarted) can never commit a
 * journal write after its successor took over, even if the loss happened between the check and the commit.
 */
final class SettlementLock implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SettlementLock.class);

    private final String url;
    private final Properties props;
    private final long key;
    private final String instanceId;
    private Connection conn;
    /** The epoch this instance took with the lock; -1 while not leading. */
    private long epoch = -1;

    SettlementLock(String url, String user, String password, long key, String instanceId) {
        this.url = url;
        this.props = new Properties();
        if (user != null) {
            props.setProperty("user", user);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        props.setProperty("ApplicationName", "zg-broker settlement-lock " + instanceId);
        props.setProperty("tcpKeepAlive", "true");
        props.setProperty("connectTimeout", "10");
        props.setProperty("socketTimeout", "30");
        this.key = key;
        this.instanceId = instanceId;
    }

    /** Leads already (lock verified), or takes the lock now; false if another instance holds it. */
    synchronized boolean tryLead() {
        if (epoch >= 0) {
            String lost = lostReason();
            if (lost == null) {
                return true;
            }
            log.warn("settlement leadership lost ({}); this instance stops settling until it leads again", lost);
            drop();
        }
        try {
            if (conn == null || conn.isClosed()) {
                conn = DriverManager.getConnection(url, props);
                conn.setAutoCommit(true);
            }
            try (PreparedStatement ps = conn.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                ps.setLong(1, key);
                ps.setQueryTimeout(10);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        return false;
                    }
                }
            }
            try (PreparedStatement ps = conn.prepareStatement("UPDATE settlement_leader SET epoch = epoch + 1,"
                    + " holder = ?, since = ? WHERE id = 1 RETURNING epoch")) {
                ps.setString(1, instanceId);
                ps.setLong(2, System.currentTimeMillis());
                ps.setQueryTimeout(10); // a previous leader's journal transaction may hold the row a moment
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new SQLException("settlement_leader has no row (migration V3 missing?)");
                    }
                    epoch = rs.getLong(1);
                }
            }
            log.info("broker instance {} leads settlement (epoch {})", instanceId, epoch);
            return true;
        } catch (SQLException e) {
            log.warn("cannot take the settlement lock: {}", e.getMessage());
            drop();
            return false;
        }
    }

    /**
     * In the caller's journal transaction on {@code c}: the lock is still held on the live lock connection
     * and no other instance took over since. Locks the epoch row until {@code c} commits.
     */
    synchronized void check(Connection c) throws SQLException {
        if (epoch < 0) {
            throw new NotSettlementLeader("settlement journal write refused: broker instance " + instanceId
                    + " does not hold the settlement lock (tryLeadSettlement() first)");
        }
        String lost = lostReason();
        if (lost != null) {
            drop();
            throw new NotSettlementLeader("settlement journal write refused: broker instance " + instanceId
                    + " lost the settlement lock (" + lost + "); it settles again only after re-taking it");
        }
        long current = -1;
        String holder = null;
        try (PreparedStatement ps = c.prepareStatement("SELECT epoch, holder FROM settlement_leader WHERE id = 1"
                + " FOR UPDATE"); ResultSet rs = ps.executeQuery()) {
            if (rs.next()) {
                current = rs.getLong(1);
                holder = rs.getString(2);
            }
        }
        if (current != epoch) {
            long had = epoch;
            drop();
            throw new NotSettlementLeader("settlement journal write refused: broker instance " + holder
                    + " leads settlement now (epoch " + current + "; " + instanceId + " had " + had + ")");
        }
    }

    /** Null while the lock is held on a live connection, else why not. */
    private String lostReason() {
        if (conn == null) {
            return "no lock connection";
        }
        try (PreparedStatement ps = conn.prepareStatement("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                + " AND pid = pg_backend_pid() AND granted AND objsubid = 1 AND classid::bigint = ? AND objid::bigint = ?")) {
            ps.setLong(1, key >>> 32);
            ps.setLong(2, key & 0xffff_ffffL);
            ps.setQueryTimeout(5);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1) > 0 ? null : "the advisory lock is no longer held by its session";
            }
        } catch (SQLException e) {
            return "lock connection failed: " + e.getMessage();
        }
    }

    /** Stops leading; closing the session frees the advisory lock on the server. */
    private void drop() {
        epoch = -1;
        if (conn != null) {
            try {
                conn.close();
            } catch (SQLException ignored) {
                // already broken
            }
            conn = null;
        }
    }

    synchronized boolean leading() {
        return epoch >= 0;
    }

    @Override
    public synchronized void close() {
        if (conn != null) {
            try (Statement st = conn.createStatement()) {
                // hand leadership over now, not when the server notices the socket is gone
                st.execute("SELECT pg_advisory_unlock_all()");
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
        drop();
    }
}
