package zg.compute.provider.internal.store;

import java.math.BigInteger;
import java.util.HashMap;
import java.util.Map;
import zg.compute.provider.Store;

/**
 * The SQLite store's admissions, in memory. One broker process owns a SQLite file, so the reservations of
 * requests in flight need not be written: they die with the process anyway (a restart finds no request in
 * flight). A request's row is then written once, when it is billed — one store write per request instead of
 * two. The users' unsettled totals are a copy of the committed {@code user_unsettled.amount}: loaded at open
 * and moved by the same transactions that move the table, after they commit (so the copy never runs ahead of
 * what a crash would keep; until it catches up it only understates what a user may spend).
 *
 * <p>A reservation is {@code unwritten} (no row) until it is billed, released, or its request is written as a
 * pending row for an async job ({@code written}); it counts against the user until it is billed or released.
 */
final class MemoryLedger {

    record Reservation(String id, String user, BigInteger amount, long createdAtMillis) {
    }

    /** user → {unsettled (committed), reserved (requests in flight)} */
    private final Map<String, BigInteger[]> totals = new HashMap<>();
    private final Map<String, Reservation> unwritten = new HashMap<>();
    private final Map<String, Reservation> written = new HashMap<>();
    private volatile int unwrittenCount;

    /** Requests admitted and not yet billed, failed or written; read without the lock (a hint for batching). */
    int inFlight() {
        return unwrittenCount;
    }

    synchronized void loadUnsettled(String user, BigInteger unsettled) {
        totals(user)[0] = unsettled;
    }

    /** {@link Store#reserve}'s rule on the in-memory totals. */
    synchronized Store.Admission reserve(String id, String user, BigInteger minimum, BigInteger desired,
            BigInteger lockBalance, BigInteger minimumLockedBalance, long createdAtMillis) {
        if (unwritten.containsKey(id) || written.containsKey(id)) {
            throw new IllegalStateException("database: request " + id + " is already admitted");
        }
        BigInteger[] t = totals(user);
        BigInteger headroom = lockBalance.subtract(minimumLockedBalance).subtract(t[0]).subtract(t[1]);
        if (headroom.compareTo(minimum) < 0) {
            return new Store.Admission(false, BigInteger.ZERO, t[0], t[1]);
        }
        BigInteger r = desired.min(headroom);
        Store.Admission a = new Store.Admission(true, r, t[0], t[1]);
        t[1] = t[1].add(r);
        unwritten.put(id, new Reservation(id, user, r, createdAtMillis));
        unwrittenCount = unwritten.size();
        return a;
    }

    /** Takes an unwritten reservation out for billing, failing or writing it; it still counts until released. */
    synchronized Reservation takeUnwritten(String id) {
        Reservation r = unwritten.remove(id);
        unwrittenCount = unwritten.size();
        return r;
    }

    /** Its pending row committed: billing or failing it now goes through the row. */
    synchronized void markWritten(Reservation r) {
        written.put(r.id(), r);
    }

    synchronized void release(Reservation r) {
        BigInteger[] t = totals(r.user());
        t[1] = t[1].subtract(r.amount());
    }

    /** The pending row of {@code id} left {@code pending} (committed): its reservation, if this process holds it, goes. */
    synchronized void releaseWritten(String id) {
        Reservation r = written.remove(id);
        if (r != null) {
            release(r);
        }
    }

    /** A committed change of the user's {@code user_unsettled.amount}. */
    synchronized void addUnsettled(String user, BigInteger delta) {
        BigInteger[] t = totals(user);
        t[0] = t[0].add(delta);
    }

    /** Σ of the user's reservations in flight. */
    synchronized BigInteger reserved(String user) {
        BigInteger[] t = totals.get(user);
        return t == null ? BigInteger.ZERO : t[1];
    }

    private BigInteger[] totals(String user) {
        return totals.computeIfAbsent(user, u -> new BigInteger[] {BigInteger.ZERO, BigInteger.ZERO});
    }
}
