package zg.compute.provider.internal.settlement;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
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
 * same DB transaction as the journal's {@code confirmed}. A restart resumes from the journal: a
 * stored transaction is resolved by its receipt, re-broadcast (same bytes, so it can land at most
 * once), or — if the wallet nonce moved past it — known dead and released. Signed nonces only grow,
 * so an abandoned signature can never be replayed after its rows were re-signed.
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

    /** @param settledUser told about every user whose on-chain balance may have changed */
    public SettlementWorker(Store store, ProviderChain chain, TeeKeySource tee, int batchSize, SettlementFault fault,
            Consumer<String> settledUser) {
        this.store = store;
        this.chain = chain;
        this.tee = tee;
        this.domain = Eip712Domain.inference(chain.chainId(), chain.contract());
        this.batchSize = Math.max(1, Math.min(50, batchSize));
        this.fault = fault;
        this.settledUser = settledUser;
    }

    /** What one run did. */
    public record Outcome(int itemsSent, int itemsRejected, BigInteger settled) {
    }

    /** Recovers unfinished work, then settles everything billable. One run at a time. */
    public synchronized Outcome settleOnce() {
        if (!store.tryLeadSettlement()) {
            log.debug("another broker instance leads settlement for this database");
            return new Outcome(0, 0, BigInteger.ZERO);
        }
        BigInteger recovered = recover();
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
        }
        return new Outcome(sent, rejected, settled);
    }

    private Outcome settleBatch(List<String> users, Map<String, List<BillableRow>> rows) {
        List<SettlementItem> items = new ArrayList<>();
        for (String user : users) {
            sign(user, rows.get(user)).ifPresent(items::add);
        }
        if (items.isEmpty()) {
            return new Outcome(0, 0, BigInteger.ZERO);
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
            return new Outcome(0, rejectedIds.size(), BigInteger.ZERO);
        }
        ProviderChain.SignedTx tx = chain.signSettlement(toSend.stream().map(this::toChain).toList());
        long batch = store.recordSent(toSend.stream().map(SettlementItem::id).toList(), tx.hash(), tx.raw(),
                tx.walletNonce());
        fault.at(Step.BEFORE_BROADCAST);
        chain.broadcast(tx.raw());
        fault.at(Step.AFTER_BROADCAST);
        TransactionReceipt receipt = chain.waitForReceipt(tx.hash());
        fault.at(Step.AFTER_RECEIPT);
        BigInteger settled = complete(batch, store.itemsOfBatch(batch), receipt);
        return new Outcome(toSend.size(), rejectedIds.size(), settled);
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
            List<SettlementItem> items = store.itemsOfBatch(b.id());
            Optional<TransactionReceipt> receipt = chain.receipt(b.txHash());
            if (receipt.isPresent()) {
                log.info("recovering settlement tx {} from its receipt", b.txHash());
                settled = settled.add(complete(b.id(), items, receipt.get()));
            } else if (chain.walletNonce().compareTo(b.walletNonce()) > 0) {
                log.info("settlement tx {} was replaced and can never land; releasing its fees", b.txHash());
                store.release(items.stream().filter(i -> "sent".equals(i.state())).map(SettlementItem::id).toList(),
                        "abandoned", null);
            } else {
                log.info("re-broadcasting settlement tx {}", b.txHash());
                chain.broadcast(b.rawTx());
                settled = settled.add(complete(b.id(), items, chain.waitForReceipt(b.txHash())));
            }
        }
        return settled;
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
