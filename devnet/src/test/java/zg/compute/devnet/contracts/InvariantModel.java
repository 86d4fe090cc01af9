package zg.compute.devnet.contracts;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import zg.compute.devnet.contracts.InvariantOps.Amount;
import zg.compute.devnet.contracts.InvariantOps.Fault;
import zg.compute.devnet.contracts.InvariantOps.Op;
import zg.compute.devnet.contracts.InvariantOps.Svc;
import zg.compute.devnet.contracts.InvariantState.LedgerView;
import zg.compute.devnet.contracts.InvariantState.RefundView;
import zg.compute.devnet.contracts.InvariantState.SubAccount;

/**
 * The spec (contracts.md §2, §3, §5, §6) as an executable oracle for {@link LedgerInvariantProperties}:
 * {@link #plan} turns a random {@link Op} into concrete call arguments for the current state, and
 * {@link #predict} says what the call must do: revert with exactly which error (and arguments), or
 * succeed and leave exactly which state (ledgers, sub-accounts with their refund lists, ETH of every
 * tracked wallet/contract before gas) and which settlement events. A transaction is mined exactly one
 * second after the latest block (the test sets anvil's block-timestamp interval to 1 s), so refund
 * maturity is decided to the second.
 *
 * <p>The model remembers the last nonce of every (service, user, provider) pair across deletions,
 * because a soft-deleted sub-account keeps its nonce when it is re-created (§3.5).
 */
final class InvariantModel {

    // ------------------------------------------------------------------ concrete actions

    sealed interface Action permits CallAddLedger, CallDeposit, CallDepositFor, CallTransfer, CallRetrieve,
            CallRefund, CallDeleteLedger, CallSettle, CallUnacknowledge, MineAt {
    }

    record CallAddLedger(int user, String info, BigInteger value) implements Action {
    }

    record CallDeposit(int user, BigInteger value) implements Action {
    }

    record CallDepositFor(int from, int recipient, BigInteger value) implements Action {
    }

    record CallTransfer(int user, int provider, Svc svc, BigInteger amount) implements Action {
    }

    record CallRetrieve(int user, Svc svc, List<Integer> providers) implements Action {
    }

    record CallRefund(int user, BigInteger amount) implements Action {
    }

    record CallDeleteLedger(int user) implements Action {
    }

    /** {@code providerField} is the provider index written into the item (≠ sender for PROVIDER_MISMATCH). */
    record SettleItem(int user, int providerField, BigInteger fee, BigInteger nonce, boolean wrongSigner) {
    }

    record CallSettle(int provider, List<SettleItem> items) implements Action {
    }

    /** The user calls InferenceServing.acknowledgeTEESigner(provider, false). */
    record CallUnacknowledge(int user, int provider) implements Action {
    }

    /** Not a transaction: mine an empty block at this timestamp. */
    record MineAt(long timestamp) implements Action {
    }

    // ------------------------------------------------------------------ outcomes

    sealed interface Outcome permits Reverts, Succeeds {
    }

    record Reverts(String name, List<Object> args) implements Outcome {
        @Override
        public String toString() {
            return name + args;
        }
    }

    record SettleResult(String user, int status, BigInteger unsettled) {
    }

    record Spent(String user, BigInteger amount) {
    }

    /**
     * @param expected  the state after the call, before the sender's gas is deducted
     * @param sender    who pays the gas (null for {@link MineAt})
     * @param results   inference settlement: one TEESettlementResult per item, in order
     * @param spent     inference settlement: the FundSpent events, in order
     * @param paid      inference settlement: ETH paid to the provider
     */
    record Succeeds(InvariantState expected, String sender, List<SettleResult> results, List<Spent> spent,
            BigInteger paid) implements Outcome {
    }

    // ------------------------------------------------------------------ setup

    static final int SUCCESS = 0;
    static final int PARTIAL = 1;
    static final int PROVIDER_MISMATCH = 2;
    static final int NO_TEE_SIGNER = 3;
    static final int INVALID_NONCE = 4;
    static final int INVALID_SIGNATURE = 5;

    static final int MAX_REFUNDS = 5;

    private final List<String> users;
    private final List<String> providers;
    private final String ledger;
    private final Map<Svc, String> serviceAddress;
    private final BigInteger minAccount;
    private final BigInteger minTransfer;
    private final Map<Svc, Long> lockTime;
    private final Map<String, BigInteger> lastNonce = new HashMap<>();

