package zg.compute.devnet.contracts;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import zg.compute.devnet.contracts.InvariantOps.Svc;

/**
 * Everything the invariant property looks at after an op, in one comparable value: the latest block
 * time, every ledger (from getAllLedgers), every sub-account of the test users on both services
 * (from getAccountsByUser; refunds cut to the valid prefix) and the ETH balances of the tracked
 * wallets and contracts. Addresses are lower-case. Mutable so {@link InvariantModel} can derive the
 * expected next state from a {@link #copy()}.
 */
final class InvariantState {

    record LedgerView(BigInteger available, BigInteger total, String info) {
    }

    record RefundView(BigInteger index, BigInteger amount, BigInteger createdAt) {
    }

    /** A sub-account; {@code refunds} is refunds[0, validRefundsLength). */
    record SubAccount(BigInteger nonce, BigInteger balance, BigInteger pendingRefund, List<RefundView> refunds,
            String info, boolean acknowledged) {

        SubAccount {
            refunds = List.copyOf(refunds);
        }

        BigInteger free() {
            return balance.subtract(pendingRefund);
        }

        SubAccount with(BigInteger newBalance, BigInteger newPending, List<RefundView> newRefunds) {
            return new SubAccount(nonce, newBalance, newPending, newRefunds, info, acknowledged);
        }

        SubAccount withNonce(BigInteger n) {
            return new SubAccount(n, balance, pendingRefund, refunds, info, acknowledged);
        }

        SubAccount withAcknowledged() {
            return new SubAccount(nonce, balance, pendingRefund, refunds, info, true);
        }
    }

    long timestamp;
    final TreeMap<String, LedgerView> ledgers = new TreeMap<>();
    /** service → user → provider → sub-account; users without sub-accounts are absent. */
    final EnumMap<Svc, TreeMap<String, TreeMap<String, SubAccount>>> accounts = new EnumMap<>(Svc.class);
    final TreeMap<String, BigInteger> eth = new TreeMap<>();

    InvariantState() {
        for (Svc s : Svc.values()) {
            accounts.put(s, new TreeMap<>());
        }
    }

    InvariantState copy() {
        InvariantState c = new InvariantState();
        c.timestamp = timestamp;
        c.ledgers.putAll(ledgers);
        accounts.forEach((svc, byUser) -> byUser.forEach((u, byProvider) -> c.accounts.get(svc).put(u, new TreeMap<>(byProvider))));
        c.eth.putAll(eth);
        return c;
    }

    SubAccount account(Svc svc, String user, String provider) {
        Map<String, SubAccount> m = accounts.get(svc).get(user);
        return m == null ? null : m.get(provider);
    }

    Map<String, SubAccount> accountsOf(Svc svc, String user) {
        Map<String, SubAccount> m = accounts.get(svc).get(user);
        return m == null ? Map.of() : m;
    }

    void putAccount(Svc svc, String user, String provider, SubAccount a) {
        accounts.get(svc).computeIfAbsent(user, k -> new TreeMap<>()).put(provider, a);
    }

    void removeAllAccounts(String user) {
        for (Svc s : Svc.values()) {
            accounts.get(s).remove(user);
        }
    }

    void addEth(String address, BigInteger delta) {
        eth.merge(address, delta, BigInteger::add);
    }

    BigInteger totalEth() {
        return eth.values().stream().reduce(BigInteger.ZERO, BigInteger::add);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InvariantState s && timestamp == s.timestamp && ledgers.equals(s.ledgers)
                && accounts.equals(s.accounts) && eth.equals(s.eth);
    }

    @Override
    public int hashCode() {
        return Objects.hash(timestamp, ledgers, accounts, eth);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("t=").append(timestamp);
        ledgers.forEach((u, l) -> b.append("\n  ledger ").append(u).append(' ').append(l));
        accounts.forEach((svc, byUser) -> byUser.forEach((u, byP) -> byP.forEach((p, a) ->
                b.append("\n  ").append(svc).append(' ').append(u).append("→").append(p).append(' ').append(a))));
        eth.forEach((a, v) -> b.append("\n  eth ").append(a).append(' ').append(v));
        return b.toString();
    }

    /** The fields that differ between {@code expected} (this) and {@code actual}. */
    String diff(InvariantState actual) {
        List<String> out = new ArrayList<>();
        if (timestamp != actual.timestamp) {
            out.add("timestamp: expected " + timestamp + ", actual " + actual.timestamp);
        }
        diffMap("ledger ", ledgers, actual.ledgers, out);
        for (Svc s : Svc.values()) {
            TreeSet<String> users = new TreeSet<>(accounts.get(s).keySet());
            users.addAll(actual.accounts.get(s).keySet());
            for (String u : users) {
                diffMap(s + " " + u + "→", accountsOf(s, u), actual.accountsOf(s, u), out);
            }
        }
        diffMap("eth ", eth, actual.eth, out);
        return String.join("\n  ", out);
    }

    private static <V> void diffMap(String label, Map<String, V> expected, Map<String, V> actual, List<String> out) {
        TreeSet<String> keys = new TreeSet<>(expected.keySet());
        keys.addAll(actual.keySet());
        for (String k : keys) {
            V e = expected.get(k);
            V a = actual.get(k);
            if (!Objects.equals(e, a)) {
                out.add(label + k + ": expected " + e + ", actual " + a);
            }
        }
    }
}
