package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.math.BigInteger;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.provider.internal.settlement.SettlementFault;

/**
 * The crash part of the fault and abuse suite: the broker runs as its own JVM ({@code ProviderMain start}) under paid
 * load from several clients and is killed with SIGKILL at random moments — during start-up, while serving, and while
 * a settlement run has its journal open — then restarted. After the last kill it is restarted once more and left to
 * settle, and the books are reconciled: what the chain charged each user equals what the broker billed that user and
 * what its store records as settled; nothing is charged twice, nothing billed is left unsettled, and the provider's
 * wallet gained exactly the billed fees (plus the gas it paid). Rows that were in flight at a kill are never billed.
 *
 * <p>{@code -Dzg.kills=N} (or env {@code ZG_KILLS}) sets the number of kills (default 20); {@code -Dzg.kills.seed}
 * fixes the kill schedule's random choices. The run's figures go to {@code target/reliability/kill-run.json}
 * ({@code kill-run-postgresql.json} on PostgreSQL) and every broker start's output to
 * {@code target/reliability/kill-logs/}.
 */
@ExtendWith(DevnetExtension.class)
class BrokerKillTest {

    private static final BigInteger IN = BigInteger.valueOf(1_000_000_000L);
    private static final BigInteger OUT = BigInteger.valueOf(3_000_000_000L);
    private static final int USERS = 4;
    private static final Duration START_DEADLINE = Duration.ofSeconds(60);
    private static final Duration FINAL_SETTLE_DEADLINE = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** When, relative to the broker's life, a kill is aimed. */
    enum Mode {
        /** a random moment after spawning, before or around readiness: migration, registration, recovery */
        STARTUP,
        /** a random moment up to 2.5 s after readiness, under load */
        RANDOM,
        /** as soon as the settlement journal shows a run in progress (items signed or a transaction stored) */
        SETTLEMENT
    }

    /** What the database and the chain looked like right after a kill (the broker dead). */
    record KillRecord(int n, Mode mode, long millisAfterSpawn, boolean ready, String window, long inFlightRows,
            boolean chargedWithinBilled) {
    }