    InvariantModel(List<String> users, List<String> providers, String ledger, Map<Svc, String> serviceAddress,
            BigInteger minAccount, BigInteger minTransfer, Map<Svc, Long> lockTime) {
        this.users = users;
        this.providers = providers;
        this.ledger = ledger;
        this.serviceAddress = serviceAddress;
        this.minAccount = minAccount;
        this.minTransfer = minTransfer;
        this.lockTime = lockTime;
    }

    /** Forget everything remembered from the previous sequence (the chain was reverted). */
    void reset() {
        lastNonce.clear();
    }

    /** Remember the nonces of every sub-account in a verified state. */
    void observe(InvariantState s) {
        s.accounts.forEach((svc, byUser) -> byUser.forEach((u, byP) -> byP.forEach((p, a) ->
                lastNonce.put(key(svc, u, p), a.nonce()))));
    }

    private BigInteger nonceOf(Svc svc, String u, String p) {
        return lastNonce.getOrDefault(key(svc, u, p), BigInteger.ZERO);
    }

    private static String key(Svc svc, String u, String p) {
        return svc + "|" + u + "|" + p;
    }

    // ------------------------------------------------------------------ plan

    /** One step of an op: the next call, given the state the previous step left. */
    interface Step extends java.util.function.Function<InvariantState, Action> {
    }

    /** The calls an op makes; most ops make one, TimeToMaturity and Churn several. */
    List<Step> plan(Op op, InvariantState s) {
        if (op instanceof InvariantOps.TimeToMaturity m) {
            return toMaturity(m, s).stream().map(a -> (Step) st -> a).toList();
        }
        if (op instanceof InvariantOps.Churn c) {
            return churn(c, s);
        }
        if (op instanceof InvariantOps.SpendAll a) {
            return spendAll(a, s);
        }
        return List.of(st -> single(op, st));
    }

    private List<Step> spendAll(InvariantOps.SpendAll op, InvariantState s) {
        int user = withLedger(op.user(), op.anyUser(), s);
        String u = users.get(user);
        List<Step> steps = new ArrayList<>();
        steps.add(st -> {
            LedgerView l = st.ledgers.get(u);
            return new CallTransfer(user, op.provider(), Svc.INFERENCE, l == null ? BigInteger.ZERO : l.available());
        });
        for (int k = 0; k < providers.size(); k++) {
            int provider = k;
            if (k == op.provider() || s.account(Svc.INFERENCE, u, providers.get(k)) != null) {
                steps.add(st -> {
                    SubAccount a = st.account(Svc.INFERENCE, u, providers.get(provider));
                    BigInteger fee = (a == null ? BigInteger.ZERO : a.balance()).add(InvariantOps.ONE);
                    return new CallSettle(provider, List.of(new SettleItem(user, provider, fee,
                            nonceOf(Svc.INFERENCE, u, providers.get(provider)).add(BigInteger.ONE), false)));
                });
            }
        }
        steps.add(st -> new CallDeleteLedger(user));
        return steps;
    }

    private List<Step> churn(InvariantOps.Churn c, InvariantState s) {
        int u = withLedger(c.user(), c.anyUser(), s);
        int p = c.provider();
        if (!c.anyUser()) {
            List<int[]> existing = new ArrayList<>();
            for (int k = 0; k < users.size(); k++) {
                for (int j = 0; j < providers.size(); j++) {
                    if (s.account(c.svc(), users.get(k), providers.get(j)) != null) {
                        existing.add(new int[] {k, j});
                    }
                }
            }
            if (!existing.isEmpty()) {
                int[] pick = existing.get((c.user() * providers.size() + c.provider()) % existing.size());
                u = pick[0];
                p = pick[1];
            }
        }
        int user = u;
        int provider = p;
        List<Step> steps = new ArrayList<>();
        for (int r = 0; r < c.rounds(); r++) {
            steps.add(st -> {
                SubAccount a = st.account(c.svc(), users.get(user), providers.get(provider));
                BigInteger newest = a == null || a.refunds().isEmpty() ? BigInteger.ZERO
                        : a.refunds().get(a.refunds().size() - 1).amount();
                BigInteger amount = newest.signum() == 0 ? InvariantOps.ONE
                        : newest.multiply(BigInteger.valueOf(c.permille())).divide(BigInteger.valueOf(1000));
                return new CallTransfer(user, provider, c.svc(), amount);
            });
            steps.add(st -> new CallRetrieve(user, c.svc(), List.of(provider)));
        }
        return steps;
    }

