package zg.compute.provider.internal.settlement;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.Hash;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;
import zg.compute.protocol.contracts.bindings.InferenceServing;
import zg.compute.protocol.eip712.DigestSigner;
import zg.compute.protocol.eip712.Eip712Domain;
import zg.compute.protocol.eip712.TeeSettlement;
import zg.compute.provider.Store;
import zg.compute.provider.Store.BillableRow;
import zg.compute.provider.Store.ItemOutcome;
import zg.compute.provider.Store.SettlementBatch;
import zg.compute.provider.Store.SettlementItem;
import zg.compute.provider.TeeKeySource;
import zg.compute.provider.internal.chain.ProviderChain;
import zg.compute.provider.internal.settlement.SettlementFault.Step;

/**
 * Settles billed fees on chain exactly once. Every step is journaled before it has effects outside
 * the database: items are signed and their rows locked ({@code settling}) first; the raw transaction
 * and its hash are stored before broadcasting; rows are marked settled only from the receipt, in the
 * same DB transaction as the journal's {@code confirmed}. The next run resumes from the journal: a
 * stored transaction is resolved by its receipt, re-broadcast (same bytes, so it can land at most
 * once), replaced when stuck (same nonce, higher fee: still at most one lands), or — only when the
 * chain proves it can never execute — released. A missing receipt alone proves nothing. Signed nonces
 * only grow, so an abandoned signature can never be replayed after its rows were re-signed.
 */
public final class SettlementWorker {

    private static final Logger log = LoggerFactory.getLogger(SettlementWorker.class);

    public static final int STATUS_SUCCESS = 0;
    public static final int STATUS_PARTIAL = 1;

    private final Store store;
    private final ProviderChain chain;
    private final TeeKeySource tee;
    private final Eip712Domain domain;
    private final int batchSize;
    private final SettlementFault fault;
    private final Consumer<String> settledUser;
    private final Duration receiptTimeout;
    private final Duration replaceAfter;
    private final Clock clock;

    /**
     * @param receiptTimeout how long one run waits for a receipt before leaving the batch {@code sent}
     *                       for the next run to look again
     * @param replaceAfter   a transaction still unmined after this long is replaced (same nonce, higher fee)
     * @param settledUser    told about every user whose on-chain balance may have changed
     */
    public SettlementWorker(Store store, ProviderChain chain, TeeKeySource tee, int batchSize, Duration receiptTimeout,
            Duration replaceAfter, Clock clock, SettlementFault fault, Consumer<String> settledUser) {
        this.store = store;
        this.chain = chain;
        this.tee = tee;
        this.domain = Eip712Domain.inference(chain.chainId(), chain.contract());
        this.batchSize = Math.max(1, Math.min(50, batchSize));
        this.receiptTimeout = receiptTimeout;
        this.replaceAfter = replaceAfter;
        this.clock = clock;
        this.fault = fault;
        this.settledUser = settledUser;
    }

    /**
     * What one run did.
     *
     * @param unresolved batches still waiting for their transaction: run again soon
     */
    public record Outcome(int itemsSent, int itemsRejected, BigInteger settled, int unresolved) {
    }

    /** Recovers unfinished work, then settles everything billable. One run at a time. */
    public synchronized Outcome settleOnce() {
        if (!store.tryLeadSettlement()) {
            log.debug("another broker instance leads settlement for this database");
            return new Outcome(0, 0, BigInteger.ZERO, 0);
        }
        BigInteger recovered = recover();
        int unresolved = store.batches("sent").size();
        if (unresolved > 0) {
            // A new batch would take the next wallet nonce and wait behind the unresolved one anyway.
            return new Outcome(0, 0, recovered, unresolved);
        }
        Map<String, List<BillableRow>> rows = store.billableRows();
        List<String> users = new ArrayList<>(rows.keySet());
        int sent = 0;
        int rejected = 0;
        BigInteger settled = recovered;
        for (int i = 0; i < users.size(); i += batchSize) {
            Outcome o = settleBatch(users.subList(i, Math.min(users.size(), i + batchSize)), rows);
            sent += o.itemsSent();
            rejected += o.itemsRejected();
            settled = settled.add(o.settled());
            unresolved += o.unresolved();
            if (o.unresolved() > 0) {
                break; // the rest would queue behind it: next run
            }
        }
        return new Outcome(sent, rejected, settled, unresolved);
    }

