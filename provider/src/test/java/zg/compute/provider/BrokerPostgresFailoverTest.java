package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.Credentials;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.provider.internal.settlement.SettlementFault;

/**
 * The broker on PostgreSQL under paid load while the database drops every connection (and, where
 * {@code ZG_TEST_POSTGRES_RESTART} names a command that restarts the server, really restarts), and two
 * brokers of one provider on one schema losing and handing over settlement leadership. Every time:
 * the brokers serve again within 30 s, and at the end the chain charged exactly what was billed, each
 * fee once. PostgreSQL only: it runs in the {@code broker-suite-on-postgresql} profile.
 */
@ExtendWith(DevnetExtension.class)
class BrokerPostgresFailoverTest {

    private static final Logger log = LoggerFactory.getLogger(BrokerPostgresFailoverTest.class);
    private static final BigInteger IN = BigInteger.valueOf(1_000_000_000L);
    private static final BigInteger OUT = BigInteger.valueOf(3_000_000_000L);
    private static final Duration RECOVERY = Duration.ofSeconds(30);

    @BeforeEach
    void onlyOnPostgres() {
        assumeTrue("postgresql".equals(System.getenv("ZG_TEST_BROKER_DB")),
                "PostgreSQL only: runs in the broker-suite-on-postgresql profile (ZG_TEST_BROKER_DB=postgresql)");
    }

    /** Paid chats on one thread per user, round-robin over the brokers, until closed. */
    static final class Load implements AutoCloseable {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final List<Thread> threads = new ArrayList<>();
        final AtomicInteger ok = new AtomicInteger();
        final Map<Integer, AtomicInteger> failures = new ConcurrentHashMap<>();
        /** Per broker: start time (nanoTime) of the latest request that got a 200. */
        final Map<ProviderBroker, AtomicLong> lastOkStarted = new ConcurrentHashMap<>();

        Load(BrokerFixture f, List<ProviderBroker> brokers, List<Credentials> users) {
            brokers.forEach(b -> lastOkStarted.put(b, new AtomicLong()));
            for (Credentials u : users) {
                Thread t = new Thread(() -> {
                    long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(3); // bounded even if never closed
                    for (int i = 0; !stop.get() && System.nanoTime() < end; i++) {
                        ProviderBroker b = brokers.get(i % brokers.size());
                        long started = System.nanoTime();
                        int status = chat(f, b, u, i);
                        if (status == 200) {
                            ok.incrementAndGet();
                            lastOkStarted.get(b).accumulateAndGet(started, Math::max);
                        } else {
                            failures.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
                            sleep(20);
                        }
                    }
                }, "load-" + u.getAddress().substring(0, 8));
                threads.add(t);
                t.start();
            }
        }

