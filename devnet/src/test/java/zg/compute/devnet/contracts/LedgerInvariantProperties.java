package zg.compute.devnet.contracts;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import net.jqwik.api.AfterFailureMode;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.lifecycle.BeforeTry;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.http.HttpService;
import zg.compute.devnet.DevChain;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.DevnetConfig;
import zg.compute.devnet.contracts.InvariantModel.Action;
import zg.compute.devnet.contracts.InvariantModel.CallAddLedger;
import zg.compute.devnet.contracts.InvariantModel.CallDeleteLedger;
import zg.compute.devnet.contracts.InvariantModel.CallDeposit;
import zg.compute.devnet.contracts.InvariantModel.CallDepositFor;
import zg.compute.devnet.contracts.InvariantModel.CallRefund;
import zg.compute.devnet.contracts.InvariantModel.CallRetrieve;
import zg.compute.devnet.contracts.InvariantModel.CallSettle;
import zg.compute.devnet.contracts.InvariantModel.CallTransfer;
import zg.compute.devnet.contracts.InvariantModel.CallUnacknowledge;
import zg.compute.devnet.contracts.InvariantModel.MineAt;
import zg.compute.devnet.contracts.InvariantModel.Outcome;
import zg.compute.devnet.contracts.InvariantModel.Reverts;
import zg.compute.devnet.contracts.InvariantModel.SettleItem;
import zg.compute.devnet.contracts.InvariantModel.SettleResult;
import zg.compute.devnet.contracts.InvariantModel.Spent;
import zg.compute.devnet.contracts.InvariantModel.Succeeds;
import zg.compute.devnet.contracts.InvariantOps.Op;
import zg.compute.devnet.contracts.InvariantOps.Svc;
import zg.compute.devnet.contracts.InvariantState.LedgerView;
import zg.compute.devnet.contracts.InvariantState.RefundView;
import zg.compute.devnet.contracts.InvariantState.SubAccount;
import zg.compute.protocol.chain.ContractRevertException;
import zg.compute.protocol.contracts.DecodedRevert;
import zg.compute.protocol.contracts.bindings.FineTuningServing;
import zg.compute.protocol.contracts.bindings.InferenceServing;
import zg.compute.protocol.contracts.bindings.LedgerManager;
import zg.compute.protocol.eip712.DigestSigner;
import zg.compute.protocol.eip712.Eip712Domain;
import zg.compute.protocol.eip712.TeeSettlement;
import zg.compute.protocol.units.Units;

/**
 * Property: whatever sequence of ledger operations three users and three providers perform, the
 * money bookkeeping of LedgerManager, InferenceServing and FineTuningServing stays consistent
 * (contracts.md §1.1, §5, §6). Each try runs {@value #OPS_PER_SEQUENCE} random ops — deposits
 * (addLedger / depositFund / depositFundFor, any amount), transferFund (inference and fine-tuning,
 * including the refund-cancelling top-up), retrieveFund over provider subsets, refund (partial, all,
 * too much), deleteLedger, TEE-signed settleFeesWithTEE batches (fresh/stale nonces, fees above the
 * balance → PARTIAL, wrong signer, provider mismatch) and time travel (incl. exactly onto a refund's
 * unlock second) — on one devnet, reverted to the same snapshot before every try.
 *
 * <p>After <em>every</em> op it checks, straight from chain views:
 * <ul>
 *   <li>per user with a ledger: {@code totalBalance − availableBalance == Σ sub-account balances}
 *       over both services (getAccountsByUser); users without a ledger have no sub-accounts;</li>
 *   <li>per sub-account: {@code pendingRefund ≤ balance}, {@code pendingRefund == Σ refunds[0,
 *       validRefundsLength)}, at most 5 refunds, each refund's index is its position;</li>
 *   <li>ETH custody: {@code balance(LedgerManager) == Σ availableBalance} over getAllLedgers,
 *       {@code balance(service) == Σ sub-account balances + Σ provider stakes} for both services;</li>
 *   <li>ETH conservation: the tracked wallets + contracts together lose exactly the op's gas;</li>
 * </ul>
 * and that the op did what the spec says ({@link InvariantModel}): a revert must be one of the errors
 * the spec allows for that call, must be exactly the predicted error with its arguments, and must
 * leave the state unchanged; a success must leave exactly the predicted ledgers, sub-accounts
 * (refund lists included) and ETH balances, and a settlement must emit the predicted
 * TEESettlementResult statuses/unsettled amounts and FundSpent events and pay the provider exactly
 * the settled sum.
 *
 * <p>Mechanics: jqwik runs on its own engine, so the class starts its own devnet (lock time 3600 s)
 * in {@code @BeforeContainer}, registers 3 inference services (stakes 100/100/150 0G, each with its
 * own TEE signer key, acknowledged by the owner) and 2 fine-tuning services (100/125 0G), then
 * snapshots before and reverts after every try. Every block is mined exactly 1 s after the previous
 * one (anvil block-timestamp interval), so each call's timestamp is known in advance and a sequence
 * replays identically. Some ops expand to several calls (time travel + retrieve, refund churn,
 * spend-all + deleteLedger), each checked on its own. On a failure the sequence is minimised by
 * dropping ops while the same kind of failure persists (jqwik's own shrinking is off), and the report
 * shows both the original and the minimal op sequence with every call and its outcome.
 *
 * <p>Runs 200 sequences by default. Soak: {@code -Dzg.invariant.tries=10000} (see
 * {@link InvariantTriesHook}); {@code -Dzg.invariant.seed=…} replays a seed;
 * {@code -Dzg.invariant.trace=true} prints every passing sequence. A coverage summary (calls per
 * kind, revert reasons, settlement statuses, refunds collected on the unlock second, …) is printed
 * at the end.
 */