    private Action single(Op op, InvariantState s) {
        if (op instanceof InvariantOps.AddLedger a) {
            return new CallAddLedger(a.user(), "info-u" + a.user(), a.value().resolve(BigInteger.ZERO));
        }
        if (op instanceof InvariantOps.Deposit d) {
            return new CallDeposit(d.user(), d.value().resolve(BigInteger.ZERO));
        }
        if (op instanceof InvariantOps.DepositFor d) {
            return new CallDepositFor(d.from(), d.recipient(), d.value().resolve(BigInteger.ZERO));
        }
        if (op instanceof InvariantOps.Transfer t) {
            int u = withLedger(t.user(), t.anyUser(), s);
            return new CallTransfer(u, t.provider(), t.svc(), t.amount().resolve(baseValue(t.amount(), s, t.svc(), u, t.provider())));
        }
        if (op instanceof InvariantOps.Retrieve r) {
            int u = r.user();
            if (!r.anyUser()) {
                List<Integer> holders = new ArrayList<>();
                for (int k = 0; k < users.size(); k++) {
                    if (!s.accountsOf(r.svc(), users.get(k)).isEmpty()) {
                        holders.add(k);
                    }
                }
                u = holders.isEmpty() ? withLedger(r.user(), false, s) : holders.get(r.user() % holders.size());
            }
            int mask = r.providerMask();
            if (!r.anyUser()) {
                int own = 0;
                for (int p = 0; p < providers.size(); p++) {
                    if (s.account(r.svc(), users.get(u), providers.get(p)) != null) {
                        own |= 1 << p;
                    }
                }
                if ((mask & own) == 0) {
                    mask = own;
                }
            }
            List<Integer> list = new ArrayList<>();
            for (int p = 0; p < providers.size(); p++) {
                if ((mask & (1 << p)) != 0) {
                    list.add(p);
                }
            }
            if (r.duplicateFirst() && !list.isEmpty()) {
                list.add(list.get(0));
            }
            return new CallRetrieve(u, r.svc(), List.copyOf(list));
        }
        if (op instanceof InvariantOps.Refund r) {
            int u = withLedger(r.user(), r.anyUser(), s);
            return new CallRefund(u, r.amount().resolve(baseValue(r.amount(), s, Svc.INFERENCE, u, 0)));
        }
        if (op instanceof InvariantOps.DeleteLedger d) {
            return new CallDeleteLedger(d.user());
        }
        if (op instanceof InvariantOps.Unacknowledge un) {
            if (un.anyUser()) {
                return new CallUnacknowledge(un.user(), un.provider());
            }
            List<int[]> empty = new ArrayList<>();
            List<int[]> any = new ArrayList<>();
            for (int k = 0; k < users.size(); k++) {
                for (int j = 0; j < providers.size(); j++) {
                    SubAccount a = s.account(Svc.INFERENCE, users.get(k), providers.get(j));
                    if (a != null) {
                        any.add(new int[] {k, j});
                        if (a.balance().signum() == 0) {
                            empty.add(new int[] {k, j});
                        }
                    }
                }
            }
            List<int[]> from = empty.isEmpty() ? any : empty;
            if (from.isEmpty()) {
                return new CallUnacknowledge(un.user(), un.provider());
            }
            int[] pick = from.get((un.user() * providers.size() + un.provider()) % from.size());
            return new CallUnacknowledge(pick[0], pick[1]);
        }
        if (op instanceof InvariantOps.Settle st) {
            Map<Integer, BigInteger> running = new HashMap<>();
            List<SettleItem> items = new ArrayList<>();
            int provider = st.provider();
            if (!st.anyProvider()) {
                List<Integer> withAccounts = new ArrayList<>();
                for (int k = 0; k < providers.size(); k++) {
                    for (String u : users) {
                        if (s.account(Svc.INFERENCE, u, providers.get(k)) != null) {
                            withAccounts.add(k);
                            break;
                        }
                    }
                }
                if (!withAccounts.isEmpty()) {
                    provider = withAccounts.get(provider % withAccounts.size());
                }
            }
            String p = providers.get(provider);
            for (InvariantOps.Item it : st.items()) {
                int user = it.user();
                if (!it.anyUser()) {
                    List<Integer> withAccount = new ArrayList<>();
                    for (int k = 0; k < users.size(); k++) {
                        if (s.account(Svc.INFERENCE, users.get(k), p) != null) {
                            withAccount.add(k);
                        }
                    }
                    if (!withAccount.isEmpty()) {
                        user = withAccount.get(it.user() % withAccount.size());
                    }
                }
                BigInteger last = running.getOrDefault(user, nonceOf(Svc.INFERENCE, users.get(user), p));
                BigInteger nonce = last.add(BigInteger.valueOf(it.nonceStep())).max(BigInteger.ZERO);
                if (it.nonceStep() > 0 && it.fault() == Fault.NONE) {
                    running.put(user, nonce);
                }
                BigInteger fee = it.fee().resolve(baseValue(it.fee(), s, Svc.INFERENCE, user, provider));
                int field = it.fault() == Fault.PROVIDER_MISMATCH ? (provider + 1) % providers.size() : provider;
                items.add(new SettleItem(user, field, fee, nonce, it.fault() == Fault.WRONG_SIGNER));
            }
            return new CallSettle(provider, List.copyOf(items));
        }
        InvariantOps.TimeTravel t = (InvariantOps.TimeTravel) op;
        return new MineAt(s.timestamp + t.seconds());
    }

