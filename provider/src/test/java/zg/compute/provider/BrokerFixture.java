package zg.compute.provider;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;
import zg.compute.devnet.Devnet;
import zg.compute.protocol.auth.SessionToken;
import zg.compute.protocol.auth.SignedToken;
import zg.compute.protocol.units.Units;
import zg.compute.provider.internal.settlement.SettlementFault;

/**
 * Test wiring: account 0 owns the contracts, account 1 is the provider, the others are users. The
 * broker runs for real (HTTP on port 0, SQLite file, dev model backend) against the shared devnet.
 */
final class BrokerFixture {

    static final String TEE_KEY = "0x8f2a55949038a9610f50fb23b5883af3b4ecb3c3bb792cbcefbd1542c692be63";
    static final String SERVICE = "inference-v1.0";

    /** The address of {@link #TEE_KEY}: the signer of every response. */
    static String teeAddress() {
        return Credentials.create(TEE_KEY).getAddress();
    }

    final Devnet devnet;
    final Credentials provider;
    final Path dir;
    final HttpClient http = HttpClient.newHttpClient();

    BrokerFixture(Devnet devnet, Path dir) {
        this.devnet = devnet;
        this.provider = devnet.account(1);
        this.dir = dir;
    }

    String yaml(BigInteger inputPrice, BigInteger outputPrice) {
        return yaml(inputPrice, outputPrice, "dev");
    }

    String yaml(BigInteger inputPrice, BigInteger outputPrice, String targetUrl) {
        return """
                server: { host: 127.0.0.1, port: 0, metricsPort: 0 }
                chain:
                  rpcUrl: %s
                  inferenceContract: "%s"
                service:
                  model: dev-model
                  url: http://127.0.0.1:3080
                  inputPrice: %s
                  outputPrice: %s
                  targetUrl: %s
                  additionalSecret: { X-Upstream-Key: upstream-secret }
                database: { url: "%s" }
                settlement: { intervalSeconds: 3600 }
                %s
                """.formatted(devnet.rpcUrl(), devnet.contracts().inference().proxy(), inputPrice, outputPrice,
                targetUrl, databaseUrl(), imagesLine());
    }

    /** Hosted images in the test's directory (the default, beside SQLite or in the working directory, is not). */
    private String imagesLine() {
        return "images: { dir: \"" + dir.resolve("images") + "\" }";
    }

    private String databaseUrl;