    @Test
    void sigkillDuringPaidLoadNeverLosesOrDoubleChargesAFee(Devnet d, @TempDir Path dir) throws Exception {
        int kills = Integer.parseInt(System.getProperty("zg.kills", System.getenv().getOrDefault("ZG_KILLS", "20")));
        long seed = Long.parseLong(System.getProperty("zg.kills.seed", String.valueOf(System.nanoTime())));
        Random rnd = new Random(seed);
        boolean postgres = "postgresql".equals(System.getenv("ZG_TEST_BROKER_DB"));
        Path out = Path.of(System.getProperty("basedir", ".")).resolve("target/reliability");
        Path logs = out.resolve(postgres ? "kill-logs-postgresql" : "kill-logs");
        deleteTree(logs);
        Files.createDirectories(logs);
        long started = System.nanoTime();

        BrokerFixture f = new BrokerFixture(d, dir);
        String p = f.provider.getAddress();
        // Registers the service and lets the owner acknowledge the TEE signer; the brokers below are processes.
        f.startAcknowledged(IN, OUT).close();
        List<Credentials> users = new ArrayList<>();
        for (int i = 0; i < USERS; i++) {
            Credentials u = d.account(2 + i);
            f.fund(u, 10, 5);
            users.add(u);
        }
        Map<String, BigInteger> before = f.subAccounts(users);
        BigInteger walletBefore = f.balance(p);
        long blockBefore = f.blockNumber();

        // Settle every second, so kills land inside settlement runs too; keep response signatures for the longest
        // allowed time, so that even a long run can check every completed response's signature at the end.
        String yaml = f.yaml(IN, OUT).replace("settlement: { intervalSeconds: 3600 }", "settlement: { intervalSeconds: 1 }")
                + "caches: { signatureSeconds: 604800 }\n";
        assertThat(yaml).contains("intervalSeconds: 1 }");
        Path config = dir.resolve("provider.yaml");
        Files.writeString(config, yaml);
        String dbUrl = f.databaseUrl();
        Path logback = dir.resolve("logback-kill.xml");
        Files.writeString(logback, BrokerJvm.LOGBACK);
        Path classes = dir.resolve("broker-classes.jsa");
        BrokerJvm jvm = new BrokerJvm(config, f.env(), logback, classes, BrokerJvm.jarredClasspath(dir.resolve("classpath")));

        Load load = new Load(f, users);
        List<KillRecord> records = new ArrayList<>();
        List<String> violations = new ArrayList<>();
        List<Long> startupMillis = new ArrayList<>();
        long inFlightBaseline;
        Probe atLastKill = null;
        load.start();
        try {
            // A first start, served and settling, then quiesced and stopped cleanly (SIGTERM): it writes a class-data
            // archive of the classes a broker loads, which the later starts map to come up faster. Not a kill.
            BrokerJvm.BrokerProcess warmUp = jvm.spawn(logs.resolve("start-000-warm-up.log"), true);
            try {
                load.target(warmUp.awaitReady(START_DEADLINE));
                Thread.sleep(1_500);
                load.quiesce();
            } finally {
                warmUp.stop();
            }
            inFlightBaseline = Probe.read(dbUrl).inFlightRows(); // 0: nothing was in flight at the clean stop
            long inFlightSoFar = inFlightBaseline;
            long lastStartup = 3_000;
            for (int k = 1; k <= kills; k++) {
                double pick = rnd.nextDouble();
                Mode mode = pick < 0.2 ? Mode.STARTUP : pick < 0.5 ? Mode.SETTLEMENT : Mode.RANDOM;
                BrokerJvm.BrokerProcess b = jvm.spawn(logs.resolve("start-%03d.log".formatted(k)), false);
                boolean ready = false;
                long at = 0;
                try {
                    if (mode == Mode.STARTUP) {
                        Thread.sleep(rnd.nextLong(lastStartup + 1));
                        ready = b.readyNow();
                    } else {
                        String base = b.awaitReady(START_DEADLINE);
                        ready = true;
                        lastStartup = b.millisSinceSpawn();
                        startupMillis.add(lastStartup);
                        load.target(base);
                        if (mode == Mode.RANDOM) {
                            Thread.sleep(rnd.nextLong(2_500));
                        } else {
                            awaitSettlementInProgress(dbUrl, Duration.ofSeconds(4));
                            Thread.sleep(rnd.nextLong(40)); // somewhere inside the run, not always at its first step
                        }
                    }
                } finally {
                    at = b.millisSinceSpawn();
                    b.kill();
                    load.target(null);
                }

                Probe probe = Probe.read(dbUrl);
                atLastKill = probe;
                String window = settlementWindow(d, probe);
                long inFlight = probe.inFlightRows() - inFlightSoFar;
                inFlightSoFar = probe.inFlightRows();
                Map<String, BigInteger> now = f.subAccounts(users);
                boolean within = true;
                for (Credentials u : users) {
                    String a = u.getAddress().toLowerCase();
                    BigInteger charged = before.get(u.getAddress()).subtract(now.get(u.getAddress()));
                    BigInteger billed = probe.fee(a);
                    if (charged.compareTo(billed) > 0) {
                        within = false;
                        violations.add("kill " + k + " (" + mode + ", " + window + "): user " + a + " charged " + charged
                                + " neuron on chain but billed only " + billed);
                    }
                }
                if (probe.inFlightFee().signum() != 0) {
                    violations.add("kill " + k + ": rows in flight carry a fee of " + probe.inFlightFee());
                }
                records.add(new KillRecord(k, mode, at, ready, window, inFlight, within));
                b.note("=== test: SIGKILL at +" + at + " ms (" + mode + ", ready " + ready + "); journal after it: "
                        + window + "; rows in flight: " + inFlight);
            }
        } finally {
            load.stop();
        }

        // One more start, no load: the scheduled worker must settle whatever the kills left.
        long finalStart = System.nanoTime();
        BrokerJvm.BrokerProcess last = jvm.spawn(logs.resolve("start-final.log"), false);
        Probe settledByWorker;
        try {
            last.awaitReady(START_DEADLINE);
            settledByWorker = awaitEverythingSettled(dbUrl, FINAL_SETTLE_DEADLINE);
        } finally {
            last.stop();
        }
        long finalSettleMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - finalStart);

