package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;
import zg.compute.provider.internal.store.JdbcStore;

/**
 * Property: whatever mix of admissions ({@link Store#reserve}), bills and failures runs concurrently
 * against a user's lock balance, Σ fees billed + Σ active reservations never exceeds
 * {@code lockBalance − minimumLockedBalance} as long as every bill is at most its reservation, every
 * refusal was justified, and the reservations return to exactly 0 once every request has ended. On SQLite,
 * and on PostgreSQL when {@code ZG_TEST_POSTGRES_URL} is set (required with {@code CI=true}).
 */
class StoreReservationTest {

    private static final String PG = System.getenv("ZG_TEST_POSTGRES_URL");
    private static final boolean CI = "true".equalsIgnoreCase(System.getenv("CI"));
    private static final AtomicLong USERS = new AtomicLong(System.nanoTime());
    private static Store sqlite;
    private static Store postgres;

    /** @param billPercent the fee as a percentage of the reservation, or -1 for an upstream failure */
    record Req(BigInteger minimum, BigInteger desired, int billPercent) {
    }

    record Scenario(BigInteger lockBalance, BigInteger minimumLocked, int threads, List<Req> requests) {
    }

    /** Skips the PostgreSQL property where no PostgreSQL is given, except in CI (which must give one). */
    public static final class NeedsPostgres implements SkipExecutionHook {
        @Override
        public SkipResult shouldBeSkipped(LifecycleContext context) {
            return PG != null || CI ? SkipResult.doNotSkip() : SkipResult.skip("ZG_TEST_POSTGRES_URL is not set");
        }
    }

    @Provide
    Arbitrary<Scenario> scenarios() {
        // Up to 1000 0G (past 64 bits); requests sized against the balance so that refusals happen.
        return Arbitraries.bigIntegers().between(BigInteger.ZERO, BigInteger.TEN.pow(21)).flatMap(lock -> {
            BigInteger scale = lock.max(BigInteger.ONE);
            Arbitrary<Req> req = Combinators.combine(
                    Arbitraries.bigIntegers().between(BigInteger.ZERO, scale.divide(BigInteger.valueOf(4))),
                    Arbitraries.bigIntegers().between(BigInteger.ZERO, scale.divide(BigInteger.TWO)),
                    Arbitraries.integers().between(-1, 100))
                    .as((min, extra, pct) -> new Req(min, min.add(extra), pct));
            return Combinators.combine(Arbitraries.bigIntegers().between(BigInteger.ZERO, scale),
                    Arbitraries.integers().between(1, 6), req.list().ofMinSize(1).ofMaxSize(30))
                    .as((minLocked, threads, reqs) -> new Scenario(lock, minLocked, threads, reqs));
        });
    }

    @Property(tries = 60)
    void sqliteNeverOverdrawsTheLockedBalance(@ForAll("scenarios") Scenario s) throws Exception {
        run(sqlite(), s);
    }

    @Property(tries = 60)
    @AddLifecycleHook(NeedsPostgres.class)
    void postgresqlNeverOverdrawsTheLockedBalance(@ForAll("scenarios") Scenario s) throws Exception {
        run(postgres(), s);
    }

    private static synchronized Store sqlite() throws Exception {
        if (sqlite == null) {
            Path dir = Files.createTempDirectory("store-reservation");
            sqlite = JdbcStore.open("jdbc:sqlite:" + dir.resolve("store.db"));
        }
        return sqlite;
    }

    private static synchronized Store postgres() throws Exception {
        if (postgres == null) {
            assertThat(PG).as("CI=true requires ZG_TEST_POSTGRES_URL").isNotNull();
            String schema = "r_" + UUID.randomUUID().toString().replace("-", "");
            try (var c = DriverManager.getConnection(PG); var st = c.createStatement()) {
                st.execute("CREATE SCHEMA " + schema);
            }
            postgres = JdbcStore.open(PG + (PG.contains("?") ? "&" : "?") + "currentSchema=" + schema);
        }
        return postgres;
    }

    @AfterContainer
    static synchronized void closeStores() {
        if (sqlite != null) {
            sqlite.close();
            sqlite = null;
        }
        if (postgres != null) {
            postgres.close();
            postgres = null;
        }
    }

    private static void run(Store store, Scenario s) throws Exception {
        String user = "0x" + String.format("%040x", USERS.incrementAndGet());
        BigInteger limit = s.lockBalance().subtract(s.minimumLocked());
        BigInteger cap = limit.max(BigInteger.ZERO);
        AtomicReference<BigInteger> billed = new AtomicReference<>(BigInteger.ZERO);
        ExecutorService pool = Executors.newFixedThreadPool(s.threads());
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < s.threads(); t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = thread; i < s.requests().size(); i += s.threads()) {
                        Req r = s.requests().get(i);
                        String id = user + "-" + i;
                        Store.Admission a = store.reserve(id, user, r.minimum(), r.desired(), s.lockBalance(),
                                s.minimumLocked(), i);
                        BigInteger headroom = limit.subtract(a.unsettled()).subtract(a.reservedByOthers());
                        if (!a.admitted()) {
                            assertThat(headroom).as("refused only below the minimum").isLessThan(r.minimum());
                            assertThat(a.reserved()).isZero();
                            continue;
                        }
                        assertThat(a.reserved()).as("reservation").isBetween(r.minimum(), r.desired())
                                .isLessThanOrEqualTo(headroom);
                        assertExposureWithin(store, user, cap);
                        if (r.billPercent() < 0) {
                            store.failRequest(id);
                        } else {
                            BigInteger fee = a.reserved().multiply(BigInteger.valueOf(r.billPercent()))
                                    .divide(BigInteger.valueOf(100));
                            BigInteger in = fee.divide(BigInteger.valueOf(3));
                            store.billRequest(id, 1, 1, in, fee.subtract(in));
                            billed.accumulateAndGet(fee, BigInteger::add);
                        }
                        assertExposureWithin(store, user, cap);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(store.reservedFee(user)).as("every request ended: no reservation left").isZero();
        assertThat(store.unsettledFee(user)).as("unsettled == Σ billed").isEqualTo(billed.get())
                .isLessThanOrEqualTo(cap);
    }

    /**
     * Reads unsettled first, then reserved: unsettled only grows here, and a bill moves at most its
     * reservation into it, so this sum never overstates the exposure at the second read.
     */
    private static void assertExposureWithin(Store store, String user, BigInteger cap) {
        BigInteger unsettled = store.unsettledFee(user);
        BigInteger reserved = store.reservedFee(user);
        assertThat(unsettled.add(reserved)).as("Σ billed + Σ reserved ≤ lockBalance − minimumLockedBalance")
                .isLessThanOrEqualTo(cap);
    }
}