    private Outcome settleBatch(List<String> users, Map<String, List<BillableRow>> rows) {
        List<SettlementItem> items = new ArrayList<>();
        for (String user : users) {
            sign(user, rows.get(user)).ifPresent(items::add);
        }
        if (items.isEmpty()) {
            return new Outcome(0, 0, BigInteger.ZERO, 0);
        }
        fault.at(Step.AFTER_SIGN);

        ProviderChain.Preview preview = chain.preview(items.stream().map(this::toChain).toList());
        List<SettlementItem> toSend = new ArrayList<>();
        List<Long> rejectedIds = new ArrayList<>();
        for (SettlementItem item : items) {
            int failed = indexOf(preview.failedUsers(), item.user());
            int partial = indexOf(preview.partialUsers(), item.user());
            if (failed >= 0) {
                int reason = preview.failureReasons().get(failed).intValue();
                log.warn("settlement preview rejects user {} with status {}", item.user(), reason);
                store.release(List.of(item.id()), "rejected", reason);
                rejectedIds.add(item.id());
            } else if (partial >= 0 && preview.partialAmounts().get(partial).compareTo(item.totalFee()) >= 0) {
                // Nothing would be settled: do not burn gas (and a nonce) on it.
                store.release(List.of(item.id()), "rejected", STATUS_PARTIAL);
                rejectedIds.add(item.id());
            } else {
                toSend.add(item);
            }
        }
        if (toSend.isEmpty()) {
            return new Outcome(0, rejectedIds.size(), BigInteger.ZERO, 0);
        }
        ProviderChain.SignedTx tx = chain.signSettlement(toSend.stream().map(this::toChain).toList());
        long batch = store.recordSent(toSend.stream().map(SettlementItem::id).toList(), tx.hash(), tx.raw(),
                tx.walletNonce());
        fault.at(Step.BEFORE_BROADCAST);
        try {
            chain.broadcast(tx.raw());
        } catch (RuntimeException e) {
            // The node may or may not have it: the batch stays sent and the next run finds out.
            log.warn("broadcast of settlement tx {} failed ({}); it stays journaled and is resolved on the next run",
                    tx.hash(), e.toString());
            return new Outcome(toSend.size(), rejectedIds.size(), BigInteger.ZERO, 1);
        }
        fault.at(Step.AFTER_BROADCAST);
        Optional<TransactionReceipt> receipt = chain.awaitReceipt(List.of(tx.hash()), receiptTimeout);
        if (receipt.isEmpty()) {
            log.warn("no receipt for settlement tx {} after {} s; it stays journaled and is looked at again",
                    tx.hash(), receiptTimeout.toSeconds());
            return new Outcome(toSend.size(), rejectedIds.size(), BigInteger.ZERO, 1);
        }
        fault.at(Step.AFTER_RECEIPT);
        BigInteger settled = complete(batch, store.itemsOfBatch(batch), receipt.get());
        return new Outcome(toSend.size(), rejectedIds.size(), settled, 0);
    }