    private List<Action> toMaturity(InvariantOps.TimeToMaturity m, InvariantState s) {
        // the oldest refund that has not matured for the next transaction (at t+1)
        long best = Long.MAX_VALUE;
        CallRetrieve retrieve = null;
        for (Svc svc : Svc.values()) {
            for (Map.Entry<String, java.util.TreeMap<String, SubAccount>> byUser : s.accounts.get(svc).entrySet()) {
                for (Map.Entry<String, SubAccount> e : byUser.getValue().entrySet()) {
                    for (RefundView r : e.getValue().refunds()) {
                        long unlock = r.createdAt().longValueExact() + lockTime.get(svc);
                        if (unlock > s.timestamp + 1 && unlock < best) {
                            best = unlock;
                            retrieve = new CallRetrieve(users.indexOf(byUser.getKey()), svc,
                                    List.of(providers.indexOf(e.getKey())));
                        }
                    }
                }
            }
        }
        if (retrieve == null) {
            return List.of(new MineAt(s.timestamp + 1));
        }
        // the next transaction is mined one second after the block mined here
        MineAt travel = new MineAt(Math.max(best + m.offset() - 1, s.timestamp + 1));
        return m.retrieve() ? List.of(travel, retrieve) : List.of(travel);
    }

    /** {@code slot} as is, or (unless {@code anyUser}) the slot-th of the users that own a ledger, if any. */
    private int withLedger(int slot, boolean anyUser, InvariantState s) {
        if (anyUser) {
            return slot;
        }
        List<Integer> owners = new ArrayList<>();
        for (int k = 0; k < users.size(); k++) {
            if (s.ledgers.containsKey(users.get(k))) {
                owners.add(k);
            }
        }
        return owners.isEmpty() ? slot : owners.get(slot % owners.size());
    }

    private BigInteger baseValue(Amount a, InvariantState s, Svc svc, int user, int provider) {
        String u = users.get(user);
        SubAccount acct = s.account(svc, u, providers.get(provider));
        LedgerView l = s.ledgers.get(u);
        return switch (a.base()) {
            case FIXED -> BigInteger.ZERO;
            case AVAILABLE -> l == null ? BigInteger.ZERO : l.available();
            case PENDING -> acct == null ? BigInteger.ZERO : acct.pendingRefund();
            case BALANCE -> acct == null ? BigInteger.ZERO : acct.balance();
            case FREE -> acct == null ? BigInteger.ZERO : acct.free();
        };
    }

    // ------------------------------------------------------------------ errors the spec allows per call

