package zg.compute.devnet.contracts;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;
import zg.compute.protocol.units.Units;

/**
 * The random operations of {@link LedgerInvariantProperties}. An op is a state-independent
 * description (who, which service, how an amount is derived); {@link InvariantModel#plan} turns it
 * into concrete call arguments against the current chain state, so most ops stay meaningful whatever
 * happened before them, and the printed sequence of a failing sample reads as a script.
 */
final class InvariantOps {

    static final int USERS = 3;
    static final int PROVIDERS = 3;

    private InvariantOps() {
    }

    enum Svc { INFERENCE, FINE_TUNING }

    /** What an {@link Amount} is relative to; resolved against the state when the op runs. */
    enum Base {
        /** just {@code extra} */
        FIXED,
        /** the user's ledger availableBalance */
        AVAILABLE,
        /** the target sub-account's pendingRefund (0 if there is none) */
        PENDING,
        /** the target sub-account's balance (0 if there is none) */
        BALANCE,
        /** the target sub-account's free pool, balance − pendingRefund (0 if there is none) */
        FREE
    }

    /** {@code max(0, base × permille / 1000 + extra)}, in neuron. */
    record Amount(Base base, int permille, BigInteger extra) {

        static Amount fixed(BigInteger wei) {
            return new Amount(Base.FIXED, 0, wei);
        }

        static Amount of(Base base, int permille, BigInteger extra) {
            return new Amount(base, permille, extra);
        }

        BigInteger resolve(BigInteger baseValue) {
            BigInteger v = base == Base.FIXED ? BigInteger.ZERO
                    : baseValue.multiply(BigInteger.valueOf(permille)).divide(BigInteger.valueOf(1000));
            v = v.add(extra);
            return v.signum() < 0 ? BigInteger.ZERO : v;
        }

        @Override
        public String toString() {
            String x = og(extra);
            if (base == Base.FIXED) {
                return x;
            }
            String b = base + (permille == 1000 ? "" : "×" + BigDecimal.valueOf(permille, 3).stripTrailingZeros().toPlainString());
            return extra.signum() == 0 ? b : b + (extra.signum() > 0 ? "+" : "") + x;
        }
    }

    static String og(BigInteger wei) {
        if (wei.abs().compareTo(BigInteger.valueOf(1_000_000)) < 0) {
            return wei + "wei";
        }
        return Units.neuronToOg(wei).stripTrailingZeros().toPlainString() + " 0G";
    }

    sealed interface Op permits AddLedger, Deposit, DepositFor, Transfer, Retrieve, Refund, DeleteLedger, Settle,
            TimeTravel, TimeToMaturity, Churn, SpendAll, Unacknowledge {
    }

    /** addLedger("info-u&lt;user&gt;") with value. */
    record AddLedger(int user, Amount value) implements Op {
    }

    /** depositFund() with value (auto-creates the ledger). */
    record Deposit(int user, Amount value) implements Op {
    }

    /** depositFundFor(recipient) sent by another user. */
    record DepositFor(int from, int recipient, Amount value) implements Op {
    }

    /**
     * transferFund(provider, service, amount); PENDING/BALANCE/FREE refer to (user, provider) on svc.
     * Ops with {@code anyUser == false} pick {@code user} among the users that own a ledger (if any).
     */
    record Transfer(int user, boolean anyUser, int provider, Svc svc, Amount amount) implements Op {
    }

    /**
     * retrieveFund(providers in mask order [+ the first again], service). Unless {@code anyUser}, the
     * user is picked among those with sub-accounts on the service, and a mask that hits none of the
     * user's providers is replaced by all of them.
     */
    record Retrieve(int user, boolean anyUser, Svc svc, int providerMask, boolean duplicateFirst) implements Op {
    }

    /** refund(amount) to the wallet; AVAILABLE×1 is "everything available". */
    record Refund(int user, boolean anyUser, Amount amount) implements Op {
    }

    record DeleteLedger(int user) implements Op {
    }

    /**
     * The user calls InferenceServing.acknowledgeTEESigner(provider, false); unless {@code anyUser},
     * (user, provider) is picked among inference sub-accounts with balance 0 (else any existing one).
     * Settling an unacknowledged account yields NO_TEE_SIGNER; the next transferFund re-acknowledges.
     */
    record Unacknowledge(int user, boolean anyUser, int provider) implements Op {
    }

    /**
     * Provider calls settleFeesWithTEE with TEE-signed items; unless {@code anyProvider}, the
     * provider is picked among those that have inference sub-accounts (if any).
     */
    record Settle(int provider, boolean anyProvider, List<Item> items) implements Op {
    }

    enum Fault { NONE, WRONG_SIGNER, PROVIDER_MISMATCH }

    /**
     * One settlement. Unless {@code anyUser}, {@code user} picks among the users that have an inference
     * sub-account with the provider (if any), so most items hit a live account. The fee is resolved
     * against (user, provider)'s inference sub-account; the
     * nonce is the last accepted nonce of the pair plus {@code nonceStep} (≤ 0 means a replayed or
     * stale nonce).
     */
    record Item(int user, boolean anyUser, Amount fee, int nonceStep, Fault fault) {
    }