        // The same database in-process: a settlement pass must find nothing left; the store's totals and signatures.
        BigInteger billed;
        BigInteger settled;
        BigInteger settledByInProcessPass;
        int completedWithoutSignature = 0;
        try (ProviderBroker b = ProviderBroker.start(f.config(IN, OUT),
                new ProviderBroker.Options(Clock.systemUTC(), false, SettlementFault.NONE))) {
            var pass = b.settleNow();
            settledByInProcessPass = pass.settled();
            if (pass.itemsSent() != 0 || pass.settled().signum() != 0) {
                violations.add("a settlement pass after the final restart still settled " + pass.settled() + " neuron in "
                        + pass.itemsSent() + " items");
            }
            billed = b.store().billedTotal();
            settled = b.store().settledTotal();
            long now = System.currentTimeMillis();
            for (String key : load.completedKeys) {
                if (b.store().signature(key, now).isEmpty()) {
                    completedWithoutSignature++;
                }
            }
        }
        Probe end = Probe.read(dbUrl);

        Map<String, BigInteger> after = f.subAccounts(users);
        BigInteger charged = BigInteger.ZERO;
        BigInteger lost = BigInteger.ZERO;
        BigInteger doubleCharged = BigInteger.ZERO;
        Map<String, Object> perUser = new LinkedHashMap<>();
        for (Credentials u : users) {
            String a = u.getAddress().toLowerCase();
            BigInteger c = before.get(u.getAddress()).subtract(after.get(u.getAddress()));
            charged = charged.add(c);
            BigInteger userBilled = end.fee(a);
            lost = lost.add(userBilled.subtract(c).max(BigInteger.ZERO));
            doubleCharged = doubleCharged.add(c.subtract(userBilled).max(BigInteger.ZERO));
            Map<String, String> figuresOfUser = new LinkedHashMap<>();
            figuresOfUser.put("billedNeuron", userBilled.toString());
            figuresOfUser.put("settledNeuron", end.paid(a).toString());
            figuresOfUser.put("chargedOnChainNeuron", c.toString());
            perUser.put(a, figuresOfUser);
        }
        BigInteger gas = f.gasPaid(p, blockBefore, f.blockNumber());
        BigInteger walletGainPlusGas = f.balance(p).subtract(walletBefore).add(gas);
        long durationMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("test", "BrokerKillTest");
        figures.put("finishedAt", Instant.now().toString());
        figures.put("database", postgres ? "postgresql" : "sqlite");
        figures.put("seed", seed);
        figures.put("users", USERS);
        figures.put("clientThreads", load.threads());
        figures.put("attempts", load.attempts.get());
        figures.put("requests", load.attempts.get() - load.refused.get());
        figures.put("completed", load.completed.get());
        figures.put("refusedWhileDown", load.refused.get());
        figures.put("cutByKill", load.broken.get());
        figures.put("timedOut", load.timedOut.get());
        figures.put("incomplete200", load.incomplete.get());
        figures.put("otherStatus", new TreeMap<>(load.statuses));
        figures.put("kills", records.size());
        figures.put("killsByMode", countBy(records.stream().map(r -> r.mode().name())));
        figures.put("killsByWindow", countBy(records.stream().map(KillRecord::window)));
        figures.put("killsBeforeReady", records.stream().filter(r -> !r.ready()).count());
        figures.put("billedNeuron", billed.toString());
        figures.put("settledNeuron", settled.toString());
        figures.put("chargedOnChainNeuron", charged.toString());
        figures.put("providerWalletGainPlusGasNeuron", walletGainPlusGas.toString());
        figures.put("settlementGasNeuron", gas.toString());
        figures.put("lostNeuron", lost.toString());
        figures.put("doubleChargedNeuron", doubleCharged.toString());
        figures.put("killsWithChargeAboveBilled", records.stream().filter(r -> !r.chargedWithinBilled()).count());
        figures.put("inFlightAtKill", end.inFlightRows() - inFlightBaseline);
        figures.put("billedRows", end.billedRows());
        figures.put("billedButCutAtClient", end.billedRows() - load.completed.get());
        figures.put("requestRows", end.states());
        figures.put("completedWithoutStoredSignature", completedWithoutSignature);
        figures.put("settlementTransactions", end.confirmedBatches());
        figures.put("unsettledAtLastKillNeuron", atLastKill == null ? "0"
                : atLastKill.feeTotal().subtract(atLastKill.paidTotal()).toString());
        figures.put("settledByFinalRestartNeuron", atLastKill == null ? "0"
                : settledByWorker.paidTotal().subtract(atLastKill.paidTotal()).toString());
        figures.put("settledByInProcessPassAfterwardsNeuron", settledByInProcessPass.toString());
        figures.put("finalRestartToAllSettledMillis", finalSettleMillis);
        figures.put("startupMillisMedian", median(startupMillis));
        figures.put("classDataArchive", Files.exists(classes));
        figures.put("durationSeconds", Math.round(durationMillis / 100.0) / 10.0);
        figures.put("violations", violations);
        figures.put("perUser", perUser);
        figures.put("killLog", records);
        Files.createDirectories(out);
        Path report = out.resolve(postgres ? "kill-run-postgresql.json" : "kill-run.json");
        JSON.writeValue(report.toFile(), figures);
        System.out.println("BrokerKillTest figures (" + report + "):\n" + JSON.writeValueAsString(
                figures.entrySet().stream().filter(e -> !e.getKey().equals("killLog"))
                        .collect(LinkedHashMap::new, (m, e) -> m.put(e.getKey(), e.getValue()), Map::putAll)));