    static Set<String> allowedErrors(Action a) {
        if (a instanceof CallAddLedger) {
            return Set.of("MinimumDepositRequired", "AdditionalInfoTooLong", "LedgerExists", "LedgerLocked");
        }
        if (a instanceof CallDeposit) {
            return Set.of("ZeroAmountNotAllowed", "MinimumDepositRequired", "LedgerLocked");
        }
        if (a instanceof CallDepositFor) {
            return Set.of("ZeroAddressNotAllowed", "ZeroAmountNotAllowed", "MinimumDepositRequired", "LedgerLocked");
        }
        if (a instanceof CallTransfer) {
            return Set.of("LedgerNotExists", "ServiceNotFound", "MinimumDepositRequired", "TooManyProvidersForService",
                    "InsufficientAvailableBalance", "CallFailed", "LedgerLocked");
        }
        if (a instanceof CallRetrieve) {
            return Set.of("TooManyProviders", "ServiceNotFound", "LedgerNotExists", "TooManyRefunds", "TransferFailed",
                    "TransferToLedgerFailed", "LedgerLocked");
        }
        if (a instanceof CallRefund) {
            return Set.of("LedgerNotExists", "InsufficientBalance", "MinimumDepositRequired", "TransferFailed", "LedgerLocked");
        }
        if (a instanceof CallDeleteLedger) {
            return Set.of("LedgerNotExists", "MustWithdrawAllFundsFirst", "LedgerLocked");
        }
        if (a instanceof CallUnacknowledge) {
            return Set.of("AccountNotExists", "CannotRevokeWithNonZeroBalance");
        }
        if (a instanceof CallSettle) {
            // per-item failures are statuses; only the batch size, the payout and spendFund can revert
            return Set.of("NoSettlementsProvided", "TooManySettlements", "TransferFailed", "LedgerNotExists",
                    "InsufficientAvailableBalance");
        }
        return Set.of();
    }

    // ------------------------------------------------------------------ predict

    private static Reverts revert(String name, Object... args) {
        return new Reverts(name, List.of(args));
    }

    Outcome predict(Action action, InvariantState pre) {
        InvariantState s = pre.copy();
        long now = pre.timestamp + 1;
        s.timestamp = now;
        if (action instanceof MineAt m) {
            s.timestamp = m.timestamp();
            return new Succeeds(s, null, List.of(), List.of(), BigInteger.ZERO);
        }
        if (action instanceof CallAddLedger a) {
            String u = users.get(a.user());
            if (a.value().compareTo(minAccount) < 0) {
                return revert("MinimumDepositRequired", a.value(), minAccount);
            }
            if (s.ledgers.containsKey(u)) {
                return revert("LedgerExists", u);
            }
            s.ledgers.put(u, new LedgerView(a.value(), a.value(), a.info()));
            s.addEth(u, a.value().negate());
            s.addEth(ledger, a.value());
            return ok(s, u);
        }
        if (action instanceof CallDeposit d) {
            return deposit(s, users.get(d.user()), users.get(d.user()), d.value());
        }
        if (action instanceof CallDepositFor d) {
            return deposit(s, users.get(d.from()), users.get(d.recipient()), d.value());
        }
        if (action instanceof CallTransfer t) {
            return transfer(s, t);
        }
        if (action instanceof CallRetrieve r) {
            return retrieve(s, r, now);
        }
        if (action instanceof CallRefund r) {
            String u = users.get(r.user());
            LedgerView l = s.ledgers.get(u);
            if (l == null) {
                return revert("LedgerNotExists", u);
            }
            if (l.available().compareTo(r.amount()) < 0) {
                return revert("InsufficientBalance", u);
            }
            BigInteger remaining = l.available().subtract(r.amount());
            if (remaining.signum() != 0 && remaining.compareTo(minAccount) < 0) {
                return revert("MinimumDepositRequired", remaining, minAccount);
            }
            LedgerView after = new LedgerView(remaining, l.total().subtract(r.amount()), l.info());
            if (after.total().signum() == 0) {
                deleteLedger(s, u);
            } else {
                s.ledgers.put(u, after);
            }
            s.addEth(ledger, r.amount().negate());
            s.addEth(u, r.amount());
            return ok(s, u);
        }
        if (action instanceof CallDeleteLedger d) {
            String u = users.get(d.user());
            LedgerView l = s.ledgers.get(u);
            if (l == null) {
                return revert("LedgerNotExists", u);
            }
            if (l.total().signum() != 0) {
                return revert("MustWithdrawAllFundsFirst", l.total());
            }
            deleteLedger(s, u);
            return ok(s, u);
        }
        if (action instanceof CallUnacknowledge un) {
            String u = users.get(un.user());
            String p = providers.get(un.provider());
            SubAccount a = s.account(Svc.INFERENCE, u, p);
            if (a == null) {
                return revert("AccountNotExists", u, p);
            }
            if (a.acknowledged() && a.balance().signum() != 0) {
                return revert("CannotRevokeWithNonZeroBalance", u, p, a.balance());
            }
            s.putAccount(Svc.INFERENCE, u, p, new SubAccount(a.nonce(), a.balance(), a.pendingRefund(), a.refunds(),
                    a.info(), false));
            return ok(s, u);
        }
        return settle(s, (CallSettle) action);
    }

