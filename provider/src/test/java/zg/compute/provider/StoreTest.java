package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import zg.compute.provider.Store.ItemOutcome;
import zg.compute.provider.Store.SettlementItem;
import zg.compute.provider.internal.store.JdbcStore;

/**
 * The store's contract on SQLite and on PostgreSQL. PostgreSQL runs when {@code ZG_TEST_POSTGRES_URL}
 * names a database (e.g. {@code jdbc:postgresql://127.0.0.1/postgres?user=postgres&password=…}); with
 * {@code CI=true} it must be set — CI never skips it silently.
 */
class StoreTest {

    private static final String PG = System.getenv("ZG_TEST_POSTGRES_URL");
    private static final String USER = "0xAbCdEf0000000000000000000000000000000001";

    @TempDir
    Path dir;
    private final List<Store> opened = new ArrayList<>();

    static Stream<String> backends() {
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        return PG != null || ci ? Stream.of("sqlite", "postgresql") : Stream.of("sqlite");
    }

    private Store open(String backend) throws Exception {
        return openUrl(url(backend));
    }

    /** A fresh SQLite file, or a fresh schema in the PostgreSQL database. */
    private String url(String backend) throws Exception {
        if (backend.equals("sqlite")) {
            return "jdbc:sqlite:" + dir.resolve("store-" + UUID.randomUUID() + ".db");
        }
        assertThat(PG).as("CI=true requires ZG_TEST_POSTGRES_URL").isNotNull();
        String schema = "t_" + UUID.randomUUID().toString().replace("-", "");
        try (var c = DriverManager.getConnection(PG); var st = c.createStatement()) {
            st.execute("CREATE SCHEMA " + schema);
        }
        return PG + (PG.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    /** Another store on {@code url}: on PostgreSQL, what a second broker instance of the provider is. */
    private Store openUrl(String url) {
        Store s = JdbcStore.open(url);
        opened.add(s);
        return s;
    }

    @AfterEach
    void closeAll() {
        opened.forEach(Store::close);
    }

    private static BigInteger n(long v) {
        return BigInteger.valueOf(v);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void onlyBilledRowsCountAsUnsettled(String backend) throws Exception {
        Store s = open(backend);
        s.insertRequest("r1", USER, 1);
        s.insertRequest("r2", USER, 2);
        s.insertRequest("r3", USER, 3);
        assertThat(s.unsettledFee(USER)).as("pending rows have no fee yet").isZero();
        BigInteger big = new BigInteger("123456789012345678901234567890"); // beyond any SQL integer
        s.billRequest("r1", 10, 20, n(100), big);
        s.billRequest("r2", 1, 2, n(7), n(8));
        s.failRequest("r3");
        s.billRequest("r1", 99, 99, n(1), n(1)); // billing is once only
        assertThat(s.unsettledFee(USER.toLowerCase())).isEqualTo(big.add(n(115)));
        assertThat(s.billedTotal()).isEqualTo(big.add(n(115)));
        assertThat(s.settledTotal()).isZero();
        assertThat(s.billableRows().get(USER.toLowerCase())).extracting(Store.BillableRow::id).containsExactly("r1", "r2");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void journalPaysPartialSettlementsRowByRowInOrder(String backend) throws Exception {
        Store s = open(backend);
        assertThat(s.tryLeadSettlement()).as("journal writes need the settlement lock").isTrue();
        String u = USER.toLowerCase();
        for (int i = 1; i <= 3; i++) {
            s.insertRequest("r" + i, USER, i);
            s.billRequest("r" + i, 0, 1, BigInteger.ZERO, n(100L * i)); // fees 100, 200, 300
        }
        SettlementItem signed = new SettlementItem(0, null, u, n(5), n(600), "0x01", "0x02", "signed", null, null);
        long id = s.recordSigned(signed, List.of("r1", "r2", "r3"));
        assertThat(s.lastNonce(USER)).isEqualTo(n(5));
        assertThat(s.billableRows()).isEmpty();
        assertThat(s.unsettledFee(USER)).as("in-flight fees still count").isEqualTo(n(600));
        assertThatThrownBy(() -> s.recordSigned(signed, List.of())).hasMessageContaining("nonce must grow");

        long batch = s.recordSent(List.of(id), "0xhash", "0xraw", n(9));
        assertThat(s.batches("sent")).singleElement().satisfies(b -> {
            assertThat(b.txHash()).isEqualTo("0xhash");
            assertThat(b.walletNonce()).isEqualTo(n(9));
        });
        assertThat(s.itemsOfBatch(batch)).singleElement().extracting(SettlementItem::state).isEqualTo("sent");

        // PARTIAL: 250 of 600 settled → r1 paid, r2 paid 150 of 200, r3 unpaid.
        s.complete(batch, List.of(new ItemOutcome(id, 1, n(350))));
        assertThat(s.settledTotal()).isEqualTo(n(250));
        assertThat(s.unsettledFee(USER)).isEqualTo(n(350));
        assertThat(s.billableRows().get(u)).extracting(Store.BillableRow::id, Store.BillableRow::outstanding)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("r2", n(50)), org.assertj.core.groups.Tuple.tuple("r3", n(300)));
        assertThat(s.batches("sent")).isEmpty();
        assertThat(s.items("confirmed")).singleElement().satisfies(i -> {
            assertThat(i.status()).isEqualTo(1);
            assertThat(i.unsettled()).isEqualTo(n(350));
        });

        // The remainder, re-signed with a larger nonce, then rejected: rows come back untouched.
        long again = s.recordSigned(new SettlementItem(0, null, u, n(6), n(350), "0x03", "0x04", "signed", null, null),
                List.of("r2", "r3"));
        s.release(List.of(again), "rejected", 4);
        assertThat(s.items("rejected")).singleElement().extracting(SettlementItem::status).isEqualTo(4);
        assertThat(s.unsettledFee(USER)).isEqualTo(n(350));

        long last = s.recordSigned(new SettlementItem(0, null, u, n(7), n(350), "0x05", "0x06", "signed", null, null),
                List.of("r2", "r3"));
        long b2 = s.recordSent(List.of(last), "0xh2", "0xr2", n(10));
        s.complete(b2, List.of(new ItemOutcome(last, 0, BigInteger.ZERO)));
        assertThat(s.unsettledFee(USER)).isZero();
        assertThat(s.settledTotal()).isEqualTo(s.billedTotal()).isEqualTo(n(600));
    }

    @ParameterizedTest
    @MethodSource("backends")
    void signaturesExpire(String backend) throws Exception {
        Store s = open(backend);
        String key = UUID.randomUUID().toString();
        s.putSignature(key, "a:b", "0xsig", 10_000);
        assertThat(s.signature(key.toUpperCase(), 9_999)).hasValue(new Store.StoredSignature("a:b", "0xsig"));
        assertThat(s.signature(key, 10_001)).isEmpty();
        assertThat(s.signature("unknown", 0)).isEmpty();
    }

    /**
     * Expired signatures go in bounded steps (a step per {@link JdbcStore#SIGNATURE_PRUNE_MILLIS} at most, of at most
     * {@link JdbcStore#SIGNATURE_PRUNE_ROWS}): a table holding twenty minutes of traffic is never scanned or
     * emptied in one transaction on the writer every request waits for.
     */
    @ParameterizedTest
    @MethodSource("backends")
    void expiredSignaturesAreDeletedInBoundedSteps(String backend) throws Exception {
        String url = url(backend);
        Store s = openUrl(url);
        int expired = JdbcStore.SIGNATURE_PRUNE_ROWS + 500;
        for (int i = 0; i < expired; i++) {
            s.putSignature("old-" + i, "a:b", "0xsig", 1);
        }
        long left = expiredRows(url);
        int steps = 0;
        while (left > 0) {
            Thread.sleep(JdbcStore.SIGNATURE_PRUNE_MILLIS + 50);
            s.putSignature("live-" + steps, "a:b", "0xsig", Long.MAX_VALUE / 2);
            long now = expiredRows(url);
            assertThat(left - now).as("one step").isPositive().isLessThanOrEqualTo(JdbcStore.SIGNATURE_PRUNE_ROWS);
            left = now;
            assertThat(++steps).isLessThan(10);
        }
        assertThat(s.signature("live-0", System.currentTimeMillis())).isPresent();
    }

    private static long expiredRows(String url) throws Exception {
        try (var c = DriverManager.getConnection(url); var st = c.createStatement();
                var rs = st.executeQuery("SELECT COUNT(*) FROM response_signature WHERE expires_at < 1000")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void oneSettlementLeaderPerDatabase(String backend) throws Exception {
        String url = url(backend);
        Store first = openUrl(url);
        assertThat(first.tryLeadSettlement()).isTrue();
        if (backend.equals("postgresql")) {
            Store second = openUrl(url);
            assertThat(second.tryLeadSettlement()).isFalse();
            first.close();
            opened.remove(first);
            assertThat(second.tryLeadSettlement()).isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void concurrentFirstBillsOfOneUserAddUp(String backend) throws Exception {
        // PostgreSQL: 8 brokers on one schema; SQLite (one process per file): 8 threads on one store.
        String url = url(backend);
        List<Store> stores = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            stores.add(backend.equals("sqlite") && i > 0 ? stores.get(0) : openUrl(url));
        }
        var pool = java.util.concurrent.Executors.newFixedThreadPool(stores.size());
        try {
            for (int round = 0; round < 10; round++) {
                String user = "0x" + String.format("%040x", new BigInteger(159, new java.util.Random(round + 7L)));
                BigInteger expected = BigInteger.ZERO;
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < stores.size(); i++) {
                    String id = "r" + round + "-" + i;
                    stores.get(i).insertRequest(id, user, i);
                    ids.add(id);
                    expected = expected.add(n(1_000 + i).shiftLeft(70)); // past 64 bits
                }
                var start = new java.util.concurrent.CountDownLatch(1);
                List<java.util.concurrent.Future<?>> done = new ArrayList<>();
                for (int i = 0; i < stores.size(); i++) {
                    Store s = stores.get(i);
                    String id = ids.get(i);
                    BigInteger fee = n(1_000 + i).shiftLeft(70);
                    done.add(pool.submit(() -> {
                        start.await();
                        s.billRequest(id, 1, 1, BigInteger.ZERO, fee);
                        return null;
                    }));
                }
                start.countDown();
                for (var fu : done) {
                    fu.get(60, java.util.concurrent.TimeUnit.SECONDS);
                }
                assertThat(stores.get(0).unsettledFee(user)).as("round %d: every first bill added", round)
                        .isEqualTo(expected);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static final BigInteger OG = BigInteger.TEN.pow(18);

    @ParameterizedTest
    @MethodSource("backends")
    void reserveAdmitsWithinTheHeadroomAndRefusesBelowTheMinimum(String backend) throws Exception {
        Store s = open(backend);
        BigInteger lock = OG.multiply(n(12)); // 12 0G locked, 1 0G must stay: headroom 11 0G
        Store.Admission a = s.reserve("a", USER, OG, OG.multiply(n(4)), lock, OG, 1);
        assertThat(a).isEqualTo(new Store.Admission(true, OG.multiply(n(4)), BigInteger.ZERO, BigInteger.ZERO));
        assertThat(s.reservedFee(USER.toLowerCase())).isEqualTo(OG.multiply(n(4)));
        s.insertRequest("plain", USER, 2); // the legacy admission reserves nothing
        s.billRequest("plain", 1, 1, BigInteger.ZERO, OG.multiply(n(3)));
        // 11 − 4 reserved − 3 unsettled = 4 0G left: a desire of 10 gets 4, and the next one nothing
        Store.Admission b = s.reserve("b", USER, n(1), OG.multiply(n(10)), lock, OG, 3);
        assertThat(b.admitted()).isTrue();
        assertThat(b.reserved()).isEqualTo(OG.multiply(n(4)));
        assertThat(b.unsettled()).isEqualTo(OG.multiply(n(3)));
        assertThat(b.reservedByOthers()).isEqualTo(OG.multiply(n(4)));
        Store.Admission c = s.reserve("c", USER, n(1), n(1), lock, OG, 4);
        assertThat(c).isEqualTo(new Store.Admission(false, BigInteger.ZERO, OG.multiply(n(3)), OG.multiply(n(8))));
        assertThat(s.billableRows().get(USER.toLowerCase())).extracting(Store.BillableRow::id).containsExactly("plain");
        // a refused request left no row: billing its id changes nothing
        s.billRequest("c", 1, 1, n(5), n(5));
        assertThat(s.unsettledFee(USER)).isEqualTo(OG.multiply(n(3)));
        // a zero minimum is admitted with a zero reservation only while the headroom is not negative
        assertThat(s.reserve("d", USER, BigInteger.ZERO, n(7), lock, OG, 5).reserved()).isZero();
        assertThat(s.reserve("e", USER, BigInteger.ZERO, n(7), OG.multiply(n(10)), OG, 6).admitted()).isFalse();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void billingAndFailureReleaseTheReservation(String backend) throws Exception {
        Store s = open(backend);
        BigInteger lock = OG.multiply(n(1_000));
        BigInteger big = new BigInteger("123456789012345678901"); // past 64 bits, below the headroom
        s.reserve("a", USER, n(1), big, lock, OG, 1);
        s.reserve("b", USER, n(1), n(500), lock, OG, 2);
        s.reserve("c", USER, n(1), n(700), lock, OG, 3);
        assertThat(s.reservedFee(USER)).isEqualTo(big.add(n(1_200)));
        s.billRequest("a", 10, 20, n(100), n(200));
        assertThat(s.reservedFee(USER)).isEqualTo(n(1_200));
        assertThat(s.unsettledFee(USER)).isEqualTo(n(300));
        s.billAndSign("b", 1, 1, n(1), n(2), UUID.randomUUID().toString(), "t", "0xs", Long.MAX_VALUE);
        assertThat(s.reservedFee(USER)).isEqualTo(n(700));
        s.failRequest("c");
        assertThat(s.reservedFee(USER)).isZero();
        assertThat(s.unsettledFee(USER)).isEqualTo(n(303));
        // billing or failing twice releases nothing twice
        s.failRequest("a");
        s.billRequest("c", 1, 1, n(1), n(1));
        assertThat(s.reservedFee(USER)).isZero();
        assertThat(s.unsettledFee(USER)).isEqualTo(n(303));
        assertThat(s.billedTotal()).isEqualTo(n(303));
    }

    @ParameterizedTest
    @MethodSource("backends")
    void reserveRejectsNegativeAmountsInOneLine(String backend) throws Exception {
        Store s = open(backend);
        assertThatThrownBy(() -> s.reserve("x", USER, n(-1), n(1), OG, OG, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("reserve: minimum must be a non-negative amount, got -1");
        assertThatThrownBy(() -> s.reserve("x", USER, n(5), n(4), OG, OG, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("reserve: desired 4 is below minimum 5");
        assertThatThrownBy(() -> s.reserve("x", USER, n(0), n(4), n(-2), OG, 1))
                .hasMessage("reserve: lockBalance must be a non-negative amount, got -2");
        assertThat(s.reservedFee(USER)).isZero();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void startUpSweepsThePendingRowsOfAStoppedInstance(String backend) throws Exception {
        String url = url(backend);
        Store old = openUrl(url);
        old.reserve("in-flight", USER, n(1), n(1_000), OG, BigInteger.ZERO, 1);
        old.insertRequest("legacy", USER, 2);
        old.reserve("done", USER, n(1), n(10), OG, BigInteger.ZERO, 3);
        old.billRequest("done", 1, 1, n(2), n(3));
        old.close(); // stopped with two requests in flight
        Store next = openUrl(url);
        next.reserve("mine", USER, n(1), n(40), OG, BigInteger.ZERO, 4);
        // SQLite keeps a reservation in memory until its request is billed: the in-flight request left no row
        assertThat(next.sweepPending(Duration.ofSeconds(30))).isEqualTo(backend.equals("sqlite") ? 1 : 2);
        assertThat(next.reservedFee(USER)).as("only the live request's reservation is left").isEqualTo(n(40));
        next.billRequest("in-flight", 1, 1, n(100), n(100)); // the old instance's answer comes too late
        assertThat(next.unsettledFee(USER)).isEqualTo(n(5));
        assertThat(next.sweepPending(Duration.ZERO)).as("its own rows are never swept").isZero();
        next.billRequest("mine", 1, 1, n(10), n(10));
        assertThat(next.unsettledFee(USER)).isEqualTo(n(25));
        assertThat(next.reservedFee(USER)).isZero();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void aLiveInstancesPendingRowsAreSweptOnlyOnceItsHeartbeatIsStale(String backend) throws Exception {
        if (!backend.equals("postgresql")) {
            return; // several live instances on one database exist only on PostgreSQL
        }
        String url = url(backend);
        Store a = openUrl(url);
        Store b = openUrl(url);
        a.reserve("a1", USER, n(1), n(300), OG, BigInteger.ZERO, 1);
        a.insertRequest("a2", USER, 2);
        assertThat(b.sweepPending(Duration.ofSeconds(30))).as("a is alive").isZero();
        assertThat(b.reservedFee(USER)).isEqualTo(n(300));
        Thread.sleep(1_200);
        b.heartbeat();
        assertThat(b.sweepPending(Duration.ofSeconds(1))).as("a has not beaten for over 1 s").isEqualTo(2);
        assertThat(b.reservedFee(USER)).isZero();
        a.heartbeat(); // a was only slow: its late bill is refused, never counted twice
        a.billRequest("a1", 1, 1, n(1), n(1));
        assertThat(a.unsettledFee(USER)).isZero();
        assertThat(a.sweepPending(Duration.ofSeconds(1))).as("b beats").isZero();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void pruningFinishedRowsKeepsTheTotalsExact(String backend) throws Exception {
        Store s = open(backend);
        assertThat(s.tryLeadSettlement()).isTrue();
        String u = USER.toLowerCase();
        BigInteger big = new BigInteger("98765432109876543210987");
        for (int i = 1; i <= 5; i++) {
            s.insertRequest("r" + i, USER, i);
        }
        s.billRequest("r1", 1, 1, n(10), big);
        s.billRequest("r2", 1, 1, n(20), n(20));
        s.billRequest("r3", 1, 1, n(30), n(30));
        s.failRequest("r4");
        s.billRequest("r5", 1, 1, n(50), n(50));
        BigInteger billed = big.add(n(210));
        long item = s.recordSigned(new SettlementItem(0, null, u, n(1), big.add(n(50)), "0x1", "0x2", "signed", null, null),
                List.of("r1", "r2"));
        long batch = s.recordSent(List.of(item), "0xh", "0xr", n(1));
        s.complete(batch, List.of(new ItemOutcome(item, 0, BigInteger.ZERO)));
        BigInteger settled = big.add(n(50));
        assertThat(s.billedTotal()).isEqualTo(billed);
        assertThat(s.settledTotal()).isEqualTo(settled);

        assertThat(s.pruneFinished(2)).as("only r1 is finished and created before 2").isEqualTo(1);
        assertThat(s.billedTotal()).isEqualTo(billed);
        assertThat(s.settledTotal()).isEqualTo(settled);
        assertThat(s.pruneFinished(100)).as("r2 settled, r4 failed; r3 and r5 are unsettled").isEqualTo(2);
        assertThat(s.pruneFinished(100)).isZero();
        assertThat(s.billedTotal()).isEqualTo(billed);
        assertThat(s.settledTotal()).isEqualTo(settled);
        assertThat(s.unsettledFee(USER)).isEqualTo(n(160));
        assertThat(s.billableRows().get(u)).extracting(Store.BillableRow::id).containsExactly("r3", "r5");
        long again = s.recordSigned(new SettlementItem(0, null, u, n(2), n(160), "0x3", "0x4", "signed", null, null),
                List.of("r3", "r5"));
        long b2 = s.recordSent(List.of(again), "0xh2", "0xr2", n(2));
        s.complete(b2, List.of(new ItemOutcome(again, 0, BigInteger.ZERO)));
        assertThat(s.pruneFinished(100)).isEqualTo(2);
        assertThat(s.settledTotal()).isEqualTo(s.billedTotal()).isEqualTo(billed);
        assertThat(s.unsettledFee(USER)).isZero();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void journalWritesNeedTheSettlementLockAndStopOnceItIsLost(String backend) throws Exception {
        String url = url(backend);
        Store a = openUrl(url);
        String u = USER.toLowerCase();
        for (int i = 1; i <= 3; i++) {
            a.insertRequest("r" + i, USER, i);
            a.billRequest("r" + i, 0, 1, BigInteger.ZERO, n(10));
        }
        assertThat(a.tryLeadSettlement()).isTrue();
        long first = a.recordSigned(item(u, 1), List.of("r1"));
        if (!backend.equals("postgresql")) {
            assertThat(first).isPositive(); // SQLite: one process per file, it always leads
            return;
        }
        Store b = openUrl(url);
        assertThat(b.tryLeadSettlement()).isFalse();
        assertThatThrownBy(() -> b.recordSigned(item(u, 2), List.of("r2")))
                .isInstanceOf(Store.NotSettlementLeader.class).hasMessageContaining("does not hold the settlement lock");

        // Another instance bumped the fencing epoch (as a successor does on taking the lock): a stale
        // leader's write is refused even though its own lock connection looks fine.
        try (var c = DriverManager.getConnection(url); var st = c.createStatement()) {
            st.executeUpdate("UPDATE settlement_leader SET epoch = epoch + 1, holder = 'someone-else'");
        }
        assertThatThrownBy(() -> a.recordSent(List.of(first), "0xh", "0xr", n(1)))
                .isInstanceOf(Store.NotSettlementLeader.class).hasMessageContaining("someone-else leads settlement now");
        assertThat(a.tryLeadSettlement()).as("it re-takes the lock (and a new epoch)").isTrue();
        a.recordSent(List.of(first), "0xh", "0xr", n(1));

        // The lock connection dies: no more journal writes, the other instance takes over.
        try (var c = DriverManager.getConnection(PG); var ps = c.prepareStatement("SELECT pg_terminate_backend(pid)"
                + " FROM pg_stat_activity WHERE application_name = ?")) {
            ps.setString(1, "zg-broker settlement-lock " + a.instanceId());
            try (var rs = ps.executeQuery()) {
                assertThat(rs.next()).as("the lock connection is named after its instance").isTrue();
            }
        }
        Thread.sleep(200);
        assertThatThrownBy(() -> a.recordSigned(item(u, 3), List.of("r2")))
                .isInstanceOf(Store.NotSettlementLeader.class).hasMessageContaining("lost the settlement lock");
        long deadline = System.currentTimeMillis() + 10_000;
        while (!b.tryLeadSettlement()) {
            assertThat(System.currentTimeMillis()).isLessThan(deadline);
            Thread.sleep(50);
        }
        assertThat(a.tryLeadSettlement()).isFalse();
        assertThat(b.recordSigned(item(u, 3), List.of("r2"))).isPositive();
        assertThat(a.unsettledFee(USER)).as("the pool of the old leader still serves").isEqualTo(n(30));
    }

    private static SettlementItem item(String user, long nonce) {
        return new SettlementItem(0, null, user, n(nonce), n(10), "0x0" + nonce, "0x1" + nonce, "signed", null, null);
    }
}