class LedgerInvariantProperties {

    static final int OPS_PER_SEQUENCE = 30;
    /** The first ops of a sequence are deposits (any amount, any user), so ledgers exist early. */
    static final int OPENING_OPS = 3;

    /** Stakes registered in setup; the contracts have no stake getter, so the test remembers them. */
    private static final BigInteger[] INFERENCE_STAKES = {Units.og(100), Units.og(100), Units.og(150)};
    private static final BigInteger[] FINE_TUNING_STAKES = {Units.og(100), Units.og(125)};

    private static Devnet devnet;
    private static Fixture fx;
    private static String snapshot;
    private static InvariantState baseline;
    private static final Stats STATS = new Stats();

    // ------------------------------------------------------------------ lifecycle

    @BeforeContainer
    static void startDevnet() throws Exception {
        long t0 = System.nanoTime();
        devnet = Devnet.start(DevnetConfig.defaults().withLockTime(DevnetConfig.MIN_LOCK_TIME));
        fx = new Fixture(devnet);
        baseline = fx.reader.read();
        checkInvariants(baseline);
        STATS.setupMillis = (System.nanoTime() - t0) / 1_000_000;
    }

    @AfterContainer
    static void stopDevnet() {
        if (devnet != null) {
            devnet.close();
        }
        System.out.println(STATS.report());
    }

    @BeforeTry
    void takeSnapshot() {
        snapshot = devnet.chain().snapshot();
        fx.model.reset();
        fx.chainReverted();
    }

    @AfterTry
    void revertSnapshot() {
        devnet.chain().revert(snapshot);
        fx.chainReverted();
    }

    // ------------------------------------------------------------------ the property

    @Property(tries = 200, edgeCases = EdgeCasesMode.NONE, shrinking = ShrinkingMode.OFF,
            afterFailure = AfterFailureMode.SAMPLE_FIRST)
    @AddLifecycleHook(InvariantTriesHook.class)
    void ledgerBookkeepingHoldsAfterEveryOp(@ForAll("sequences") List<Op> ops) {
        new Run(ops).execute();
    }

    @Provide
    Arbitrary<List<Op>> sequences() {
        return InvariantOps.sequence(OPENING_OPS, OPS_PER_SEQUENCE);
    }

    // ------------------------------------------------------------------ invariants (independent of the model)