    private static Succeeds ok(InvariantState s, String sender) {
        return new Succeeds(s, sender, List.of(), List.of(), BigInteger.ZERO);
    }

    private Outcome deposit(InvariantState s, String sender, String recipient, BigInteger v) {
        if (v.signum() == 0) {
            return revert("ZeroAmountNotAllowed");
        }
        LedgerView l = s.ledgers.get(recipient);
        if (l == null) {
            if (v.compareTo(minAccount) < 0) {
                return revert("MinimumDepositRequired", v, minAccount);
            }
            s.ledgers.put(recipient, new LedgerView(v, v, ""));
        } else {
            s.ledgers.put(recipient, new LedgerView(l.available().add(v), l.total().add(v), l.info()));
        }
        s.addEth(sender, v.negate());
        s.addEth(ledger, v);
        return ok(s, sender);
    }

    /** Ledger deletion (explicit or by refund): the ledger and every sub-account of the user go (soft delete). */
    private static void deleteLedger(InvariantState s, String u) {
        s.ledgers.remove(u);
        s.removeAllAccounts(u);
    }

    private Outcome transfer(InvariantState s, CallTransfer t) {
        String u = users.get(t.user());
        String p = providers.get(t.provider());
        LedgerView l = s.ledgers.get(u);
        if (l == null) {
            return revert("LedgerNotExists", u);
        }
        SubAccount acct = s.account(t.svc(), u, p);
        BigInteger net;
        SubAccount after;
        if (acct != null) {
            BigInteger cancel = t.amount().min(acct.pendingRefund());
            net = t.amount().subtract(cancel);
            Taken taken = takeLifo(acct.refunds(), cancel);
            after = acct.with(acct.balance().add(net), acct.pendingRefund().subtract(cancel.subtract(taken.remaining)),
                    taken.refunds).withAcknowledged();
        } else {
            if (t.amount().compareTo(minTransfer) < 0) {
                return revert("MinimumDepositRequired", t.amount(), minTransfer);
            }
            net = t.amount();
            after = new SubAccount(nonceOf(t.svc(), u, p), t.amount(), BigInteger.ZERO, List.of(), l.info(), true);
        }
        if (l.available().compareTo(net) < 0) {
            return revert("InsufficientAvailableBalance", l.available(), net);
        }
        s.ledgers.put(u, new LedgerView(l.available().subtract(net), l.total(), l.info()));
        s.putAccount(t.svc(), u, p, after);
        s.addEth(ledger, net.negate());
        s.addEth(serviceAddress.get(t.svc()), net);
        return ok(s, u);
    }

    private Outcome retrieve(InvariantState s, CallRetrieve r, long now) {
        String u = users.get(r.user());
        LedgerView l = s.ledgers.get(u);
        if (l == null) {
            return revert("LedgerNotExists", u);
        }
        long lock = lockTime.get(r.svc());
        BigInteger collected = BigInteger.ZERO;
        for (int pi : r.providers()) {
            String p = providers.get(pi);
            SubAccount a = s.account(r.svc(), u, p);
            if (a == null) {
                continue; // providers without a sub-account are skipped
            }
            // processRefund: release every refund with now >= createdAt + lockTime, compact the rest
            BigInteger matured = BigInteger.ZERO;
            List<RefundView> kept = new ArrayList<>();
            for (RefundView rf : a.refunds()) {
                if (now >= rf.createdAt().longValueExact() + lock) {
                    matured = matured.add(rf.amount());
                } else {
                    kept.add(new RefundView(BigInteger.valueOf(kept.size()), rf.amount(), rf.createdAt()));
                }
            }
            BigInteger balance = a.balance().subtract(matured);
            BigInteger pending = sum(kept);
            if (a.refunds().isEmpty()) {
                pending = a.pendingRefund();
            }
            collected = collected.add(matured);
            // requestRefundAll: the whole free pool becomes one new refund
            BigInteger free = balance.subtract(pending);
            if (free.signum() > 0) {
                if (kept.size() >= MAX_REFUNDS) {
                    return revert("TooManyRefunds", u, p);
                }
                kept.add(new RefundView(BigInteger.valueOf(kept.size()), free, BigInteger.valueOf(now)));
                pending = pending.add(free);
            }
            s.putAccount(r.svc(), u, p, a.with(balance, pending, kept));
        }
        s.ledgers.put(u, new LedgerView(l.available().add(collected), l.total(), l.info()));
        s.addEth(serviceAddress.get(r.svc()), collected.negate());
        s.addEth(ledger, collected);
        return ok(s, u);
    }