    /** Signs and journals one user's billable rows; empty if the user has no account to settle against. */
    private Optional<SettlementItem> sign(String user, List<BillableRow> rows) {
        Optional<InferenceServing.Account> account = chain.account(user);
        if (account.isEmpty()) {
            log.warn("user {} has billed fees but no account with this provider; keeping them", user);
            return Optional.empty();
        }
        BigInteger total = BigInteger.ZERO;
        StringBuilder hashed = new StringBuilder();
        for (BillableRow r : rows) {
            total = total.add(r.outstanding());
            hashed.append(r.id()).append(':').append(r.outstanding()).append(';');
        }
        // The contract only needs nonce > account.nonce; ours also never repeats one we signed before.
        BigInteger nonce = store.lastNonce(user).max(account.get().nonce).add(BigInteger.ONE);
        byte[] requestsHash = Hash.sha3(hashed.toString().getBytes(StandardCharsets.UTF_8));
        TeeSettlement msg = new TeeSettlement(requestsHash, nonce, chain.providerAddress(), user, total);
        byte[] sig = DigestSigner.sign(msg.digest(domain), tee.key());
        SettlementItem item = new SettlementItem(0, null, user, nonce, total, Numeric.toHexString(requestsHash),
                Numeric.toHexString(sig), "signed", null, null);
        long id = store.recordSigned(item, rows.stream().map(BillableRow::id).toList());
        return Optional.of(new SettlementItem(id, null, user, nonce, total, item.requestsHash(), item.signature(),
                "signed", null, null));
    }

    private InferenceServing.TEESettlementData toChain(SettlementItem i) {
        return new InferenceServing.TEESettlementData(i.user(), chain.providerAddress(), i.totalFee(),
                Numeric.hexStringToByteArray(i.requestsHash()), i.nonce(), Numeric.hexStringToByteArray(i.signature()));
    }

    /** Applies a receipt: one {@code TEESettlementResult} per item, in the order they were sent. */
    private BigInteger complete(long batch, List<SettlementItem> items, TransactionReceipt receipt) {
        List<SettlementItem> sent = items.stream().filter(i -> "sent".equals(i.state())).toList();
        if (!receipt.isStatusOK()) {
            log.warn("settlement tx {} reverted; its fees stay billable", receipt.getTransactionHash());
            store.release(sent.stream().map(SettlementItem::id).toList(), "rejected", null);
            return BigInteger.ZERO;
        }
        var events = InferenceServing.getTEESettlementResultEvents(receipt);
        if (events.size() != sent.size()) {
            throw new IllegalStateException("settlement tx " + receipt.getTransactionHash() + " has " + events.size()
                    + " results for " + sent.size() + " items");
        }
        List<ItemOutcome> outcomes = new ArrayList<>();
        BigInteger settled = BigInteger.ZERO;
        Set<String> users = new HashSet<>();
        for (int i = 0; i < sent.size(); i++) {
            SettlementItem item = sent.get(i);
            var ev = events.get(i);
            if (!ev.user.equalsIgnoreCase(item.user())) {
                throw new IllegalStateException("settlement result " + i + " is for " + ev.user + ", expected " + item.user());
            }
            int status = ev.status.intValue();
            outcomes.add(new ItemOutcome(item.id(), status, ev.unsettledAmount));
            if (status == STATUS_SUCCESS || status == STATUS_PARTIAL) {
                settled = settled.add(item.totalFee().subtract(ev.unsettledAmount));
            } else {
                log.warn("settlement of user {} failed on chain with status {}", item.user(), status);
            }
            users.add(item.user());
        }
        store.complete(batch, outcomes);
        users.forEach(settledUser);
        return settled;
    }