    /**
     * SQLite in the test's directory; with {@code ZG_TEST_BROKER_DB=postgresql} a fresh schema in the
     * database named by {@code ZG_TEST_POSTGRES_URL}, so the broker suite runs on both.
     */
    String databaseUrl() {
        if (databaseUrl == null) {
            if ("postgresql".equals(System.getenv("ZG_TEST_BROKER_DB"))) {
                String pg = System.getenv("ZG_TEST_POSTGRES_URL");
                if (pg == null) {
                    throw new IllegalStateException("ZG_TEST_BROKER_DB=postgresql needs ZG_TEST_POSTGRES_URL");
                }
                String schema = "b_" + UUID.randomUUID().toString().replace("-", "");
                try (var c = java.sql.DriverManager.getConnection(pg); var st = c.createStatement()) {
                    st.execute("CREATE SCHEMA " + schema);
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
                databaseUrl = pg + (pg.contains("?") ? "&" : "?") + "currentSchema=" + schema;
            } else {
                databaseUrl = "jdbc:sqlite:" + dir.resolve("broker.db");
            }
        }
        return databaseUrl;
    }

    /** Another broker of the same provider on the same database (PostgreSQL: the same schema). */
    void shareDatabaseOf(BrokerFixture other) {
        databaseUrl = other.databaseUrl();
    }

    Map<String, String> env() {
        return Map.of("ZG_PROVIDER_KEY", Numeric.toHexStringWithPrefixZeroPadded(provider.getEcKeyPair().getPrivateKey(), 64),
                "ZG_TEE_KEY", TEE_KEY);
    }

    ProviderConfig config(BigInteger inputPrice, BigInteger outputPrice) {
        return new ConfigLoader(env()).parse(yaml(inputPrice, outputPrice), dir);
    }

    ProviderBroker start(BigInteger inputPrice, BigInteger outputPrice, SettlementFault fault) {
        return ProviderBroker.start(config(inputPrice, outputPrice),
                new ProviderBroker.Options(Clock.systemUTC(), false, fault));
    }

    /**
     * A broker that reaches the chain through {@code rpcUrl} (e.g. an {@link RpcFaultProxy}) with the
     * given settlement section (YAML flow map body, e.g. {@code "intervalSeconds: 3600, receiptTimeoutSeconds: 1"}).
     */
    ProviderBroker start(BigInteger inputPrice, BigInteger outputPrice, String rpcUrl, String settlement,
            boolean scheduleSettlement) {
        String yaml = yaml(inputPrice, outputPrice).replace("rpcUrl: " + devnet.rpcUrl(), "rpcUrl: " + rpcUrl)
                .replace("settlement: { intervalSeconds: 3600 }", "settlement: { " + settlement + " }");
        return ProviderBroker.start(new ConfigLoader(env()).parse(yaml, dir),
                new ProviderBroker.Options(Clock.systemUTC(), scheduleSettlement, SettlementFault.NONE));
    }

    /** A free loopback port, for a broker whose on-chain URL must name its own port (quotes, hosted images). */
    static int freePort() {
        return zg.compute.server.Ports.free("127.0.0.1");
    }

    /**
     * A broker of service {@code type} in front of the model server at {@code targetUrl}, listening on a port of
     * its own that its service URL names (so hosted image URLs reach it), with {@code extraYaml} appended
     * (e.g. an {@code images:} section); the owner acknowledges its TEE signer.
     */
    ProviderBroker startService(String type, String targetUrl, BigInteger inputPrice, BigInteger outputPrice,
            String extraYaml) throws Exception {
        int port = freePort();
        String yaml = yaml(inputPrice, outputPrice, targetUrl)
                .replace("  model: dev-model", "  type: " + type + "\n  model: dev-model")
                .replace("port: 0", "port: " + port).replace("url: http://127.0.0.1:3080", "url: http://127.0.0.1:" + port);
        if (extraYaml.startsWith("images: {") && !extraYaml.contains("dir:")) { // the test's keys, in the test directory
            extraYaml = "images: { dir: \"" + dir.resolve("images") + "\", "
                    + extraYaml.substring("images: {".length()).stripLeading();
        }
        if (extraYaml.startsWith("images:")) {
            yaml = yaml.replace(imagesLine(), "");
        }
        yaml += extraYaml;
        ProviderBroker b = ProviderBroker.start(new ConfigLoader(env()).parse(yaml, dir),
                new ProviderBroker.Options(Clock.systemUTC(), false, SettlementFault.NONE));
        devnet.inference(devnet.account(0)).acknowledgeTEESignerByOwner(provider.getAddress()).send();
        return b;
    }

    /** Registers (via a broker start), lets the owner acknowledge the TEE signer, restarts clean. */
    ProviderBroker startAcknowledged(BigInteger inputPrice, BigInteger outputPrice) throws Exception {
        ProviderBroker b = start(inputPrice, outputPrice, SettlementFault.NONE);
        devnet.inference(devnet.account(0)).acknowledgeTEESignerByOwner(provider.getAddress()).send();
        return b;
    }

    void fund(Credentials user, long ledgerOg, long subAccountOg) throws Exception {
        devnet.ledger(user).addLedger("", Units.og(ledgerOg)).send();
        devnet.ledger(user).transferFund(provider.getAddress(), SERVICE, Units.og(subAccountOg)).send();
    }

    String authorization(Credentials user) {
        long now = System.currentTimeMillis();
        return token(user, new SessionToken(user.getAddress(), provider.getAddress(), now, now + 3_600_000,
                UUID.randomUUID().toString().replace("-", ""), 0, 255));
    }

    static String token(Credentials signer, SessionToken t) {
        return SignedToken.sign(t, signer).authorization();
    }

    HttpResponse<byte[]> post(ProviderBroker b, String path, String authorization, String body) {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(b.baseUrl() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (authorization != null) {
            r.header("Authorization", authorization);
        }
        return send(r.build());
    }

    HttpResponse<byte[]> get(ProviderBroker b, String path, String authorization) {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(b.baseUrl() + path)).GET();
        if (authorization != null) {
            r.header("Authorization", authorization);
        }
        return send(r.build());
    }

    /** The broker's Prometheus text, from its own metrics listener. */
    String metrics(ProviderBroker b) {
        return text(send(HttpRequest.newBuilder(URI.create(b.metricsUrl())).GET().build()));
    }

    HttpResponse<byte[]> send(HttpRequest r) {
        try {
            return http.send(r, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String chat(String content, boolean stream) {
        return "{\"model\":\"dev-model\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\""
                + content + "\"}]}";
    }

    static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    /** Every user's sub-account balance with the provider, all read at one block so a landing transaction cannot split them. */
    Map<String, BigInteger> subAccounts(List<Credentials> users) throws Exception {
        var web3j = devnet.chain().web3j();
        var at = DefaultBlockParameter.valueOf(web3j.ethBlockNumber().send().getBlockNumber());
        Map<String, BigInteger> out = new HashMap<>();
        for (Credentials u : users) {
            var serving = devnet.inference(u);
            serving.setDefaultBlockParameter(at);
            out.put(u.getAddress(), serving.getAccount(u.getAddress(), provider.getAddress()).send().balance);
        }
        return out;
    }

    /** Σ over users of (before − after): what the chain charged them in between. */
    static BigInteger charged(Map<String, BigInteger> before, Map<String, BigInteger> after) {
        BigInteger sum = BigInteger.ZERO;
        for (var e : before.entrySet()) {
            sum = sum.add(e.getValue().subtract(after.get(e.getKey())));
        }
        return sum;
    }

    /** n paid chat requests of the user, alternately streamed and not, each answered 200. */
    void chat(ProviderBroker b, Credentials user, int n) {
        for (int i = 0; i < n; i++) {
            var r = post(b, "/v1/proxy/chat/completions", authorization(user), chat("request " + i, i % 2 == 0));
            if (r.statusCode() != 200) {
                throw new AssertionError("chat answered " + r.statusCode() + ": " + text(r));
            }
        }
    }

    BigInteger balance(String address) {
        return devnet.chain().balanceOf(address);
    }

    long blockNumber() {
        try {
            return devnet.chain().web3j().ethBlockNumber().send().getBlockNumber().longValueExact();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Gas paid by {@code from} in blocks (after, upTo]. */
    BigInteger gasPaid(String from, long after, long upTo) throws IOException {
        BigInteger sum = BigInteger.ZERO;
        var w = devnet.chain().web3j();
        for (long n = after + 1; n <= upTo; n++) {
            EthBlock.Block block = w.ethGetBlockByNumber(DefaultBlockParameter.valueOf(BigInteger.valueOf(n)), true)
                    .send().getBlock();
            for (EthBlock.TransactionResult<?> tr : block.getTransactions()) {
                var tx = (EthBlock.TransactionObject) tr.get();
                if (tx.getFrom().equalsIgnoreCase(from)) {
                    TransactionReceipt rc = w.ethGetTransactionReceipt(tx.getHash()).send().getTransactionReceipt().orElseThrow();
                    sum = sum.add(rc.getGasUsed().multiply(Numeric.decodeQuantity(rc.getEffectiveGasPrice())));
                }
            }
        }
        return sum;
    }

    static Path tempDir() {
        try {
            return Files.createTempDirectory("broker-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