    static void checkInvariants(InvariantState s) {
        List<String> bad = new ArrayList<>();
        for (String u : s.ledgers.keySet()) {
            if (!fx.users.contains(u)) {
                bad.add("unexpected ledger of " + u);
            }
        }
        BigInteger availableSum = BigInteger.ZERO;
        for (LedgerView l : s.ledgers.values()) {
            availableSum = availableSum.add(l.available());
        }
        Map<Svc, BigInteger> held = new EnumMap<>(Svc.class);
        for (Svc svc : Svc.values()) {
            held.put(svc, BigInteger.ZERO);
        }
        for (String u : fx.users) {
            BigInteger inSubAccounts = BigInteger.ZERO;
            for (Svc svc : Svc.values()) {
                for (Map.Entry<String, SubAccount> e : s.accountsOf(svc, u).entrySet()) {
                    SubAccount a = e.getValue();
                    String where = svc + " " + u + "→" + e.getKey();
                    inSubAccounts = inSubAccounts.add(a.balance());
                    held.merge(svc, a.balance(), BigInteger::add);
                    if (a.pendingRefund().compareTo(a.balance()) > 0) {
                        bad.add(where + ": pendingRefund " + a.pendingRefund() + " > balance " + a.balance());
                    }
                    if (!a.pendingRefund().equals(InvariantModel.sum(a.refunds()))) {
                        bad.add(where + ": pendingRefund " + a.pendingRefund() + " != Σ valid refunds "
                                + InvariantModel.sum(a.refunds()) + " " + a.refunds());
                    }
                    if (a.refunds().size() > InvariantModel.MAX_REFUNDS) {
                        bad.add(where + ": " + a.refunds().size() + " valid refunds > 5");
                    }
                    for (int i = 0; i < a.refunds().size(); i++) {
                        if (a.refunds().get(i).index().intValueExact() != i) {
                            bad.add(where + ": refund at " + i + " has index " + a.refunds().get(i).index());
                        }
                    }
                }
            }
            LedgerView l = s.ledgers.get(u);
            if (l != null) {
                if (l.total().compareTo(l.available()) < 0
                        || !l.total().subtract(l.available()).equals(inSubAccounts)) {
                    bad.add("ledger " + u + ": total " + l.total() + " − available " + l.available() + " = "
                            + l.total().subtract(l.available()) + " != Σ sub-account balances " + inSubAccounts);
                }
            } else if (inSubAccounts.signum() != 0) {
                bad.add(u + " has no ledger but " + inSubAccounts + " in sub-accounts");
            }
        }
        BigInteger ledgerEth = s.eth.get(fx.ledgerAddress);
        if (!ledgerEth.equals(availableSum)) {
            bad.add("balance(LedgerManager) " + ledgerEth + " != Σ availableBalance " + availableSum);
        }
        for (Svc svc : Svc.values()) {
            BigInteger expected = held.get(svc).add(fx.stakes.get(svc));
            BigInteger actual = s.eth.get(fx.serviceAddress.get(svc));
            if (!actual.equals(expected)) {
                bad.add("balance(" + svc + ") " + actual + " != Σ sub-account balances " + held.get(svc)
                        + " + stakes " + fx.stakes.get(svc));
            }
        }
        if (!bad.isEmpty()) {
            throw new AssertionError("invariant violated:\n  " + String.join("\n  ", bad) + "\nstate: " + s);
        }
    }

    // ------------------------------------------------------------------ one sequence

    /** The outcome of sending one action: a mined receipt (null for an empty block) or a revert. */
    private record Result(TransactionReceipt receipt, DecodedRevert revert) {
    }

    /** A failed check: at which op, a one-line kind (to keep minimisation on the same bug), the report. */
    private record Failure(int opIndex, String kind, String report, Throwable cause) {
    }

    /**
     * Runs one sequence. On failure it minimises the sequence itself (jqwik shrinking is off: with a
     * fixed length it could only simplify ops, not drop them): ops are removed one at a time, each
     * candidate is replayed from the setup snapshot, and a removal is kept while the same kind of
     * failure still happens. The report shows the original failure and the minimal op sequence.
     */
    private static final class Run {
        private static final long MINIMISE_BUDGET_NANOS = 120_000_000_000L;
        private final List<Op> ops;

        Run(List<Op> ops) {
            this.ops = ops;
        }

        void execute() {
            List<String> trace = new ArrayList<>();
            Failure f = attempt(ops, trace, true);
            if (f == null) {
                STATS.sequences.incrementAndGet();
                if (Boolean.getBoolean("zg.invariant.trace")) {
                    System.out.println("[invariant] sequence:\n  " + String.join("\n  ", trace));
                }
                return;
            }
            List<Op> minimal = new ArrayList<>(ops.subList(0, f.opIndex() + 1));
            Failure last = f;
            long deadline = System.nanoTime() + MINIMISE_BUDGET_NANOS;
            boolean removed = true;
            while (removed && System.nanoTime() < deadline) {
                removed = false;
                for (int i = minimal.size() - 1; i >= 0 && System.nanoTime() < deadline; i--) {
                    List<Op> candidate = new ArrayList<>(minimal);
                    candidate.remove(i);
                    Failure g = attempt(candidate, new ArrayList<>(), false);
                    if (g != null && g.kind().equals(f.kind())) {
                        minimal = new ArrayList<>(candidate.subList(0, g.opIndex() + 1));
                        last = g;
                        removed = true;
                        i = Math.min(i, minimal.size());
                    }
                }
            }
            AssertionError e = new AssertionError(f.report() + "\n\nMINIMISED to " + minimal.size() + " op(s) "
                    + minimal + ":\n" + last.report());
            if (f.cause() != null) {
                e.initCause(f.cause());
            }
            throw e;
        }

