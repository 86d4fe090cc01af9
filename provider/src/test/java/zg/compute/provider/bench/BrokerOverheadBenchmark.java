package zg.compute.provider.bench;

import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.web3j.crypto.Credentials;
import org.web3j.utils.Numeric;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.DevnetConfig;
import zg.compute.protocol.auth.SessionToken;
import zg.compute.protocol.auth.SignedToken;
import zg.compute.protocol.units.Units;
import zg.compute.provider.ConfigLoader;
import zg.compute.provider.DevModelBackend;
import zg.compute.provider.ProviderBroker;
import zg.compute.provider.internal.settlement.SettlementFault;

/**
 * A benchmark, not a test: the latency the broker adds (auth, balance gate, request row, billing,
 * signing) on top of calling the same upstream directly, for JSON and SSE chat at 1, 16 and 64
 * concurrent clients. Upstream = the development backend (no model time), so the numbers are the
 * broker's own cost. Writes a Markdown report.
 *
 * <p>{@code java -cp … zg.compute.provider.bench.BrokerOverheadBenchmark [report.md] [requestsPerRun]}
 */
public final class BrokerOverheadBenchmark {

    private static final String TEE_KEY = "0x8f2a55949038a9610f50fb23b5883af3b4ecb3c3bb792cbcefbd1542c692be63";

    record Result(String path, boolean stream, int clients, int requests, double p50ms, double p99ms, double rps) {
    }

    public static void main(String[] args) throws Exception {
        Path report = Path.of(args.length > 0 ? args[0] : "provider/target/broker-overhead.md");
        int perRun = args.length > 1 ? Integer.parseInt(args[1]) : 640;
        Path dir = Files.createTempDirectory("broker-bench");
        Vertx vertx = Vertx.vertx();
        try (Devnet d = Devnet.start(DevnetConfig.defaults().withLockTime(DevnetConfig.MIN_LOCK_TIME));
                DevModelBackend backend = DevModelBackend.start(vertx, 0)) {
            Credentials provider = d.account(1);
            String yaml = """
                    server: { host: 127.0.0.1, port: 0, metricsPort: 0 }
                    chain: { rpcUrl: %s, inferenceContract: "%s" }
                    service: { model: dev-model, url: "http://127.0.0.1:3080", inputPrice: 1, outputPrice: 1, targetUrl: "%s" }
                    database: { url: "jdbc:sqlite:%s" }
                    settlement: { intervalSeconds: 3600 }
                    """.formatted(d.rpcUrl(), d.contracts().inference().proxy(), backend.baseUrl(), dir.resolve("b.db"));
            var config = new ConfigLoader(Map.of("ZG_PROVIDER_KEY",
                    Numeric.toHexStringWithPrefixZeroPadded(provider.getEcKeyPair().getPrivateKey(), 64), "ZG_TEE_KEY",
                    TEE_KEY)).parse(yaml, dir);
            try (ProviderBroker broker = ProviderBroker.start(config,
                    new ProviderBroker.Options(Clock.systemUTC(), false, SettlementFault.NONE))) {
                d.inference(d.account(0)).acknowledgeTEESignerByOwner(provider.getAddress()).send();
                Credentials user = d.account(2);
                d.ledger(user).addLedger("", Units.og(100)).send();
                d.ledger(user).transferFund(provider.getAddress(), "inference-v1.0", Units.og(50)).send();
                long now = System.currentTimeMillis();
                String auth = SignedToken.sign(new SessionToken(user.getAddress(), provider.getAddress(), now,
                        now + 3_600_000, "bench", 0, 255), user).authorization();

                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                List<Result> results = new ArrayList<>();
                for (boolean stream : new boolean[] {false, true}) {
                    for (int clients : new int[] {1, 16, 64}) {
                        int perClient = Math.max(1, perRun / clients);
                        String direct = backend.baseUrl() + "/chat/completions";
                        String viaBroker = broker.baseUrl() + "/v1/proxy/chat/completions";
                        run(http, direct, null, stream, clients, Math.max(2, perClient / 10)); // warm-up
                        run(http, viaBroker, auth, stream, clients, Math.max(2, perClient / 10));
                        results.add(run(http, direct, null, stream, clients, perClient).named("direct"));
                        results.add(run(http, viaBroker, auth, stream, clients, perClient).named("broker"));
                    }
                }
                String md = render(results, perRun);
                Files.createDirectories(report.toAbsolutePath().getParent());
                Files.writeString(report, md);
                System.out.println(md);
                System.out.println("written to " + report.toAbsolutePath());
            }
        } finally {
            vertx.close().await();
        }
    }