        private static int chat(BrokerFixture f, ProviderBroker b, Credentials u, int i) {
            HttpRequest r = HttpRequest.newBuilder(URI.create(b.baseUrl() + "/v1/proxy/chat/completions"))
                    .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                    .header("Authorization", f.authorization(u))
                    .POST(HttpRequest.BodyPublishers.ofString(BrokerFixture.chat("load " + i, i % 3 == 0),
                            StandardCharsets.UTF_8)).build();
            try {
                return f.http.send(r, HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (java.io.IOException e) {
                return -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -2;
            }
        }

        /** Waits until a request to {@code b} that started after {@code sinceNanos} succeeded; returns how long. */
        Duration awaitServing(ProviderBroker b, long sinceNanos) {
            long deadline = sinceNanos + RECOVERY.toNanos();
            while (lastOkStarted.get(b).get() <= sinceNanos) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("broker " + b.baseUrl() + " did not serve again within " + RECOVERY
                            + " (answers other than 200 so far: " + failures + ")");
                }
                sleep(50);
            }
            return Duration.ofNanos(System.nanoTime() - sinceNanos);
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(60_000);
            }
        }
    }

    /** What a scheduled worker would do: settle every 300 ms, whatever the database is going through. */
    static final class Settler implements AutoCloseable {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final List<Thread> threads = new ArrayList<>();
        final AtomicInteger failedRuns = new AtomicInteger();

        Settler(List<ProviderBroker> brokers) {
            for (ProviderBroker b : brokers) {
                Thread t = new Thread(() -> {
                    long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
                    while (!stop.get() && System.nanoTime() < end) {
                        try {
                            b.settleNow();
                        } catch (RuntimeException e) {
                            failedRuns.incrementAndGet();
                            log.info("settlement run failed (expected while the database is away): {}", e.toString());
                        }
                        sleep(300);
                    }
                }, "settler-" + b.port());
                threads.add(t);
                t.start();
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(120_000);
            }
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Connection admin() throws Exception {
        return DriverManager.getConnection(System.getenv("ZG_TEST_POSTGRES_URL"));
    }

    /** Kills every other connection to the test database: what a server restart does to the brokers. */
    private static int terminateAllConnections() throws Exception {
        try (Connection c = admin(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                        + " WHERE datname = current_database() AND pid <> pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** The backend holding the (one) settlement advisory lock in the test database. */
    private static int settlementLockHolder() throws Exception {
        try (Connection c = admin(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
                        + " WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()")) {
            assertThat(rs.next()).as("an advisory lock is held").isTrue();
            int pid = rs.getInt(1);
            assertThat(rs.next()).as("exactly one settlement lock").isFalse();
            return pid;
        }
    }

    private static void terminate(int pid) throws Exception {
        try (Connection c = admin(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT pg_terminate_backend(" + pid + ")")) {
            rs.next();
            assertThat(rs.getBoolean(1)).isTrue();
        }
    }

    private static Map<String, BigInteger> balances(Devnet d, String provider, List<Credentials> users) throws Exception {
        Map<String, BigInteger> out = new HashMap<>();
        for (Credentials u : users) {
            out.put(u.getAddress(), d.inference(u).getAccount(u.getAddress(), provider).send().balance);
        }
        return out;
    }

    /** Settles until nothing is billable, signed or in flight on chain (bounded). */
    private static void settleEverything(List<ProviderBroker> brokers) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Store s = brokers.get(0).store();
        while (!s.billableRows().isEmpty() || !s.batches("sent").isEmpty() || !s.items("signed").isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("fees still unsettled after 60 s: " + s.billableRows().size() + " users");
            }
            for (ProviderBroker b : brokers) {
                try {
                    b.settleNow();
                } catch (RuntimeException e) {
                    log.info("settlement run failed: {}", e.toString());
                }
            }
            sleep(100);
        }
    }

    /** On-chain charges == billed == settled in the store, nothing left unsettled, wallet gain + gas == billed. */
    private static void assertSettledExactlyOnce(BrokerFixture f, ProviderBroker b, List<Credentials> users,
            Map<String, BigInteger> before, BigInteger walletBefore, long block) throws Exception {
        String p = f.provider.getAddress();
        BigInteger billed = b.store().billedTotal();
        assertThat(billed).isPositive();
        assertThat(b.store().settledTotal()).as("settled in the store == billed").isEqualTo(billed);
        Map<String, BigInteger> after = balances(f.devnet, p, users);
        BigInteger charged = BigInteger.ZERO;
        for (Credentials u : users) {
            charged = charged.add(before.get(u.getAddress()).subtract(after.get(u.getAddress())));
            assertThat(b.store().unsettledFee(u.getAddress())).isZero();
        }
        assertThat(charged).as("on-chain charges == billed total (nothing settled twice)").isEqualTo(billed);
        BigInteger gas = f.gasPaid(p, block, f.blockNumber());
        assertThat(f.balance(p).subtract(walletBefore).add(gas)).isEqualTo(billed);
    }

    @Test
    void theBrokerServesAndSettlesAgainAfterPostgresDropsEveryConnection(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        List<Credentials> users = List.of(d.account(2), d.account(3), d.account(4));
        try (ProviderBroker b = f.startAcknowledged(IN, OUT)) {
            for (Credentials u : users) {
                f.fund(u, 5, 3);
            }
            Map<String, BigInteger> before = balances(d, f.provider.getAddress(), users);
            BigInteger walletBefore = f.balance(f.provider.getAddress());
            long block = f.blockNumber();
            Load finished;
            try (Load load = new Load(f, List.of(b), users); Settler settler = new Settler(List.of(b))) {
                finished = load;
                sleep(1_500);
                long killed = System.nanoTime();
                int n = terminateAllConnections();
                assertThat(n).as("the broker had connections to kill").isPositive();
                System.out.println("terminated " + n + " connections; serving again after " + load.awaitServing(b, killed));

                String restart = System.getenv("ZG_TEST_POSTGRES_RESTART");
                if (restart != null && !restart.isBlank()) {
                    sleep(1_000);
                    long restarted = System.nanoTime();
                    Process proc = new ProcessBuilder("sh", "-c", restart).inheritIO().start();
                    assertThat(proc.waitFor(60, TimeUnit.SECONDS)).as("restart command ends").isTrue();
                    assertThat(proc.exitValue()).as("'%s' exit code", restart).isZero();
                    System.out.println("restarted PostgreSQL; serving again after " + load.awaitServing(b, restarted));
                } else {
                    log.warn("ZG_TEST_POSTGRES_RESTART not set: no real server restart in this run");
                }
                sleep(1_500);
                long lastOk = load.lastOkStarted.get(b).get();
                sleep(500);
                assertThat(load.lastOkStarted.get(b).get()).as("still serving at the end").isGreaterThan(lastOk);
            }
            System.out.println("load: " + finished.ok + " answered 200, others " + finished.failures);
            settleEverything(List.of(b));
            assertSettledExactlyOnce(f, b, users, before, walletBefore, block);
        }
    }

    @Test
    void twoBrokersOneLeaderWhoseLostLockPassesSettlementToTheOther(Devnet d, @TempDir Path dir1, @TempDir Path dir2)
            throws Exception {
        BrokerFixture f1 = new BrokerFixture(d, dir1);
        BrokerFixture f2 = new BrokerFixture(d, dir2);
        f2.shareDatabaseOf(f1);
        List<Credentials> users = List.of(d.account(2), d.account(3), d.account(4));
        try (ProviderBroker b1 = f1.startAcknowledged(IN, OUT);
                ProviderBroker b2 = f2.start(IN, OUT, SettlementFault.NONE)) {
            for (Credentials u : users) {
                f1.fund(u, 5, 3);
            }
            assertThat(b1.store().tryLeadSettlement()).as("first broker leads").isTrue();
            assertThat(b2.store().tryLeadSettlement()).as("second broker follows").isFalse();

            Map<String, BigInteger> before = balances(d, f1.provider.getAddress(), users);
            BigInteger walletBefore = f1.balance(f1.provider.getAddress());
            long block = f1.blockNumber();
            try (Load load = new Load(f1, List.of(b1, b2), users); Settler settler = new Settler(List.of(b1, b2))) {
                sleep(2_000);
                long killed = System.nanoTime();
                terminate(settlementLockHolder());
                long deadline = killed + RECOVERY.toNanos();
                while (!b2.store().tryLeadSettlement()) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("the second broker did not take settlement over within " + RECOVERY);
                    }
                    sleep(100);
                }
                System.out.println("second broker leads " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed)
                        + " ms after the first one's lock connection was killed");
                assertThat(b1.store().tryLeadSettlement()).as("the first broker no longer leads").isFalse();
                load.awaitServing(b1, killed);
                load.awaitServing(b2, killed);
                sleep(2_000);
            }
            assertThat(b1.store().tryLeadSettlement()).isFalse();
            assertThat(b2.store().tryLeadSettlement()).isTrue();
            settleEverything(List.of(b1, b2));
            assertSettledExactlyOnce(f1, b2, users, before, walletBefore, block);
        }
    }
}