    /** Mines a block {@code seconds} later than the latest one. */
    record TimeTravel(long seconds) implements Op {
    }

    /**
     * Moves time so that the next transaction lands exactly at the oldest unmatured refund's unlock
     * second + offset (−1, 0, +1); with {@code retrieve}, that refund's owner then calls retrieveFund
     * for its provider (two calls, each checked).
     */
    record TimeToMaturity(int offset, boolean retrieve) implements Op {
    }

    /**
     * Drives a ledger to totalBalance 0: transferFund(provider, inference, everything available), then
     * every provider holding an inference sub-account of the user settles balance + 1 0G (PARTIAL),
     * then deleteLedger — which soft-deletes the (now empty) sub-accounts; their nonces must survive.
     */
    record SpendAll(int user, boolean anyUser, int provider) implements Op {
    }

    /**
     * {@code rounds} × (transferFund of the newest refund × permille — 1 0G when nothing is pending — then
     * retrieveFund([provider])) on one sub-account: each top-up cancels part of the newest refund and
     * the retrieve turns it into a new refund, so refunds pile up towards the limit of 5
     * (TooManyRefunds). Unless {@code anyUser}, (user, provider) is picked among existing sub-accounts.
     */
    record Churn(int user, boolean anyUser, int provider, Svc svc, int rounds, int permille) implements Op {
    }

    // ------------------------------------------------------------------ generators

    static final BigInteger ONE = Units.og(1);

    /** A sequence: {@code opening} deposit-like ops (so most users own a ledger early), then random ops. */
    static Arbitrary<List<Op>> sequence(int opening, int size) {
        Arbitrary<Op> first = Arbitraries.frequencyOf(Tuple.of(2, addLedger()), Tuple.of(2, deposit()), Tuple.of(1, depositFor()));
        return Combinators.combine(first.list().ofSize(opening), op().list().ofSize(size - opening)).as((a, b) -> {
            List<Op> all = new java.util.ArrayList<>(a);
            all.addAll(b);
            return List.copyOf(all);
        });
    }

    static Arbitrary<Op> op() {
        return Arbitraries.frequencyOf(
                Tuple.of(5, addLedger()),
                Tuple.of(7, deposit()),
                Tuple.of(2, depositFor()),
                Tuple.of(26, transfer()),
                Tuple.of(16, retrieve()),
                Tuple.of(8, refund()),
                Tuple.of(18, settle()),
                Tuple.of(10, timeTravel()),
                Tuple.of(6, timeToMaturity()),
                Tuple.of(2, deleteLedger()),
                Tuple.of(3, churn()),
                Tuple.of(2, spendAll()),
                Tuple.of(3, unacknowledge()));
    }

    private static Arbitrary<Op> unacknowledge() {
        return Combinators.combine(user(), anyUser(), provider()).as(Unacknowledge::new);
    }

    private static Arbitrary<Op> spendAll() {
        return Combinators.combine(user(), anyUser(), provider()).as(SpendAll::new);
    }

    private static Arbitrary<Op> churn() {
        return Combinators.combine(user(), anyUser(), provider(), svc(), Arbitraries.integers().between(1, 6),
                Arbitraries.of(250, 500, 900)).as(Churn::new);
    }

    private static Arbitrary<Integer> user() {
        return Arbitraries.integers().between(0, USERS - 1);
    }

    /** Mostly false: most ops act on a user for whom they can work. */
    private static Arbitrary<Boolean> anyUser() {
        return Arbitraries.frequency(Tuple.of(5, false), Tuple.of(1, true));
    }

    private static Arbitrary<Integer> provider() {
        return Arbitraries.integers().between(0, PROVIDERS - 1);
    }

    private static Arbitrary<Svc> svc() {
        return Arbitraries.frequency(Tuple.of(3, Svc.INFERENCE), Tuple.of(1, Svc.FINE_TUNING));
    }

    /** Amounts between lo and hi 0G in steps of 0.001 0G. */
    private static Arbitrary<BigInteger> ogBetween(long loMilli, long hiMilli) {
        return Arbitraries.longs().between(loMilli, hiMilli)
                .withDistribution(RandomDistribution.uniform())
                .map(m -> BigInteger.valueOf(m).multiply(BigInteger.TEN.pow(15)));
    }