    record Raw(boolean stream, int clients, List<Long> nanos, long wallNanos) {
        Result named(String path) {
            List<Long> sorted = new ArrayList<>(nanos);
            Collections.sort(sorted);
            double p50 = sorted.get((int) (sorted.size() * 0.50)) / 1e6;
            double p99 = sorted.get(Math.min(sorted.size() - 1, (int) (sorted.size() * 0.99))) / 1e6;
            return new Result(path, stream, clients, sorted.size(), p50, p99, sorted.size() / (wallNanos / 1e9));
        }
    }

    private static Raw run(HttpClient http, String url, String auth, boolean stream, int clients, int perClient)
            throws Exception {
        String body = "{\"model\":\"dev-model\",\"stream\":" + stream + ",\"max_tokens\":32,\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"measure the broker overhead please\"}]}";
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Long> nanos = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger failures = new AtomicInteger();
        long start = System.nanoTime();
        List<Future<?>> jobs = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            jobs.add(pool.submit(() -> {
                for (int i = 0; i < perClient; i++) {
                    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body));
                    if (auth != null) {
                        r.header("Authorization", auth);
                    }
                    long t0 = System.nanoTime();
                    try {
                        HttpResponse<byte[]> resp = http.send(r.build(), HttpResponse.BodyHandlers.ofByteArray());
                        if (resp.statusCode() != 200) {
                            failures.incrementAndGet();
                            continue;
                        }
                    } catch (Exception e) {
                        failures.incrementAndGet();
                        continue;
                    }
                    nanos.add(System.nanoTime() - t0);
                }
                return null;
            }));
        }
        for (Future<?> j : jobs) {
            j.get();
        }
        long wall = System.nanoTime() - start;
        pool.shutdown();
        if (failures.get() > 0) {
            throw new IllegalStateException(failures.get() + " requests failed against " + url);
        }
        return new Raw(stream, clients, nanos, wall);
    }

    private static String render(List<Result> results, int perRun) {
        StringBuilder sb = new StringBuilder("# Broker overhead vs calling the upstream directly\n\n");
        sb.append("Upstream: the development backend (deterministic text, 32 output tokens, no model time), so the\n")
                .append("difference is the broker's own cost: app-sk auth (cached), balance gate, request row insert and\n")
                .append("billing update (SQLite), response signing (secp256k1) and signature storage. ")
                .append(perRun).append(" requests per run (split over the clients) after a warm-up; same machine; ")
                .append(Runtime.getRuntime().availableProcessors()).append(" CPUs.\n\n")
                .append("| mode | clients | direct p50 ms | broker p50 ms | added p50 ms | direct p99 ms | broker p99 ms |")
                .append(" added p99 ms | direct req/s | broker req/s |\n|---|---|---|---|---|---|---|---|---|---|\n");
        for (int i = 0; i < results.size(); i += 2) {
            Result d = results.get(i);
            Result b = results.get(i + 1);
            sb.append(String.format("| %s | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.0f | %.0f |%n",
                    d.stream() ? "stream" : "json", d.clients(), d.p50ms(), b.p50ms(), b.p50ms() - d.p50ms(), d.p99ms(),
                    b.p99ms(), b.p99ms() - d.p99ms(), d.rps(), b.rps()));
        }
        return sb.toString();
    }

    private BrokerOverheadBenchmark() {
    }
}