        /** Runs {@code seq} from the setup state (reverting the chain first unless this is the try's first run). */
        private Failure attempt(List<Op> seq, List<String> trace, boolean first) {
            if (!first) {
                devnet.chain().revert(snapshot);
                snapshot = devnet.chain().snapshot();
                fx.chainReverted();
                fx.model.reset();
            }
            InvariantState state = fx.reader.read();
            if (!state.equals(baseline)) {
                throw new AssertionError("snapshot revert did not restore the setup state:\n  " + baseline.diff(state));
            }
            for (int i = 0; i < seq.size(); i++) {
                Op op = seq.get(i);
                for (InvariantModel.Step step : fx.model.plan(op, state)) {
                    Action action = step.apply(state);
                    Outcome predicted = fx.model.predict(action, state);
                    long t0 = System.nanoTime();
                    Result result;
                    try {
                        result = fx.send(action);
                    } catch (Exception e) {
                        return failure(seq, i, op, action, predicted, "unexpected failure: " + e, e, trace);
                    }
                    long t1 = System.nanoTime();
                    InvariantState post = fx.reader.read();
                    trace.add("#" + i + " " + op + "\n      → " + describe(action) + " ⇒ "
                            + (result.revert != null ? "reverted " + result.revert : "ok"));
                    try {
                        checkInvariants(post);
                        verify(action, predicted, result, state, post);
                    } catch (AssertionError e) {
                        return failure(seq, i, op, action, predicted, e.getMessage(), null, trace);
                    }
                    if (first) {
                        STATS.time(t1 - t0, System.nanoTime() - t1);
                        STATS.record(action, predicted, result, state, fx);
                    }
                    fx.model.observe(post);
                    state = post;
                }
            }
            return null;
        }

        private static Failure failure(List<Op> seq, int i, Op op, Action action, Outcome predicted, String why,
                Throwable cause, List<String> trace) {
            String kind = action.getClass().getSimpleName() + ": " + why.lines().findFirst().orElse("")
                    .replaceAll("[0-9]+", "N");
            String report = "op #" + i + " of " + seq.size() + ": " + op + "\n  call: " + describe(action)
                    + "\n  predicted: " + (predicted instanceof Reverts r ? "revert " + r : "success")
                    + "\n  " + why + "\nops so far:\n  " + String.join("\n  ", trace);
            return new Failure(i, kind, report, cause);
        }
    }

    private static void verify(Action action, Outcome predicted, Result result, InvariantState pre,
            InvariantState post) {
        BigInteger gas = result.receipt == null ? BigInteger.ZERO : gasCost(result.receipt);
        BigInteger lost = pre.totalEth().subtract(post.totalEth());
        if (!lost.equals(gas)) {
            throw new AssertionError("ETH not conserved: tracked wallets + contracts lost " + lost + ", gas was " + gas);
        }
        if (result.revert != null) {
            DecodedRevert r = result.revert;
            if (!InvariantModel.allowedErrors(action).contains(r.name())) {
                throw new AssertionError("reverted with " + r + ", which the spec does not allow for this call");
            }
            if (!post.equals(pre)) {
                throw new AssertionError("a reverted call changed the state:\n  " + pre.diff(post));
            }
            if (!(predicted instanceof Reverts p)) {
                throw new AssertionError("spec says this call succeeds, but it reverted with " + r);
            }
            if (!p.name().equals(r.name()) || !p.args().equals(r.args())) {
                throw new AssertionError("reverted with " + r + ", spec says " + p);
            }
            return;
        }
        if (predicted instanceof Reverts p) {
            throw new AssertionError("spec says revert " + p + ", but the call succeeded");
        }
        Succeeds ok = (Succeeds) predicted;
        InvariantState expected = ok.expected().copy();
        if (ok.sender() != null) {
            expected.addEth(ok.sender(), gas.negate());
        }
        if (!expected.equals(post)) {
            throw new AssertionError("state after the call differs from the spec:\n  " + expected.diff(post));
        }
        if (action instanceof CallSettle st) {
            verifySettlement(st, ok, result.receipt, pre, post, gas);
        }
    }