        assertThat(records).as("kills").hasSize(kills);
        assertThat(load.completed.get()).as("requests fully received").isPositive();
        assertThat(billed).as("billed").isPositive();
        assertThat(violations).as("violations at kills and after the final restart").isEmpty();
        assertThat(doubleCharged).as("double-charged neuron").isZero();
        assertThat(lost).as("billed but never charged on chain").isZero();
        assertThat(charged).as("Σ charged on chain == Σ billed").isEqualTo(billed);
        assertThat(settled).as("Σ settled in the store == Σ billed").isEqualTo(billed);
        for (Credentials u : users) {
            String a = u.getAddress().toLowerCase();
            assertThat(end.paid(a)).as("settled in the store for " + a).isEqualTo(end.fee(a));
        }
        assertThat(walletGainPlusGas).as("provider wallet gain + gas == billed").isEqualTo(billed);
        assertThat(end.states().keySet()).as("no row left billed or settling")
                .doesNotContain("billed", "settling");
        assertThat(end.inFlightFee()).as("rows in flight at a kill are never billed").isZero();
        assertThat(completedWithoutSignature).as("responses received in full but not billed and signed").isZero();
        assertThat(end.billedRows()).as("every fully received response is a billed row")
                .isGreaterThanOrEqualTo(load.completed.get());
        assertThat(end.inFlightRows()).as("in-flight rows = Σ new in-flight rows seen after each kill")
                .isEqualTo(inFlightBaseline + records.stream().mapToLong(KillRecord::inFlightRows).sum());
    }

    // ---- paid load ----

    /** One client thread per user, each request with a fresh app-sk token, JSON and SSE mixed. */
    static final class Load {
        private final BrokerFixture f;
        private final List<Credentials> users;
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        private final AtomicReference<String> target = new AtomicReference<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Thread> threads = new ArrayList<>();
        private final java.util.concurrent.atomic.AtomicInteger active = new java.util.concurrent.atomic.AtomicInteger();
        final AtomicLong attempts = new AtomicLong();
        final AtomicLong completed = new AtomicLong();
        final AtomicLong refused = new AtomicLong();
        final AtomicLong broken = new AtomicLong();
        final AtomicLong timedOut = new AtomicLong();
        final AtomicLong incomplete = new AtomicLong();
        final Map<Integer, Long> statuses = new ConcurrentHashMap<>();
        final ConcurrentLinkedQueue<String> completedKeys = new ConcurrentLinkedQueue<>();

        Load(BrokerFixture f, List<Credentials> users) {
            this.f = f;
            this.users = users;
        }

        int threads() {
            return users.size();
        }

        void target(String baseUrl) {
            target.set(baseUrl);
        }

        void start() {
            for (Credentials u : users) {
                Thread t = new Thread(() -> run(u), "kill-load-" + u.getAddress().substring(0, 8));
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
        }

        /** Stops sending and waits until no request is on its way. */
        void quiesce() throws InterruptedException {
            target.set(null);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (active.get() > 0 && System.nanoTime() < end) {
                Thread.sleep(5);
            }
            assertThat(active.get()).as("requests still running").isZero();
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) {
                t.join(30_000);
            }
        }

        private void run(Credentials user) {
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            long i = 0;
            while (running.get()) {
                try {
                    active.incrementAndGet();
                    String base = target.get();
                    try {
                        if (base != null) {
                            boolean stream = rnd.nextBoolean();
                            send(base, user, stream, body(rnd, ++i, stream));
                        }
                    } finally {
                        active.decrementAndGet();
                    }
                    Thread.sleep(base == null ? 10 : rnd.nextLong(5, 25));
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private static String body(ThreadLocalRandom rnd, long i, boolean stream) {
            StringBuilder words = new StringBuilder("kill test " + i);
            int n = rnd.nextInt(1, 40);
            for (int w = 0; w < n; w++) {
                words.append(' ').append("word").append(rnd.nextInt(1000));
            }
            return "{\"model\":\"dev-model\",\"stream\":" + stream + ",\"max_tokens\":" + rnd.nextInt(4, 80)
                    + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + words + "\"}]}";
        }

        private void send(String base, Credentials user, boolean stream, String body) throws InterruptedException {
            attempts.incrementAndGet();
            HttpRequest r = HttpRequest.newBuilder(URI.create(base + "/v1/proxy/chat/completions"))
                    .timeout(Duration.ofSeconds(15))
                    .header("Content-Type", "application/json")
                    .header("Authorization", f.authorization(user))
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
            try {
                HttpResponse<byte[]> resp = http.send(r, HttpResponse.BodyHandlers.ofByteArray());
                if (resp.statusCode() != 200) {
                    statuses.merge(resp.statusCode(), 1L, Long::sum);
                    return;
                }
                var key = resp.headers().firstValue("ZG-Res-Key");
                if (key.isPresent() && complete(resp.body(), stream)) {
                    completed.incrementAndGet();
                    completedKeys.add(key.get());
                } else {
                    incomplete.incrementAndGet();
                }
            } catch (HttpTimeoutException e) {
                timedOut.incrementAndGet();
            } catch (IOException e) {
                if (isConnectFailure(e)) {
                    refused.incrementAndGet(); // the broker is down: nothing reached it
                } else {
                    broken.incrementAndGet(); // cut off by the kill
                }
            }
        }

        private static boolean isConnectFailure(Throwable e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof ConnectException) {
                    return true;
                }
            }
            return false;
        }

        /** The whole answer: an SSE stream up to {@code [DONE]}, or a JSON completion with its usage. */
        private static boolean complete(byte[] body, boolean stream) {
            String s = new String(body, StandardCharsets.UTF_8);
            if (stream) {
                return s.startsWith("data: ") && s.endsWith("data: [DONE]\n\n") && s.contains("\"usage\"");
            }
            try {
                return JSON.readTree(s).path("usage").path("completion_tokens").isNumber();
            } catch (IOException e) {
                return false;
            }
        }
    }

    // ---- the broker's database, read directly while no broker (or a live one) runs ----

    /**
     * @param states      request rows per state
     * @param fee         Σ fee per user (lower-case address) over all rows
     * @param paid        Σ paid per user
     * @param signedItems settlement items signed and journaled, not yet handed to the chain
     * @param sentTxs     hashes of settlement transactions stored as sent, receipt not yet applied
     */
    record Probe(Map<String, Long> states, Map<String, BigInteger> fee, Map<String, BigInteger> paid,
            BigInteger inFlightFee, long signedItems, List<String> sentTxs, long confirmedBatches,
            long outstandingRows) {

        static Probe read(String url) throws SQLException {
            try (Connection c = DriverManager.getConnection(url)) {
                return read(c);
            }
        }

        static Probe read(Connection c) throws SQLException {
            Map<String, Long> states = new TreeMap<>();
            Map<String, BigInteger> fee = new TreeMap<>();
            Map<String, BigInteger> paid = new TreeMap<>();
            BigInteger inFlightFee = BigInteger.ZERO;
            long outstanding = 0;
            try (PreparedStatement ps = c.prepareStatement("SELECT user_address, state, fee, paid FROM request");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String user = rs.getString(1);
                    String state = rs.getString(2);
                    BigInteger rowFee = new BigInteger(rs.getString(3));
                    BigInteger rowPaid = new BigInteger(rs.getString(4));
                    states.merge(state, 1L, Long::sum);
                    fee.merge(user, rowFee, BigInteger::add);
                    paid.merge(user, rowPaid, BigInteger::add);
                    if (isInFlight(state)) {
                        inFlightFee = inFlightFee.add(rowFee);
                    }
                    if (("billed".equals(state) || "settling".equals(state)) && rowFee.compareTo(rowPaid) > 0) {
                        outstanding++;
                    }
                }
            }
            long signed = count(c, "SELECT COUNT(*) FROM settlement_item WHERE state = 'signed'");
            long confirmed = count(c, "SELECT COUNT(*) FROM settlement_batch WHERE state = 'confirmed'");
            List<String> sent = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT tx_hash FROM settlement_batch WHERE state = 'sent'");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    sent.add(rs.getString(1));
                }
            }
            return new Probe(states, fee, paid, inFlightFee, signed, sent, confirmed, outstanding);
        }

        /** In flight at a crash: never billed. {@code swept} is what a start-up sweep marks them. */
        static boolean isInFlight(String state) {
            return "pending".equals(state) || "swept".equals(state);
        }

        private static long count(Connection c, String sql) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }

        BigInteger fee(String user) {
            return fee.getOrDefault(user, BigInteger.ZERO);
        }

        BigInteger paid(String user) {
            return paid.getOrDefault(user, BigInteger.ZERO);
        }

        BigInteger feeTotal() {
            return fee.values().stream().reduce(BigInteger.ZERO, BigInteger::add);
        }

        BigInteger paidTotal() {
            return paid.values().stream().reduce(BigInteger.ZERO, BigInteger::add);
        }

        long inFlightRows() {
            return states.entrySet().stream().filter(e -> isInFlight(e.getKey())).mapToLong(Map.Entry::getValue).sum();
        }

        long billedRows() {
            return states.entrySet().stream().filter(e -> !isInFlight(e.getKey()) && !"failed".equals(e.getKey()))
                    .mapToLong(Map.Entry::getValue).sum();
        }

        boolean settlementOpen() {
            return signedItems > 0 || !sentTxs.isEmpty();
        }
    }

    /** Polls the journal until a settlement run is visibly in progress (or the time is up). */
    private static void awaitSettlementInProgress(String url, Duration max) throws SQLException, InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        try (Connection c = DriverManager.getConnection(url)) {
            while (System.nanoTime() < end) {
                if (Probe.count(c, "SELECT COUNT(*) FROM settlement_item WHERE state = 'signed'") > 0
                        || Probe.count(c, "SELECT COUNT(*) FROM settlement_batch WHERE state = 'sent'") > 0) {
                    return;
                }
                Thread.sleep(2);
            }
        }
    }

    /**
     * Where in a settlement run the kill landed, from the journal it left: {@code signed} (items signed, no
     * transaction stored), {@code sent-on-chain} (transaction stored and mined, receipt not applied), {@code
     * sent-not-on-chain} (stored, not broadcast or not mined), or {@code outside} (no open journal entry).
     */
    private static String settlementWindow(Devnet d, Probe probe) throws IOException, InterruptedException {
        if (!probe.sentTxs().isEmpty()) {
            var web3j = d.chain().web3j();
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500); // anvil mines asynchronously
            while (true) {
                boolean allMined = true;
                for (String tx : probe.sentTxs()) {
                    allMined &= web3j.ethGetTransactionReceipt(tx).send().getTransactionReceipt().isPresent();
                }
                if (allMined) {
                    return "sent-on-chain";
                }
                if (System.nanoTime() > end) {
                    return "sent-not-on-chain";
                }
                Thread.sleep(20);
            }
        }
        return probe.signedItems() > 0 ? "signed" : "outside";
    }

    /** Waits until no fee is left billed or settling and the journal has nothing open; returns the final state. */
    private static Probe awaitEverythingSettled(String url, Duration max) throws SQLException, InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        Probe p = Probe.read(url);
        while (p.outstandingRows() > 0 || p.settlementOpen()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("the restarted broker's worker left " + p.outstandingRows()
                        + " rows unsettled (journal: " + p.signedItems() + " signed items, sent txs " + p.sentTxs()
                        + ") after " + max);
            }
            Thread.sleep(200);
            p = Probe.read(url);
        }
        return p;
    }

    private static Map<String, Long> countBy(Stream<String> keys) {
        Map<String, Long> out = new TreeMap<>();
        keys.forEach(k -> out.merge(k, 1L, Long::sum));
        return out;
    }

    private static long median(List<Long> values) {
        if (values.isEmpty()) {
            return 0;
        }
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
