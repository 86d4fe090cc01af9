package zg.compute.bench.load;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.DevnetConfig;
import zg.compute.protocol.auth.SessionToken;
import zg.compute.protocol.auth.SignedToken;
import zg.compute.protocol.signing.PersonalSign;
import zg.compute.protocol.signing.ResponseSignature;
import zg.compute.protocol.units.Units;

/**
 * The broker load benchmark (not a test): the broker in its own JVM vs nginx as a plain reverse proxy vs calling
 * the upstream directly, all in front of the same zero-cost nginx upstream, driven by wrk; then streaming time to
 * first byte, settlement of everything billed, and SDK {@code getRequestHeaders} rates (ours vs the official TS SDK).
 * Writes a Markdown report with PNG plots.
 *
 * <p>{@code LoadBenchmark [--out docs/benchmarks.md] [--seconds 10] [--connections 1,16,64,256] [--users 50]
 * [--first-byte 300] [--sdk-seconds 5] [--no-profile] [--no-sdk] [--repo DIR]}
 */
public final class LoadBenchmark {

    static final String[] TARGETS = {"direct", "nginx", "broker"};
    static final String[] MODES = {"json", "sse"};

    record Options(Path out, int seconds, int rounds, int[] connections, int users, int firstByte, int sdkSeconds,
            boolean profile, boolean sdk, Path repo) {
        static Options parse(String[] args) {
            Map<String, String> m = new java.util.HashMap<>();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--no-profile") || a.equals("--no-sdk")) {
                    m.put(a, "true");
                } else if (a.startsWith("--") && i + 1 < args.length) {
                    m.put(a, args[++i]);
                } else {
                    throw new IllegalArgumentException("unknown argument " + a);
                }
            }
            Path repo = Path.of(m.getOrDefault("--repo", ".")).toAbsolutePath().normalize();
            return new Options(repo.resolve(m.getOrDefault("--out", "docs/benchmarks.md")),
                    Integer.parseInt(m.getOrDefault("--seconds", "6")),
                    Integer.parseInt(m.getOrDefault("--rounds", "3")),
                    Arrays.stream(m.getOrDefault("--connections", "1,16,64,256").split(",")).mapToInt(Integer::parseInt)
                            .toArray(),
                    Integer.parseInt(m.getOrDefault("--users", "50")),
                    Integer.parseInt(m.getOrDefault("--first-byte", "300")),
                    Integer.parseInt(m.getOrDefault("--sdk-seconds", "5")), !m.containsKey("--no-profile"),
                    !m.containsKey("--no-sdk"), repo);
        }
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("java.awt.headless", "true");
        Options o = Options.parse(args);
        Results r = run(o);
        BenchReport.write(r, o.out());
        System.out.println("report written to " + o.out());
    }

    static Results run(Options o) throws Exception {
        Path dir = Files.createTempDirectory("zg-load-bench");
        String loadBefore = uptime();
        log("load before: " + loadBefore);
        try (Devnet d = Devnet.start(DevnetConfig.defaults().withLockTime(DevnetConfig.MIN_LOCK_TIME));
                PacedStream paced = PacedStream.start(Fixture.sse());
                Nginx upstream = Nginx.upstream(Files.createDirectories(dir.resolve("upstream")), Fixture.json(),
                        Fixture.sse(), paced.port());
                Nginx proxy = Nginx.proxy(Files.createDirectories(dir.resolve("proxy")), upstream.port())) {
            Credentials provider = d.account(1);
            Credentials tee = d.account(3);
            log("devnet " + d.rpcUrl() + ", upstream " + upstream.baseUrl() + ", nginx proxy " + proxy.baseUrl());
            Path config = dir.resolve("broker.yaml");
            Files.writeString(config, """
                    server: { host: 127.0.0.1, port: 0, metricsPort: 0 }
                    chain: { rpcUrl: %s, inferenceContract: "%s" }
                    service: { model: %s, url: "http://127.0.0.1:3080", inputPrice: 1000000000, outputPrice: 3000000000, targetUrl: "%s/v1" }
                    database: { url: "jdbc:sqlite:%s" }
                    settlement: { intervalSeconds: 3600, batchSize: 50 }
                    """.formatted(d.rpcUrl(), d.contracts().inference().proxy(), Fixture.MODEL, upstream.baseUrl(),
                    dir.resolve("broker.db")));
            try (BrokerJvm broker = BrokerJvm.start(config, key(provider), key(tee), dir.resolve("broker.log"), null)) {
                d.inference(d.account(0)).acknowledgeTEESignerByOwner(provider.getAddress()).send();
                log("broker " + broker.baseUrl() + " (pid " + broker.pid() + "), log " + dir.resolve("broker.log"));
                List<Credentials> users = fundUsers(d, provider.getAddress(), o.users());
                List<String> auth = users.stream().map(u -> authorization(u, provider.getAddress())).toList();
                Wrk wrk = new Wrk(dir);
                Map<String, Path> scripts = new java.util.HashMap<>();
                for (String mode : MODES) {
                    boolean sse = mode.equals("sse");
                    scripts.put("direct-" + mode, wrk.script("direct-" + mode, "/v1/chat/completions",
                            Fixture.request(sse), sse, auth));
                    scripts.put("nginx-" + mode, scripts.get("direct-" + mode));
                    scripts.put("broker-" + mode, wrk.script("broker-" + mode, "/v1/proxy/chat/completions",
                            Fixture.request(sse), sse, auth));
                }
                Map<String, String> urls = Map.of("direct", upstream.baseUrl(), "nginx", proxy.baseUrl(), "broker",
                        broker.baseUrl());
                Map<String, ProcessHandle> procs = Map.of("nginx", proxy.handle());

                // the broker's JIT needs tens of thousands of requests before its numbers settle (C2 compiling on
                // the same 2 cores showed as ~10 ms per request at the first point after a 3 s warm-up)
                log("warm-up (JIT): per mode at 16 connections, 3 s direct and nginx, 15 s broker");
                for (String mode : MODES) {
                    for (String t : TARGETS) {
                        Wrk.Result w = wrk.run(scripts.get(t + "-" + mode), urls.get(t), 16,
                                t.equals("broker") ? 15 : 3);
                        if (w.errors() + w.non2xx() > 0) {
                            throw new IOException(t + " " + mode + ": " + w.non2xx() + " non-2xx answers and "
                                    + w.errors() + " socket errors in the warm-up; logs in " + dir);
                        }
                    }
                }
                long servedBefore = MetricsScrape.of(broker.metricsUrl()).served();
                List<Results.Point> points = new ArrayList<>();
                int turn = 0;
                // every point several times, rounds apart: the report takes each figure's median (one run on a
                // shared machine swung by ±25 %)
                for (int round = 0; round < o.rounds(); round++) {
                    for (String mode : MODES) {
                        for (int c : o.connections()) {
                            // rotate the order per point so no target always runs first (or last) on a shared machine
                            for (int k = 0; k < TARGETS.length; k++) {
                                String t = TARGETS[(k + turn) % TARGETS.length];
                                points.add(point(wrk, scripts.get(t + "-" + mode), urls.get(t), t, mode, c,
                                        o.seconds(), t.equals("broker") ? broker : null, procs.get(t)));
                            }
                            turn++;
                        }
                    }
                }
                long brokerAnswered = points.stream().filter(p -> p.target().equals("broker"))
                        .mapToLong(p -> p.wrk().requests()).sum();
                long served = MetricsScrape.of(broker.metricsUrl()).served() - servedBefore;
                var billing = new Results.Billing(served, brokerAnswered,
                        sampleSignaturesValid(broker.baseUrl(), auth.get(0), tee.getAddress()));
                log("billing: " + billing);

                List<Results.FirstByte> firstByte = firstByte(urls, auth.get(0), o.firstByte());
                List<Profile.Share> profile = o.profile() ? profile(broker, wrk, scripts.get("broker-json"), dir)
                        : List.of();
                Results.Settlement settlement = settle(d, broker, provider.getAddress());
                log("settlement: " + settlement);
                RequestHeadersBench.Rates ours = null;
                RequestHeadersBench.Rates official = null;
                if (o.sdk()) {
                    ours = RequestHeadersBench.ours(d, d.account(7), provider.getAddress(), o.sdkSeconds());
                    log("getRequestHeaders, ours: " + ours);
                    official = RequestHeadersBench.official(d, d.account(8), provider.getAddress(), o.sdkSeconds(),
                            o.repo().resolve("interop"));
                    log("getRequestHeaders, official: " + official);
                }
                String loadAfter = uptime();
                var conditions = new Results.Conditions(LocalDate.now().toString(), cpuModel(),
                        Runtime.getRuntime().availableProcessors(),
                        System.getProperty("java.vm.name") + " " + System.getProperty("java.version"), loadBefore,
                        loadAfter, o.seconds(), o.users(), firstLine("wrk", "--version"), firstLine("nginx", "-v"));
                return new Results(conditions, points, firstByte, settlement, ours, official, profile, billing);
            }
        }
    }

    private static Results.Point point(Wrk wrk, Path script, String url, String target, String mode, int connections,
            int seconds, BrokerJvm broker, ProcessHandle proc) throws Exception {
        long[] before = counters(broker, proc);
        MetricsScrape scrapeBefore = broker == null ? null : MetricsScrape.of(broker.metricsUrl());
        Wrk.Result w = wrk.run(script, url, connections, seconds);
        long[] after = counters(broker, proc);
        Results.Inside inside = broker == null ? Results.Inside.NONE
                : Results.Inside.between(scrapeBefore, MetricsScrape.of(broker.metricsUrl()));
        long n = Math.max(1, w.requests());
        double cpuUs = proc == null && broker == null ? Double.NaN : (after[0] - before[0]) / 1e3 / n;
        double rss = broker != null ? rssMb(broker.pid()) : proc != null ? rssMb(proc) : Double.NaN;
        double alloc = broker != null ? (after[1] - before[1]) / 1024.0 / n : Double.NaN;
        log(String.format("%-6s %-4s c=%-3d %8.0f req/s  p50 %7.2f ms  p99 %8.2f ms  errors %d non-2xx %d  cpu %.0f µs/req",
                target, mode, connections, w.rps(), w.p50us() / 1e3, w.p99us() / 1e3, w.errors(), w.non2xx(), cpuUs));
        return new Results.Point(target, mode, connections, w, cpuUs, rss, alloc, inside);
    }

    /** {CPU ns, allocated bytes} of the proxying process; zeros for direct (nothing in between). */
    private static long[] counters(BrokerJvm broker, ProcessHandle proc) throws IOException {
        return broker != null ? broker.stats() : new long[] {proc == null ? 0 : cpuNanos(proc), 0};
    }

    private static List<Results.FirstByte> firstByte(Map<String, String> urls, String auth, int requests)
            throws Exception {
        FirstByteProbe probe = new FirstByteProbe();
        String body = Fixture.request(true);
        Map<String, String> paths = Map.of("direct", "/v1/chat/completions", "nginx", "/v1/chat/completions", "broker",
                "/v1/proxy/chat/completions");
        Map<String, List<Double>> all = new java.util.HashMap<>();
        int rounds = 3;
        for (int round = 0; round < rounds; round++) {
            for (String t : TARGETS) {
                for (double v : probe.measure(urls.get(t) + paths.get(t), body, auth, Math.max(1, requests / rounds))) {
                    all.computeIfAbsent(t, k -> new ArrayList<>()).add(v);
                }
            }
        }
        List<Results.FirstByte> out = new ArrayList<>();
        for (String t : TARGETS) {
            var r = FirstByteProbe.summarize(all.get(t).stream().mapToDouble(Double::doubleValue).toArray());
            log("first byte " + t + ": " + r);
            out.add(new Results.FirstByte(t, r));
        }
        return out;
    }

    /** A JFR recording of the broker under 16 JSON connections (profile settings), started and stopped by jcmd. */
    private static List<Profile.Share> profile(BrokerJvm broker, Wrk wrk, Path script, Path dir) throws Exception {
        Path jfr = dir.resolve("broker-json-16.jfr");
        jcmd(broker.pid(), "JFR.start", "name=bench", "settings=profile");
        wrk.run(script, broker.baseUrl(), 16, 10);
        jcmd(broker.pid(), "JFR.stop", "name=bench", "filename=" + jfr);
        List<Profile.Share> shares = Profile.read(jfr);
        log("profile: " + shares);
        return shares;
    }

    private static void jcmd(long pid, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("jcmd", String.valueOf(pid)));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("jcmd " + String.join(" ", args) + ": " + out);
        }
    }

    /** Settles everything billed in one go and reads the gas of the provider's transactions from the receipts. */
    private static Results.Settlement settle(Devnet d, BrokerJvm broker, String provider) throws Exception {
        var web3j = d.chain().web3j();
        long from = web3j.ethBlockNumber().send().getBlockNumber().longValue() + 1;
        BrokerJvm.Settled s = broker.settle();
        long to = web3j.ethBlockNumber().send().getBlockNumber().longValue();
        BigInteger gas = BigInteger.ZERO;
        int txs = 0;
        for (long b = from; b <= to; b++) {
            EthBlock.Block block = web3j.ethGetBlockByNumber(DefaultBlockParameter.valueOf(BigInteger.valueOf(b)), true)
                    .send().getBlock();
            for (EthBlock.TransactionResult<?> tr : block.getTransactions()) {
                var tx = (EthBlock.TransactionObject) tr.get();
                if (tx.getFrom().equalsIgnoreCase(provider)) {
                    TransactionReceipt receipt = web3j.ethGetTransactionReceipt(tx.getHash()).send()
                            .getTransactionReceipt().orElseThrow();
                    gas = gas.add(receipt.getGasUsed());
                    txs++;
                }
            }
        }
        return new Results.Settlement(s.millis(), s.requests(), s.items(), txs, gas, s.left());
    }

    /** Fresh keys with ETH, a 10 0G ledger and 5 0G at the provider, set up in parallel (one nonce stream each). */
    private static List<Credentials> fundUsers(Devnet d, String provider, int n) throws Exception {
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Credentials>> jobs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Credentials u = Credentials.create(ECKeyPair.create(BigInteger.valueOf(0xBE4C4000L + i)));
                jobs.add(pool.submit(() -> {
                    d.chain().setBalance(u.getAddress(), Units.og(100));
                    d.ledger(u).addLedger("", Units.og(10)).send();
                    d.ledger(u).transferFund(provider, "inference-v1.0", Units.og(5)).send();
                    return u;
                }));
            }
            List<Credentials> users = new ArrayList<>();
            for (Future<Credentials> j : jobs) {
                users.add(j.get());
            }
            log(n + " users funded in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            return users;
        } finally {
            pool.shutdownNow();
        }
    }

    private static String authorization(Credentials user, String provider) {
        long now = System.currentTimeMillis();
        return SignedToken.sign(new SessionToken(user.getAddress(), provider, now, now + 3_600_000, "bench", 0, 255),
                user).authorization();
    }

    /** One JSON and one streamed answer: their stored signature covers exactly these bytes and recovers to the TEE key. */
    private static boolean sampleSignaturesValid(String baseUrl, String auth, String teeSigner) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (boolean stream : new boolean[] {false, true}) {
            byte[] body = Fixture.request(stream).getBytes(StandardCharsets.UTF_8);
            HttpResponse<byte[]> resp = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/proxy/chat/completions"))
                    .header("Content-Type", "application/json").header("Authorization", auth)
                    .header(Nginx.STREAM_HEADER, stream ? "1" : "0").POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build(), HttpResponse.BodyHandlers.ofByteArray());
            String key = resp.headers().firstValue("ZG-Res-Key").orElse(null);
            if (resp.statusCode() != 200 || key == null) {
                return false;
            }
            var sig = new io.vertx.core.json.JsonObject(http.send(HttpRequest.newBuilder(
                    URI.create(baseUrl + "/v1/proxy/signature/" + key)).build(), HttpResponse.BodyHandlers.ofString())
                    .body());
            String text = sig.getString("text");
            if (!ResponseSignature.text(body, resp.body()).equals(text) || !PersonalSign.recover(
                    text.getBytes(StandardCharsets.UTF_8), sig.getString("signature")).equalsIgnoreCase(teeSigner)) {
                return false;
            }
        }
        return true;
    }

    private static long cpuNanos(ProcessHandle p) {
        long sum = p.info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
        for (ProcessHandle c : p.children().toList()) {
            sum += c.info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
        }
        return sum;
    }

    private static double rssMb(ProcessHandle p) {
        double sum = rssMb(p.pid());
        for (ProcessHandle c : p.children().toList()) {
            sum += rssMb(c.pid());
        }
        return sum;
    }

    /** VmRSS from /proc (Linux), in MiB. */
    private static double rssMb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }

    private static String key(Credentials c) {
        return Numeric.toHexStringWithPrefixZeroPadded(c.getEcKeyPair().getPrivateKey(), 64);
    }

    static String uptime() {
        return firstLine("uptime").replaceAll(".*load average", "load average");
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.replaceAll("^model name\\s*:\\s*", "")).orElse("?");
        } catch (IOException e) {
            return "?";
        }
    }

    private static String firstLine(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            return out.lines().findFirst().orElse("").strip();
        } catch (IOException e) {
            return "?";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    private static void log(String line) {
        System.out.println("[bench] " + line);
    }

    private LoadBenchmark() {
    }
}