    private static void verifySettlement(CallSettle st, Succeeds ok, TransactionReceipt receipt, InvariantState pre,
            InvariantState post, BigInteger gas) {
        List<SettleResult> results = InferenceServing.getTEESettlementResultEvents(receipt).stream()
                .map(e -> new SettleResult(e.user.toLowerCase(), e.status.intValueExact(), e.unsettledAmount))
                .toList();
        if (!results.equals(ok.results())) {
            throw new AssertionError("TEESettlementResult events " + results + ", spec says " + ok.results());
        }
        List<Spent> spent = new ArrayList<>();
        for (LedgerManager.FundSpentEventResponse e : LedgerManager.getFundSpentEvents(receipt)) {
            if (!e.service.equalsIgnoreCase(fx.serviceAddress.get(Svc.INFERENCE))) {
                throw new AssertionError("FundSpent from " + e.service + ", not the inference service");
            }
            spent.add(new Spent(e.user.toLowerCase(), e.amount));
        }
        if (!spent.equals(ok.spent())) {
            throw new AssertionError("FundSpent events " + spent + ", spec says " + ok.spent());
        }
        // The provider receives exactly Σ (fee − unsettled) over the SUCCESS/PARTIAL results.
        BigInteger settled = BigInteger.ZERO;
        for (int i = 0; i < results.size(); i++) {
            if (results.get(i).status() <= InvariantModel.PARTIAL) {
                settled = settled.add(st.items().get(i).fee().subtract(results.get(i).unsettled()));
            }
        }
        String p = fx.providers.get(st.provider());
        BigInteger received = post.eth.get(p).subtract(pre.eth.get(p)).add(gas);
        BigInteger spentSum = spent.stream().map(Spent::amount).reduce(BigInteger.ZERO, BigInteger::add);
        if (!received.equals(settled) || !received.equals(spentSum)) {
            throw new AssertionError("provider received " + received + ", settled per events " + settled
                    + ", FundSpent total " + spentSum);
        }
    }

    private static BigInteger gasCost(TransactionReceipt r) {
        return r.getGasUsed().multiply(Numeric.decodeQuantity(r.getEffectiveGasPrice()));
    }

    private static String describe(Action a) {
        if (a instanceof CallAddLedger x) {
            return "u" + x.user() + ".addLedger(\"" + x.info() + "\"){" + InvariantOps.og(x.value()) + "}";
        }
        if (a instanceof CallDeposit x) {
            return "u" + x.user() + ".depositFund(){" + InvariantOps.og(x.value()) + "}";
        }
        if (a instanceof CallDepositFor x) {
            return "u" + x.from() + ".depositFundFor(u" + x.recipient() + "){" + InvariantOps.og(x.value()) + "}";
        }
        if (a instanceof CallTransfer x) {
            return "u" + x.user() + ".transferFund(p" + x.provider() + ", " + x.svc() + ", " + InvariantOps.og(x.amount()) + ")";
        }
        if (a instanceof CallRetrieve x) {
            return "u" + x.user() + ".retrieveFund(" + x.providers().stream().map(p -> "p" + p)
                    .collect(Collectors.joining(",", "[", "]")) + ", " + x.svc() + ")";
        }
        if (a instanceof CallRefund x) {
            return "u" + x.user() + ".refund(" + InvariantOps.og(x.amount()) + ")";
        }
        if (a instanceof CallDeleteLedger x) {
            return "u" + x.user() + ".deleteLedger()";
        }
        if (a instanceof CallUnacknowledge x) {
            return "u" + x.user() + ".acknowledgeTEESigner(p" + x.provider() + ", false)";
        }
        if (a instanceof CallSettle x) {
            return "p" + x.provider() + ".settleFeesWithTEE(" + x.items().stream()
                    .map(i -> "{u" + i.user() + (i.providerField() != x.provider() ? ", provider=p" + i.providerField() : "")
                            + ", fee " + InvariantOps.og(i.fee()) + ", nonce " + i.nonce()
                            + (i.wrongSigner() ? ", wrong signer" : "") + "}")
                    .collect(Collectors.joining(", ", "[", "]")) + ")";
        }
        return "mine a block at t=" + ((MineAt) a).timestamp();
    }

    // ------------------------------------------------------------------ fixture: accounts, keys, bindings

    private static final class Fixture {
        final Devnet devnet;
        final List<InvariantTxManager> txManagers = new ArrayList<>();
        final List<String> users = new ArrayList<>();
        final List<String> providers = new ArrayList<>();
        final List<LedgerManager> userLedger = new ArrayList<>();
        final List<InferenceServing> providerInference = new ArrayList<>();
        final List<InferenceServing> userInference = new ArrayList<>();
        final List<ECKeyPair> teeKeys = new ArrayList<>();
        final ECKeyPair wrongKey = key("zg-invariant-not-a-tee-signer");
        final String ledgerAddress;
        final Map<Svc, String> serviceAddress = new EnumMap<>(Svc.class);
        final Map<Svc, String> serviceName = new EnumMap<>(Svc.class);
        final Map<Svc, BigInteger> stakes = new EnumMap<>(Svc.class);
        final Eip712Domain domain;
        final InvariantChainReader reader;
        final InvariantModel model;