    /**
     * True when a user with unsettled fees has a pending refund that matures within {@code buffer}: once
     * it matures the user can withdraw the money those fees were to be paid from, so settle first
     * (provider spec §6.1).
     */
    public boolean refundMaturingSoon(long bufferSeconds) {
        Map<String, List<BillableRow>> rows = store.billableRows();
        if (rows.isEmpty()) {
            return false;
        }
        long lock = chain.lockTimeSeconds();
        long now = chain.chainTimeSeconds();
        for (String user : rows.keySet()) {
            Optional<InferenceServing.Account> a = chain.account(user);
            if (a.isEmpty()) {
                continue;
            }
            int valid = a.get().validRefundsLength.intValue();
            for (int i = 0; i < Math.min(valid, a.get().refunds.size()); i++) {
                InferenceServing.Refund r = a.get().refunds.get(i);
                if (!Boolean.TRUE.equals(r.processed) && r.amount.signum() > 0
                        && r.createdAt.longValueExact() + lock - bufferSeconds <= now) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Resolves whatever a previous run left in the journal. */
    BigInteger recover() {
        BigInteger settled = BigInteger.ZERO;
        List<SettlementItem> unsent = store.items("signed");
        if (!unsent.isEmpty()) {
            // Never handed to the chain (the tx hash is stored before broadcasting): release them. Their
            // nonces stay used, so the old signatures can never be replayed.
            store.release(unsent.stream().map(SettlementItem::id).toList(), "abandoned", null);
        }
        for (SettlementBatch b : store.batches("sent")) {
            settled = settled.add(resolve(b));
        }
        return settled;
    }

    /**
     * Decides a journaled batch from the chain. Its fees are released for re-signing only when the
     * chain proves the batch can never execute: its wallet nonce is used by a block, no transaction of
     * the batch has a receipt, and no item's user nonce reached the item's nonce in that block. Every
     * read that decides this is pinned to one block, so a lagging node cannot mix old and new views.
     */
    private BigInteger resolve(SettlementBatch b) {
        List<SettlementItem> items = store.itemsOfBatch(b.id());
        List<SettlementItem> sent = items.stream().filter(i -> "sent".equals(i.state())).toList();
        List<String> hashes = store.txHashes(b.id());
        Optional<TransactionReceipt> receipt = anyReceipt(hashes);
        if (receipt.isPresent()) {
            log.info("recovering settlement tx {} from its receipt", receipt.get().getTransactionHash());
            return complete(b.id(), items, receipt.get());
        }
        BigInteger block = chain.latestBlock();
        if (chain.walletNonceAt(block).compareTo(b.walletNonce()) > 0) {
            // The nonce is used at `block`. The receipt may have appeared since the first look.
            receipt = anyReceipt(hashes);
            if (receipt.isPresent()) {
                return complete(b.id(), items, receipt.get());
            }
            for (SettlementItem item : sent) {
                Optional<InferenceServing.Account> a = chain.accountAt(item.user(), block);
                if (a.isPresent() && a.get().nonce.compareTo(item.nonce()) >= 0) {
                    log.warn("settlement tx {}: user {} reached nonce {} on chain but no receipt of the batch is"
                            + " visible yet; keeping it journaled", b.txHash(), item.user(), item.nonce());
                    return BigInteger.ZERO;
                }
            }
            log.info("settlement tx {} can never land (wallet nonce {} used by another transaction, no item"
                    + " executed at block {}); releasing its fees", b.txHash(), b.walletNonce(), block);
            store.release(sent.stream().map(SettlementItem::id).toList(), "abandoned", null);
            return BigInteger.ZERO;
        }
        String hash = b.txHash();
        String raw = b.rawTx();
        if (clock.millis() - b.sentAtMillis() >= replaceAfter.toMillis()) {
            ProviderChain.SignedTx replacement = chain.replaceSettlement(sent.stream().map(this::toChain).toList(), raw);
            store.recordReplacement(b.id(), replacement.hash(), replacement.raw());
            log.warn("settlement tx {} still unmined after {} s; replaced by {} (same nonce {}, higher gas price)",
                    hash, replaceAfter.toSeconds(), replacement.hash(), b.walletNonce());
            hash = replacement.hash();
            raw = replacement.raw();
            hashes = store.txHashes(b.id());
        } else {
            log.info("re-broadcasting settlement tx {}", hash);
        }
        if (chain.broadcast(raw) == ProviderChain.Broadcast.NONCE_USED) {
            log.info("settlement tx {}: its nonce was just used; resolving on the next run", hash);
        }
        return chain.awaitReceipt(hashes, receiptTimeout).map(r -> complete(b.id(), items, r)).orElse(BigInteger.ZERO);
    }

    private Optional<TransactionReceipt> anyReceipt(List<String> hashes) {
        for (String h : hashes) {
            Optional<TransactionReceipt> r = chain.receipt(h);
            if (r.isPresent()) {
                return r;
            }
        }
        return Optional.empty();
    }

    private static int indexOf(List<String> users, String user) {
        for (int i = 0; i < users.size(); i++) {
            if (users.get(i).equalsIgnoreCase(user)) {
                return i;
            }
        }
        return -1;
    }
}
