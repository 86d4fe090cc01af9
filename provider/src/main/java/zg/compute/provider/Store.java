package zg.compute.provider;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The broker's durable state: request rows (billing), the settlement journal and nonces, and stored
 * response signatures. Addresses are stored lower-case. Every method is one transaction.
 */
public interface Store extends AutoCloseable {

    // ---- billing ----

    /** A request row in state {@code pending}, written before the upstream call. */
    void insertRequest(String id, String user, long createdAtMillis);

    /** The upstream answered and usage is known: the row becomes {@code billed} with its fee. */
    void billRequest(String id, long inputCount, long outputCount, BigInteger inputFee, BigInteger outputFee);

    /**
     * {@link #billRequest} and {@link #putSignature} in one transaction: the hot path's only write after
     * the upstream answered.
     */
    void billAndSign(String id, long inputCount, long outputCount, BigInteger inputFee, BigInteger outputFee,
            String chatKey, String text, String signature, long expiresAtMillis);

    /** The upstream failed: the row is never billed. */
    void failRequest(String id);

    /** Billed but not yet settled fees of a user (in-flight settlement included). */
    BigInteger unsettledFee(String user);

    /** Σ fee of all rows ever billed, and Σ of what was settled on chain: equal once everything is settled. */
    BigInteger billedTotal();

    BigInteger settledTotal();

    /** Creation time (ms) of the oldest billed fee not yet settled, 0 if none. */
    long oldestUnsettledMillis();

    // ---- response signatures ----

    void putSignature(String chatKey, String text, String signature, long expiresAtMillis);

    Optional<StoredSignature> signature(String chatKey, long nowMillis);

    // ---- settlement journal ----

    /**
     * Whether this broker instance may run settlement: exactly one instance per database may (a
     * PostgreSQL session advisory lock, kept until the store closes; SQLite has one process per file).
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