        Fixture(Devnet d) throws Exception {
            this.devnet = d;
            Credentials owner = d.account(0);
            ledgerAddress = d.contracts().ledger().proxy().toLowerCase();
            serviceAddress.put(Svc.INFERENCE, d.contracts().inference().proxy().toLowerCase());
            serviceAddress.put(Svc.FINE_TUNING, d.contracts().fineTuning().proxy().toLowerCase());
            serviceName.put(Svc.INFERENCE, d.contracts().inferenceServiceName());
            serviceName.put(Svc.FINE_TUNING, d.contracts().fineTuningServiceName());
            for (int i = 0; i < InvariantOps.USERS; i++) {
                Credentials c = d.account(1 + i);
                users.add(c.getAddress().toLowerCase());
                InvariantTxManager m = txManager(c);
                userLedger.add(LedgerManager.load(ledgerAddress, d.chain().web3j(), m, d.chain().gasProvider()));
                userInference.add(InferenceServing.load(serviceAddress.get(Svc.INFERENCE), d.chain().web3j(), m,
                        d.chain().gasProvider()));
            }
            InferenceServing ownerInference = d.inference(owner);
            FineTuningServing ownerFineTuning = d.fineTuning(owner);
            BigInteger ftStakes = BigInteger.ZERO;
            for (int i = 0; i < InvariantOps.PROVIDERS; i++) {
                Credentials c = d.account(1 + InvariantOps.USERS + i);
                providers.add(c.getAddress().toLowerCase());
                ECKeyPair tee = key("zg-invariant-tee-signer-" + i);
                teeKeys.add(tee);
                String teeAddress = "0x" + Keys.getAddress(tee);
                InferenceServing inf = InferenceServing.load(serviceAddress.get(Svc.INFERENCE), d.chain().web3j(),
                        txManager(c), d.chain().gasProvider());
                providerInference.add(inf);
                inf.addOrUpdateService(new InferenceServing.ServiceParams("chatbot", "https://p" + i + ".invalid",
                        "model-" + i, "TeeML", BigInteger.valueOf(1 + i), BigInteger.valueOf(2 + i), "", teeAddress),
                        INFERENCE_STAKES[i]).send();
                ownerInference.acknowledgeTEESignerByOwner(c.getAddress()).send();
                InferenceServing.Service svc = inf.getService(c.getAddress()).send();
                if (!svc.teeSignerAcknowledged || !svc.teeSignerAddress.equalsIgnoreCase(teeAddress)) {
                    throw new IllegalStateException("setup: TEE signer of provider " + i + " not acknowledged");
                }
                if (i < FINE_TUNING_STAKES.length) {
                    d.fineTuning(c).addOrUpdateService("https://ft" + i + ".invalid",
                            new FineTuningServing.Quota(BigInteger.valueOf(8), BigInteger.valueOf(32), BigInteger.ONE,
                                    BigInteger.valueOf(50_000), "H100"),
                            BigInteger.ONE, false, List.of("model-" + i), teeAddress, FINE_TUNING_STAKES[i]).send();
                    ownerFineTuning.acknowledgeTEESignerByOwner(c.getAddress()).send();
                    ftStakes = ftStakes.add(FINE_TUNING_STAKES[i]);
                }
            }
            stakes.put(Svc.INFERENCE, INFERENCE_STAKES[0].add(INFERENCE_STAKES[1]).add(INFERENCE_STAKES[2]));
            stakes.put(Svc.FINE_TUNING, ftStakes);
            domain = Eip712Domain.inference(d.chain().chainId(), serviceAddress.get(Svc.INFERENCE));

            LedgerManager anyLedger = userLedger.get(0);
            BigInteger minAccount = anyLedger.MIN_ACCOUNT_BALANCE().send();
            BigInteger minTransfer = anyLedger.MIN_TRANSFER_AMOUNT().send();
            if (!minAccount.equals(Units.og(3)) || !minTransfer.equals(Units.og(1))) {
                throw new IllegalStateException("expected mainnet minimums 3/1 0G, got " + minAccount + "/" + minTransfer);
            }
            Map<Svc, Long> lock = new EnumMap<>(Svc.class);
            lock.put(Svc.INFERENCE, ownerInference.lockTime().send().longValueExact());
            lock.put(Svc.FINE_TUNING, ownerFineTuning.lockTime().send().longValueExact());
            if (lock.get(Svc.INFERENCE) != DevnetConfig.MIN_LOCK_TIME || lock.get(Svc.FINE_TUNING) != DevnetConfig.MIN_LOCK_TIME) {
                throw new IllegalStateException("lock times " + lock);
            }
            List<String> tracked = new ArrayList<>(users);
            tracked.addAll(providers);
            tracked.add(ledgerAddress);
            tracked.addAll(serviceAddress.values());
            reader = new InvariantChainReader(d.chain().web3j(), ledgerAddress, serviceAddress.get(Svc.INFERENCE),
                    serviceAddress.get(Svc.FINE_TUNING), users, providers, tracked);
            model = new InvariantModel(users, providers, ledgerAddress, serviceAddress, minAccount, minTransfer, lock);
            // From here on every block is mined exactly one second after the previous one, so a
            // transaction's timestamp is known before it is sent (MineAt still jumps with
            // evm_setNextBlockTimestamp); evm_revert rewinds the clock with the chain.
            HttpService rpc = new HttpService(d.rpcUrl());
            DevChain.ObjectResponse r = new Request<>("anvil_setBlockTimestampInterval", List.of(1), rpc,
                    DevChain.ObjectResponse.class).send();
            if (r.hasError()) {
                throw new IllegalStateException("anvil_setBlockTimestampInterval: " + r.getError().getMessage());
            }
        }