    private static Arbitrary<Amount> depositAmount() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of(Units.og(3), Units.og(5), Units.og(10), Units.og(20)).map(Amount::fixed)),
                Tuple.of(1, Arbitraries.of(BigInteger.ZERO, BigInteger.ONE, Units.parseOg("0.5"),
                        Units.og(3).subtract(BigInteger.ONE)).map(Amount::fixed)),
                Tuple.of(4, ogBetween(1, 60_000).map(Amount::fixed)));
    }

    private static Arbitrary<Op> addLedger() {
        return Combinators.combine(user(), depositAmount()).as(AddLedger::new);
    }

    private static Arbitrary<Op> deposit() {
        return Combinators.combine(user(), depositAmount()).as(Deposit::new);
    }

    private static Arbitrary<Op> depositFor() {
        return Combinators.combine(user(), Arbitraries.integers().between(1, USERS - 1), depositAmount())
                .as((from, shift, v) -> new DepositFor(from, (from + shift) % USERS, v));
    }

    private static Arbitrary<Amount> transferAmount() {
        return Arbitraries.frequencyOf(
                Tuple.of(2, Arbitraries.of(ONE, Units.og(2), Units.parseOg("0.5"), ONE.subtract(BigInteger.ONE),
                        BigInteger.ZERO, BigInteger.ONE).map(Amount::fixed)),
                Tuple.of(5, ogBetween(1_000, 15_000).map(Amount::fixed)),
                Tuple.of(2, Arbitraries.of(250, 500, 1000).map(p -> Amount.of(Base.AVAILABLE, p, BigInteger.ZERO))),
                Tuple.of(1, Arbitraries.just(Amount.of(Base.AVAILABLE, 1000, BigInteger.ONE))),
                Tuple.of(2, Combinators.combine(Arbitraries.of(500, 1000), Arbitraries.of(BigInteger.ZERO, ONE))
                        .as((p, x) -> Amount.of(Base.PENDING, p, x))));
    }

    private static Arbitrary<Op> transfer() {
        return Combinators.combine(user(), anyUser(), provider(), svc(), transferAmount()).as(Transfer::new);
    }

    private static Arbitrary<Op> retrieve() {
        return Combinators.combine(user(), anyUser(), svc(),
                Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(0)), Tuple.of(12, Arbitraries.integers().between(1, 7))),
                Arbitraries.frequency(Tuple.of(9, false), Tuple.of(1, true)))
                .as(Retrieve::new);
    }

    private static Arbitrary<Amount> refundAmount() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.just(Amount.of(Base.AVAILABLE, 1000, BigInteger.ZERO))),
                Tuple.of(2, Arbitraries.of(Units.parseOg("2.5").negate(), Units.og(-3), BigInteger.ONE.negate())
                        .map(x -> Amount.of(Base.AVAILABLE, 1000, x))),
                Tuple.of(2, ogBetween(0, 10_000).map(Amount::fixed)),
                Tuple.of(1, Arbitraries.just(Amount.of(Base.AVAILABLE, 1000, BigInteger.ONE))),
                Tuple.of(1, Arbitraries.just(Amount.fixed(BigInteger.ZERO))));
    }

    private static Arbitrary<Op> refund() {
        return Combinators.combine(user(), anyUser(), refundAmount()).as(Refund::new);
    }

    private static Arbitrary<Op> deleteLedger() {
        return user().map(DeleteLedger::new);
    }

    private static Arbitrary<Amount> fee() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of(250, 500, 1000).map(p -> Amount.of(Base.BALANCE, p, BigInteger.ZERO))),
                Tuple.of(3, Arbitraries.of(BigInteger.ONE, ONE).map(x -> Amount.of(Base.BALANCE, 1000, x))),
                Tuple.of(2, Arbitraries.of(BigInteger.ZERO, Units.parseOg("0.25")).map(x -> Amount.of(Base.FREE, 1000, x))),
                Tuple.of(1, Arbitraries.of(BigInteger.ZERO, Units.parseOg("0.1")).map(Amount::fixed)),
                Tuple.of(1, ogBetween(1, 5_000).map(Amount::fixed)));
    }

    private static Arbitrary<Item> item() {
        return Combinators.combine(user(), anyUser(), fee(),
                Arbitraries.frequencyOf(Tuple.of(9, Arbitraries.integers().between(1, 1000)),
                        Tuple.of(1, Arbitraries.of(0, -1))),
                Arbitraries.frequency(Tuple.of(12, Fault.NONE), Tuple.of(1, Fault.WRONG_SIGNER),
                        Tuple.of(1, Fault.PROVIDER_MISMATCH)))
                .as(Item::new);
    }

    private static Arbitrary<Op> settle() {
        Arbitrary<Integer> size = Arbitraries.frequency(Tuple.of(1, 0), Tuple.of(16, 1), Tuple.of(5, 2), Tuple.of(2, 3));
        return Combinators.combine(provider(), anyUser(), size.flatMap(n -> item().list().ofSize(n))).as(Settle::new);
    }

    private static Arbitrary<Op> timeTravel() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.of(1L, 60L, 1800L, 3599L, 3600L, 3601L, 7200L, 86_400L)),
                Tuple.of(1, Arbitraries.longs().between(1, 5000)))
                .map(TimeTravel::new);
    }

    private static Arbitrary<Op> timeToMaturity() {
        return Combinators.combine(Arbitraries.of(-1, 0, 1), Arbitraries.frequency(Tuple.of(3, true), Tuple.of(1, false)))
                .as(TimeToMaturity::new);
    }
}
