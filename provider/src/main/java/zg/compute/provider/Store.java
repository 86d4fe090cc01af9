package zg.compute.provider;

import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The broker's durable state: request rows (billing), the settlement journal and nonces, and stored
 * response signatures. Addresses are stored lower-case. Every method is one transaction.
 *
 * <p>Request states: {@code pending} (admitted, upstream running) → {@code billed} → {@code settling}
 * (in a journal item) → {@code settled}; or {@code pending} → {@code failed} (upstream error) or
 * {@code swept} (its broker instance died with it in flight). {@code failed} and {@code swept} are
 * terminal and never billed. A pending row may hold a reservation (see {@link #reserve}) that counts
 * against the user's balance until the row leaves {@code pending}.
 *
 * <p>SQLite (one broker process per file) keeps the reservations of requests in flight in memory instead: a
 * request's row is first written when it is billed ({@code billed} at once), or {@code pending} when an async
 * job must outlive its HTTP request. A crash loses nothing billable — what was in flight dies with the process.
 */
public interface Store extends AutoCloseable {

    // ---- billing ----

    /** A request row in state {@code pending} with no reservation, written before the upstream call. */
    void insertRequest(String id, String user, long createdAtMillis);

    /**
     * Admission with a reservation, in one transaction (on PostgreSQL under a row lock on the user's
     * running totals, so concurrent admissions of one user, on any broker instance, are serialised):
     * {@code headroom = lockBalance − minimumLockedBalance − unsettled(user) − reserved(user)}. If
     * {@code headroom < minimum} nothing is written and the refusal carries the user's unsettled and
     * reserved totals. Otherwise {@code r = min(desired, headroom)} (so {@code minimum ≤ r ≤ desired}) is
     * added to the user's reserved total and the request row is inserted {@code pending} holding {@code r}.
     * Billing ({@link #billRequest}, {@link #billAndSign}), {@link #failRequest} and {@link #sweepPending}
     * release it.
     *
     * @throws IllegalArgumentException an amount is negative or {@code desired < minimum}
     */
    Admission reserve(String requestId, String user, BigInteger minimum, BigInteger desired, BigInteger lockBalance,
            BigInteger minimumLockedBalance, long createdAtMillis);

    /**
     * Whether {@link #reserve} never blocks (reservations kept in memory: SQLite), so admission may run on an
     * event loop.
     */
    default boolean reservesInMemory() {
        return false;
    }

    /**
     * {@link #billAndSign} without parking the calling thread: a store with a writer thread of its own queues it
     * there (SQLite); otherwise it runs on {@code blocking}. The stage completes once the bill is committed.
     */
    default CompletionStage<Void> billAndSignAsync(String id, long inputCount, long outputCount, BigInteger inputFee,
            BigInteger outputFee, String chatKey, String text, String signature, long expiresAtMillis,
            Executor blocking) {
        return CompletableFuture.runAsync(() -> billAndSign(id, inputCount, outputCount, inputFee, outputFee, chatKey,
                text, signature, expiresAtMillis), blocking);
    }

    /**
     * The upstream answered and usage is known: the row becomes {@code billed} with its fee, its
     * reservation is released and the fee added to the user's unsettled total — one transaction. A row
     * that is no longer {@code pending} (billed already, failed, swept) is left alone.
     */
    void billRequest(String id, long inputCount, long outputCount, BigInteger inputFee, BigInteger outputFee);

    /**
     * {@link #billRequest} and {@link #putSignature} in one transaction: the hot path's only write after
     * the upstream answered. If it does not commit the request goes unbilled: its reservation is released as
     * far as the database lets (else its row stays pending for the sweep), and the call fails.
     */
    void billAndSign(String id, long inputCount, long outputCount, BigInteger inputFee, BigInteger outputFee,
            String chatKey, String text, String signature, long expiresAtMillis);

    /** The upstream failed: the row is never billed and its reservation is released. */
    void failRequest(String id);

    /** Billed but not yet settled fees of a user (in-flight settlement included). */
    BigInteger unsettledFee(String user);

    /** Σ of the user's active reservations (pending rows admitted by {@link #reserve}). */
    BigInteger reservedFee(String user);

    /**
     * Σ fee of all rows ever billed, and Σ of what was settled on chain: equal once everything is settled.
     * Exact across {@link #pruneFinished pruning} (pruned rows are kept as running totals).
     */
    BigInteger billedTotal();

    BigInteger settledTotal();

    /** Creation time (ms) of the oldest billed fee not yet settled, 0 if none. */
    long oldestUnsettledMillis();

    // ---- broker instances, crash leftovers, retention ----

    /** This store's broker instance id: random per {@code open}, recorded on every request row it writes. */
    String instanceId();

    /**
     * Records that this instance is alive ({@code broker_instance.heartbeat_at}; on PostgreSQL by the
     * database's clock). The broker calls it every few seconds; {@code open} writes the first one.
     */
    void heartbeat();

    /**
     * Marks {@code swept} (terminal, never billed) the {@code pending} rows whose broker instance died with
     * them in flight and releases their reservations. SQLite (one process per file): every pending row of
     * another instance. PostgreSQL (several brokers may share the schema): pending rows of other instances
     * whose heartbeat is older than {@code staleAfter} or missing; a live instance's rows are never touched.
     *
     * @return how many rows were swept
     */
    int sweepPending(Duration staleAfter);

    /**
     * Deletes finished request rows ({@code settled}, {@code failed}, {@code swept}) and finished journal rows
     * created before {@code createdBeforeMillis}; their fees and settled amounts move into running totals in
     * the same transaction, so {@link #billedTotal()} and {@link #settledTotal()} stay exact.
     *
     * @return how many request rows were deleted
     */
    int pruneFinished(long createdBeforeMillis);

    // ---- async image jobs (services-and-ui.md A.4) ----

    /**
     * A job ({@code pending}) for the admitted request {@code requestId} (its row holds the reservation). Jobs
     * go {@code pending} → {@code processing} → {@code completed} | {@code failed}; a job whose request row is
     * swept (its broker instance stopped) becomes {@code failed} with {@code broker restarted} in the sweep's
     * transaction.
     */
    void insertJob(String jobId, String requestId, String user, long nowMillis);

    /** A worker takes the job: {@code pending} → {@code processing}; false if it is no longer pending. */
    boolean startJob(String jobId, long nowMillis);

    /**
     * The job's answer arrived: its request row is billed (reservation released), the signature stored and
     * the job {@code completed} with {@code result} and {@code chatKey} — one transaction, so there is never a
     * bill without a result nor a result without its bill. Nothing changes unless the job is {@code processing}
     * and its row {@code pending}.
     *
     * @return whether the job completed
     */
    boolean completeJob(String jobId, String requestId, long inputCount, long outputCount, BigInteger inputFee,
            BigInteger outputFee, String chatKey, String text, String signature, long signatureExpiresAtMillis,
            String result, long nowMillis);

    /** The job failed: its request row is never billed (reservation released) — one transaction. */
    void failJob(String jobId, String requestId, String errorMessage, long nowMillis);

    Optional<AsyncJob> job(String jobId);

    /** Deletes finished (completed, failed) jobs last updated before {@code updatedBeforeMillis}. */
    int pruneJobs(long updatedBeforeMillis);

    // ---- response signatures ----

    void putSignature(String chatKey, String text, String signature, long expiresAtMillis);

    Optional<StoredSignature> signature(String chatKey, long nowMillis);

    // ---- settlement journal ----

    /**
     * Whether this broker instance may run settlement: exactly one instance per database (PostgreSQL: per
     * schema) may. SQLite has one process per file: always true. PostgreSQL: a session advisory lock on a
     * dedicated connection; a leader re-checks that it still holds it (connection alive), and an instance
     * that lost it (connection killed, database restarted) stops leading and tries to take it again here.
     * Every journal write ({@link #recordSigned}, {@link #recordSent}, {@link #release}, {@link #complete})
     * re-checks the lock and a leadership epoch in its own transaction and throws {@link NotSettlementLeader}
     * without it.
     */
    boolean tryLeadSettlement();

    /** Users with billed, unsettled rows, each with its rows in billing order. */
    Map<String, List<BillableRow>> billableRows();

    /** The last nonce this broker signed for the user, 0 if none. */
    BigInteger lastNonce(String user);

    /**
     * Journals a signed item (state {@code signed}), moves its rows to {@code settling} and records the
     * nonce — atomically.
     *
     * @return the item id
     */
    long recordSigned(SettlementItem item, List<String> requestIds);

    /** The signed transaction is about to be broadcast: batch row ({@code sent}) and items → {@code sent}. */
    long recordSent(List<Long> itemIds, String txHash, String rawTx, BigInteger walletNonce);

    /**
     * A same-nonce replacement (higher fee) of the batch's stuck transaction, journaled before it is
     * broadcast: it becomes the batch's latest transaction; the earlier ones stay known.
     */
    void recordReplacement(long batchId, String txHash, String rawTx);

    /** Hashes of every transaction signed for the batch, oldest first: any of them may be the one mined. */
    List<String> txHashes(long batchId);

    List<SettlementItem> items(String state);

    List<SettlementBatch> batches(String state);

    List<SettlementItem> itemsOfBatch(long batchId);

    /** Items that will not be (or were not) executed: rows go back to {@code billed}. */
    void release(List<Long> itemIds, String state, Integer status);

    /**
     * The receipt is in: per item, rows become {@code settled} (SUCCESS), are paid in order up to the
     * settled amount (PARTIAL; the remainder goes back to {@code billed}), or return to {@code billed}
     * (any failure); items and batch become {@code confirmed} — all in one transaction.
     */
    void complete(long batchId, List<ItemOutcome> outcomes);

    @Override
    void close();

    /**
     * The outcome of {@link #reserve}.
     *
     * @param admitted         whether the request row was written
     * @param reserved         what this request holds ({@code 0} when refused)
     * @param unsettled        the user's unsettled fees when admission was decided
     * @param reservedByOthers the user's other active reservations when admission was decided
     */
    record Admission(boolean admitted, BigInteger reserved, BigInteger unsettled, BigInteger reservedByOthers) {
    }

    /** A settlement journal write by an instance that does not (or no longer) hold the settlement lock. */
    final class NotSettlementLeader extends IllegalStateException {
        public NotSettlementLeader(String message) {
            super(message);
        }
    }

    /** An async job as stored; {@code errorMessage}, {@code result} and {@code chatKey} may be null. */
    record AsyncJob(String id, String requestId, String user, String state, long createdAtMillis,
            long updatedAtMillis, String errorMessage, String result, String chatKey) {
    }

    record BillableRow(String id, BigInteger outstanding) {
    }

    record StoredSignature(String text, String signature) {
    }

    /** @param id 0 before it is journaled */
    record SettlementItem(long id, Long batchId, String user, BigInteger nonce, BigInteger totalFee,
            String requestsHash, String signature, String state, Integer status, BigInteger unsettled) {
    }

    /** @param sentAtMillis when the latest transaction ({@code txHash}) was journaled */
    record SettlementBatch(long id, String txHash, String rawTx, BigInteger walletNonce, String state,
            long sentAtMillis) {
    }

    /** @param unsettled the part of the item's totalFee the chain could not settle */
    record ItemOutcome(long itemId, int status, BigInteger unsettled) {
    }
}