        private InvariantTxManager txManager(Credentials c) {
            InvariantTxManager m = new InvariantTxManager(devnet.chain().web3j(), c, devnet.chain().chainId(),
                    devnet.chain().decoder());
            txManagers.add(m);
            return m;
        }

        /** After evm_revert the nonces on chain went back; forget the cached ones. */
        void chainReverted() {
            txManagers.forEach(InvariantTxManager::forgetNonce);
        }

        private static ECKeyPair key(String seed) {
            return ECKeyPair.create(Numeric.toBigInt(Hash.sha3(seed.getBytes(StandardCharsets.UTF_8))));
        }

        /** Sends the action (mined at latest + 1 by the block interval); MineAt mines an empty block at its time. */
        Result send(Action action) throws Exception {
            if (action instanceof MineAt m) {
                devnet.chain().setNextBlockTimestamp(m.timestamp());
                devnet.chain().mine();
                return new Result(null, null);
            }
            try {
                TransactionReceipt r;
                if (action instanceof CallAddLedger x) {
                    r = userLedger.get(x.user()).addLedger(x.info(), x.value()).send();
                } else if (action instanceof CallDeposit x) {
                    r = userLedger.get(x.user()).depositFund(x.value()).send();
                } else if (action instanceof CallDepositFor x) {
                    r = userLedger.get(x.from()).depositFundFor(users.get(x.recipient()), x.value()).send();
                } else if (action instanceof CallTransfer x) {
                    r = userLedger.get(x.user()).transferFund(providers.get(x.provider()), serviceName.get(x.svc()),
                            x.amount()).send();
                } else if (action instanceof CallRetrieve x) {
                    r = userLedger.get(x.user()).retrieveFund(x.providers().stream().map(providers::get).toList(),
                            serviceName.get(x.svc())).send();
                } else if (action instanceof CallRefund x) {
                    r = userLedger.get(x.user()).refund(x.amount()).send();
                } else if (action instanceof CallDeleteLedger x) {
                    r = userLedger.get(x.user()).deleteLedger().send();
                } else if (action instanceof CallUnacknowledge x) {
                    r = userInference.get(x.user()).acknowledgeTEESigner(providers.get(x.provider()), false).send();
                } else {
                    CallSettle x = (CallSettle) action;
                    r = providerInference.get(x.provider()).settleFeesWithTEE(settlementData(x)).send();
                }
                return new Result(r, null);
            } catch (ContractRevertException e) {
                return new Result(null, e.revert());
            }
        }

        private List<InferenceServing.TEESettlementData> settlementData(CallSettle st) {
            List<InferenceServing.TEESettlementData> out = new ArrayList<>();
            for (int i = 0; i < st.items().size(); i++) {
                SettleItem it = st.items().get(i);
                String user = users.get(it.user());
                String provider = providers.get(it.providerField());
                byte[] requestsHash = Hash.sha3(("requests-" + i + "-" + it.nonce()).getBytes(StandardCharsets.UTF_8));
                byte[] digest = new TeeSettlement(requestsHash, it.nonce(), provider, user, it.fee()).digest(domain);
                byte[] sig = DigestSigner.sign(digest, it.wrongSigner() ? wrongKey : teeKeys.get(st.provider()));
                out.add(new InferenceServing.TEESettlementData(user, provider, it.fee(), requestsHash, it.nonce(), sig));
            }
            return out;
        }
    }

    // ------------------------------------------------------------------ coverage statistics