    private Outcome settle(InvariantState s, CallSettle st) {
        if (st.items().isEmpty()) {
            return revert("NoSettlementsProvided");
        }
        String p = providers.get(st.provider());
        List<SettleResult> results = new ArrayList<>();
        List<Spent> spent = new ArrayList<>();
        BigInteger paid = BigInteger.ZERO;
        for (SettleItem it : st.items()) {
            String u = users.get(it.user());
            SubAccount a = s.account(Svc.INFERENCE, u, p);
            int status;
            BigInteger unsettled = it.fee();
            if (it.providerField() != st.provider()) {
                status = PROVIDER_MISMATCH;
            } else if (a == null) {
                status = INVALID_SIGNATURE; // (sic) a missing account reports 5
            } else if (!a.acknowledged()) {
                status = NO_TEE_SIGNER; // the user revoked; every service here keeps an acknowledged TEE signer
            } else if (a.nonce().compareTo(it.nonce()) >= 0) {
                status = INVALID_NONCE;
            } else if (it.wrongSigner()) {
                status = INVALID_SIGNATURE;
            } else {
                BigInteger toSettle = it.fee().min(a.balance());
                unsettled = it.fee().subtract(toSettle);
                a = a.withNonce(it.nonce());
                if (toSettle.signum() > 0) {
                    // free pool first, then refunds newest-first
                    BigInteger excess = toSettle.subtract(a.free());
                    BigInteger pending = a.pendingRefund();
                    List<RefundView> refunds = a.refunds();
                    if (excess.signum() > 0) {
                        refunds = takeLifo(refunds, excess).refunds;
                        pending = pending.subtract(excess);
                    }
                    a = a.with(a.balance().subtract(toSettle), pending, refunds);
                    LedgerView l = s.ledgers.get(u);
                    if (l == null) {
                        return revert("LedgerNotExists", u);
                    }
                    BigInteger locked = l.total().subtract(l.available());
                    if (locked.compareTo(toSettle) < 0) {
                        return revert("InsufficientAvailableBalance", locked, toSettle);
                    }
                    s.ledgers.put(u, new LedgerView(l.available(), l.total().subtract(toSettle), l.info()));
                    spent.add(new Spent(u, toSettle));
                    paid = paid.add(toSettle);
                }
                s.putAccount(Svc.INFERENCE, u, p, a);
                status = unsettled.signum() > 0 ? PARTIAL : SUCCESS;
            }
            results.add(new SettleResult(u, status, unsettled));
        }
        s.addEth(serviceAddress.get(Svc.INFERENCE), paid.negate());
        s.addEth(p, paid);
        return new Succeeds(s, p, List.copyOf(results), List.copyOf(spent), paid);
    }

    private record Taken(List<RefundView> refunds, BigInteger remaining) {
    }

    /**
     * Takes {@code amount} from the refunds newest-first: a fully covered refund drops out of the
     * valid range, a partly covered one is reduced (§3.3 depositFund, §5.2 settlement debit).
     */
    private static Taken takeLifo(List<RefundView> refunds, BigInteger amount) {
        List<RefundView> out = new ArrayList<>(refunds);
        BigInteger remaining = amount;
        while (remaining.signum() > 0 && !out.isEmpty()) {
            RefundView last = out.get(out.size() - 1);
            if (last.amount().compareTo(remaining) <= 0) {
                remaining = remaining.subtract(last.amount());
                out.remove(out.size() - 1);
            } else {
                out.set(out.size() - 1, new RefundView(last.index(), last.amount().subtract(remaining), last.createdAt()));
                remaining = BigInteger.ZERO;
            }
        }
        return new Taken(out, remaining);
    }

    static BigInteger sum(List<RefundView> refunds) {
        return refunds.stream().map(RefundView::amount).reduce(BigInteger.ZERO, BigInteger::add);
    }
}