    private static final class Stats {
        final AtomicLong sequences = new AtomicLong();
        final AtomicLong ops = new AtomicLong();
        long sendNanos;
        long readNanos;
        final Map<String, long[]> byCall = new TreeMap<>();
        final Map<String, Long> reverts = new TreeMap<>();
        final Map<Integer, Long> statuses = new TreeMap<>();
        long collectedRefunds;
        long unlockSecondHits;
        long secondBeforeUnlock;
        long cancelledRefunds;
        long settlementsIntoRefunds;
        long ledgerDeletions;
        long tooManyRefunds;
        long setupMillis;
        final long started = System.nanoTime();

        synchronized void time(long send, long read) {
            sendNanos += send;
            readNanos += read;
        }

        synchronized void record(Action a, Outcome predicted, Result r, InvariantState pre, Fixture fx) {
            ops.incrementAndGet();
            String kind = a.getClass().getSimpleName();
            long[] c = byCall.computeIfAbsent(kind, k -> new long[2]);
            c[r.revert == null ? 0 : 1]++;
            if (r.revert != null) {
                reverts.merge(kind + ":" + r.revert.name(), 1L, Long::sum);
                if ("TooManyRefunds".equals(r.revert.name())) {
                    tooManyRefunds++;
                }
                return;
            }
            Succeeds ok = (Succeeds) predicted;
            long now = pre.timestamp + 1;
            if (a instanceof CallRetrieve x) {
                for (int pi : x.providers()) {
                    SubAccount acct = pre.account(x.svc(), fx.users.get(x.user()), fx.providers.get(pi));
                    if (acct == null) {
                        continue;
                    }
                    for (RefundView rf : acct.refunds()) {
                        long unlock = rf.createdAt().longValueExact() + DevnetConfig.MIN_LOCK_TIME;
                        if (now == unlock) {
                            unlockSecondHits++;
                        } else if (now == unlock - 1) {
                            secondBeforeUnlock++;
                        }
                    }
                }
                String u = fx.users.get(x.user());
                if (!ok.expected().ledgers.get(u).available().equals(pre.ledgers.get(u).available())) {
                    collectedRefunds++;
                }
            } else if (a instanceof CallTransfer x) {
                SubAccount acct = pre.account(x.svc(), fx.users.get(x.user()), fx.providers.get(x.provider()));
                if (acct != null && acct.pendingRefund().signum() > 0 && x.amount().signum() > 0) {
                    cancelledRefunds++;
                }
            } else if (a instanceof CallSettle x) {
                for (int i = 0; i < ok.results().size(); i++) {
                    SettleResult res = ok.results().get(i);
                    statuses.merge(res.status(), 1L, Long::sum);
                    SubAccount acct = pre.account(Svc.INFERENCE, res.user(), fx.providers.get(x.provider()));
                    if (res.status() <= InvariantModel.PARTIAL && acct != null
                            && x.items().get(i).fee().subtract(res.unsettled()).compareTo(acct.free()) > 0
                            && acct.pendingRefund().signum() > 0) {
                        settlementsIntoRefunds++;
                    }
                }
            }
            if (ok.expected().ledgers.size() < pre.ledgers.size()) {
                ledgerDeletions++;
            }
        }

        synchronized String report() {
            StringBuilder b = new StringBuilder("[invariant] LedgerInvariantProperties: ").append(sequences).append(" sequences, ")
                    .append(ops).append(" calls checked in ").append((System.nanoTime() - started) / 1_000_000).append(" ms (setup ")
                    .append(setupMillis).append(" ms; sending ").append(sendNanos / 1_000_000).append(" ms, reading state ")
                    .append(readNanos / 1_000_000).append(" ms)");
            byCall.forEach((k, v) -> b.append("\n  ").append(k).append(": ").append(v[0]).append(" ok, ").append(v[1]).append(" reverted"));
            b.append("\n  reverts: ").append(reverts);
            b.append("\n  settlement statuses (0 SUCCESS, 1 PARTIAL, 2 MISMATCH, 3 NOT ACKNOWLEDGED, 4 NONCE, 5 SIGNATURE/NO ACCOUNT): ").append(statuses);
            b.append("\n  retrieveFund collecting matured refunds: ").append(collectedRefunds)
                    .append(", on the exact unlock second: ").append(unlockSecondHits)
                    .append(", one second early: ").append(secondBeforeUnlock)
                    .append("\n  transfers cancelling pending refunds: ").append(cancelledRefunds)
                    .append(", settlements eating into refunds: ").append(settlementsIntoRefunds)
                    .append(", ledger deletions: ").append(ledgerDeletions)
                    .append(", TooManyRefunds: ").append(tooManyRefunds);
            return b.toString();
        }
    }
}
