package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import zg.compute.cli.internal.devnet.DevnetStack;
import zg.compute.cli.internal.devnet.StackConfig;
import zg.compute.cli.internal.serve.ProxyServer;
import zg.compute.devnet.Devnet;
import zg.compute.protocol.contracts.bindings.InferenceServing;
import zg.compute.protocol.units.Units;
import zg.compute.provider.DevModelBackend;
import zg.compute.sdk.BrokerOptions;
import zg.compute.sdk.ContractAddresses;
import zg.compute.sdk.ZGComputeNetworkBroker;

/**
 * {@code inference serve} (sdk-cli.md §7) against a real devnet and real provider brokers over HTTP: JSON and SSE
 * passthrough, billing, {@code ZG-Res-Key} + {@code /v1/verify}, upstream statuses, limits, and the command itself.
 */
class InferenceServeTest {

    private static DevnetStack stack;
    private static ZGComputeNetworkBroker broker;
    private static ProxyServer server;
    private static ProxyClient client;
    private static final List<String> LOG = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        // settlement only when a test asks for it, so unsettled fees are exact
        stack = DevnetStack.start(new StackConfig(0, 3600, Duration.ofHours(1), null, null, null), line -> { });
        broker = userBroker(stack);
        server = ProxyServer.serve(broker, p1().address(), "127.0.0.1", 0, LOG::add);
        client = new ProxyClient(server.baseUrl());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (broker != null) {
            broker.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    static ZGComputeNetworkBroker userBroker(DevnetStack stack) {
        Devnet d = stack.devnet();
        ContractAddresses c = new ContractAddresses(d.contracts().ledger().proxy(), d.contracts().inference().proxy(),
                d.contracts().fineTuning().proxy());
        return ZGComputeNetworkBroker.create(d.account(DevnetStack.USER), d.rpcUrl(),
                BrokerOptions.defaults().withContracts(c).withFundOnRequestHeaders(false));
    }

    private static DevnetStack.ProviderEntry p1() {
        return stack.providers().get(0);
    }

    private static BigInteger unsettled() {
        return stack.brokers().get(0).store().unsettledFee(stack.user().address());
    }

    static BigInteger fee(DevnetStack.ProviderEntry p, JsonNode usage) {
        return p.inputPrice().multiply(BigInteger.valueOf(usage.path("prompt_tokens").asLong()))
                .add(p.outputPrice().multiply(BigInteger.valueOf(usage.path("completion_tokens").asLong())));
    }

    /** Billing and verification run after the response ended; waits for their log line. */
    static String awaitLine(List<String> log, String... parts) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            for (String line : log) {
                if (Stream.of(parts).allMatch(line::contains)) {
                    return line;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no log line with " + List.of(parts) + " in " + log);
    }

    /** Keeps one test's background processResponse out of the next test's fee window. */
    private static void awaitSettled(HttpResponse<String> r) throws InterruptedException {
        awaitLine(LOG, r.headers().firstValue("ZG-Res-Key").orElseThrow(), "VERIFIED");
    }

    @Test
    void jsonChatIsAnsweredWithTheProvidersModelBilledExactlyAndVerifiable() throws Exception {
        BigInteger before = unsettled();
        BigInteger localBefore = broker.inference().cachedFee(p1().address());
        HttpResponse<String> r = client.chat("Hello serve");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = ProxyClient.json(r);
        assertThat(body.at("/choices/0/message/content").asText())
                .isEqualTo(DevModelBackend.REPLY_PREFIX + "Hello serve");
        assertThat(body.path("model").asText()).as("model replaced by the provider's").isEqualTo(p1().model());
        JsonNode usage = body.path("usage");
        assertThat(usage.path("prompt_tokens").asLong()).isEqualTo(3); // "Hello", "serve" + 1 for the role
        String key = r.headers().firstValue("ZG-Res-Key").orElseThrow();
        assertThat(r.headers().firstValue("X-Provider-Address")).as("serve names no provider").isEmpty();

        assertThat(unsettled().subtract(before)).as("billed by the provider").isEqualTo(fee(p1(), usage));
        assertThat(awaitLine(LOG, key, "VERIFIED")).contains("usage {\"prompt_tokens\":3");
        assertThat(broker.inference().cachedFee(p1().address()).subtract(localBefore))
                .as("processResponse got the usage").isEqualTo(fee(p1(), usage));
        assertThat(client.verify(key).path("isValid").asBoolean()).isTrue();
        assertThat(client.verify(body.path("id").asText()).path("isValid").asBoolean())
                .as("the completion id finds the same exchange").isTrue();
    }

    @Test
    void streamedChatArrivesAsSseEventsWithUsageAndIsVerifiable() throws Exception {
        BigInteger before = unsettled();
        BigInteger localBefore = broker.inference().cachedFee(p1().address());
        HttpResponse<Stream<String>> r = client.send(
                client.request("/v1/chat/completions", ProxyClient.chatBody("Stream this please", true)).build(),
                HttpResponse.BodyHandlers.ofLines());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/event-stream");
        List<String> events = r.body().filter(l -> l.startsWith("data:")).map(l -> l.substring(5).strip()).toList();
        assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
        StringBuilder content = new StringBuilder();
        JsonNode usage = null;
        for (String e : events.subList(0, events.size() - 1)) {
            JsonNode chunk = ProxyClient.JSON.readTree(e);
            content.append(chunk.at("/choices/0/delta/content").asText(""));
            usage = chunk.hasNonNull("usage") ? chunk.get("usage") : usage;
        }
        assertThat(events.size()).as("one event per token").isGreaterThan(10);
        assertThat(content.toString()).isEqualTo(DevModelBackend.REPLY_PREFIX + "Stream this please");
        assertThat(usage).as("the provider asked for usage in the stream").isNotNull();
        assertThat(usage.path("completion_tokens").asLong()).isPositive();

        String key = r.headers().firstValue("ZG-Res-Key").orElseThrow();
        assertThat(unsettled().subtract(before)).isEqualTo(fee(p1(), usage));
        awaitLine(LOG, key, "VERIFIED");
        assertThat(broker.inference().cachedFee(p1().address()).subtract(localBefore))
                .as("processResponse got the last chunk's usage").isEqualTo(fee(p1(), usage));
        assertThat(client.verify(key).path("isValid").asBoolean()).isTrue();
    }

    @Test
    void feesSettleOnChainByExactlyTheBilledAmount() throws Exception {
        var provider = stack.brokers().get(0);
        provider.settleNow(); // earlier tests' fees
        String user = stack.user().address();
        BigInteger before = broker.inference().getAccount(p1().address()).balance();

        HttpResponse<String> r = client.chat("Pay for this");
        awaitSettled(r);
        JsonNode usage = ProxyClient.json(r).path("usage");
        provider.settleNow();

        assertThat(broker.inference().getAccount(p1().address()).balance())
                .isEqualTo(before.subtract(fee(p1(), usage)));
        assertThat(provider.store().unsettledFee(user)).isZero();
    }

    @Test
    void upstreamErrorStatusAndBodyPassThroughAndAreNotBilled() throws Exception {
        BigInteger before = unsettled();
        // messages is a non-empty array, so the proxy and the provider broker pass it; the model server refuses it
        byte[] bad = ProxyClient.JSON.writeValueAsBytes(Map.of("messages", List.of("not an object")));
        HttpResponse<String> r = client.post("/v1/chat/completions", bad);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(ProxyClient.json(r).at("/error/message").asText()).isEqualTo("every message must be an object");
        assertThat(r.headers().firstValue("ZG-Res-Key")).isEmpty();
        assertThat(unsettled()).isEqualTo(before);
    }

    @Test
    void requestsWithoutMessagesAreRefusedBeforeAnythingIsSpent() throws Exception {
        for (String body : new String[] {"{\"model\":\"m\"}", "{\"messages\":[]}", "{\"messages\":\"hi\"}"}) {
            HttpResponse<String> r = client.post("/v1/chat/completions", body.getBytes());
            assertThat(r.statusCode()).as(body).isEqualTo(400);
            assertThat(ProxyClient.json(r).path("error").asText())
                    .isEqualTo("messages is required and must be a non-empty array");
        }
        HttpResponse<String> notJson = client.post("/v1/chat/completions", "{oops".getBytes());
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(ProxyClient.json(notJson).path("error").asText()).isEqualTo("the request body is not valid JSON");

        HttpResponse<String> form = client.send(client.request("/v1/chat/completions", "{}".getBytes())
                .setHeader("Content-Type", "text/plain").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(form.statusCode()).isEqualTo(415);
        assertThat(ProxyClient.json(form).path("error").asText()).isEqualTo("Content-Type must be application/json");
    }

    @Test
    void bodiesUpTo32MiBAreAcceptedAndLargerOnesGet413() throws Exception {
        String large = "word ".repeat(40_000); // 200 kB: over express's 100 kB default
        HttpResponse<String> ok = client.chat(large);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        awaitSettled(ok);

        byte[] huge = new byte[32 * 1024 * 1024 + 1];
        HttpResponse<String> r = client.post("/v1/chat/completions", huge);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(ProxyClient.json(r).path("error").asText())
                .isEqualTo("Request body size exceeds the maximum allowed size of 32MB");
    }

    @Test
    void verifyNeedsAnIdAndKnowsOnlyResponsesThatPassedThroughIt() throws Exception {
        HttpResponse<String> noId = client.post("/v1/verify", "{}".getBytes());
        assertThat(noId.statusCode()).isEqualTo(400);
        assertThat(ProxyClient.json(noId).path("error").asText())
                .isEqualTo("id is required: the ZG-Res-Key header or the completion id");

        JsonNode unknown = client.verify("never-seen");
        assertThat(unknown.path("isValid").asBoolean()).isFalse();
        assertThat(unknown.path("error").asText()).contains("no response with id never-seen");
    }

    @Test
    void modelsListsTheProvidersModel() throws Exception {
        JsonNode models = ProxyClient.json(client.get("/v1/models"));
        assertThat(models.at("/data/0/id").asText()).isEqualTo(p1().model());
        assertThat(models.at("/data/0/owned_by").asText()).isEqualTo(p1().address());
    }

    @Test
    void anUnreachableProviderGets502WithTheReason() throws Exception {
        // provider 2 is used by no other test of this class
        var p2 = stack.providers().get(1);
        try (ProxyServer second = ProxyServer.serve(broker, p2.address(), "127.0.0.1", 0, LOG::add)) {
            stack.brokers().get(1).close();
            HttpResponse<String> r = new ProxyClient(second.baseUrl()).chat("anyone there?");
            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(ProxyClient.json(r).path("error").asText())
                    .startsWith("provider " + p2.address() + ": cannot reach " + p2.url() + "/v1/proxy/chat/completions: ");
        }
    }

    @Test
    void theCommandServesOnLoopbackByDefaultLogsVerificationAndStopsCleanly(@TempDir Path home) throws Exception {
        CliRunner cli = CliFixtures.runnerFor(stack.devnet(), home, stack.devnet().account(DevnetStack.USER));
        try (BackgroundCli serve = BackgroundCli.start(cli, "inference", "serve", "--provider", p1().address(),
                "--port", "0")) {
            String out = serve.awaitOutput("ready", Duration.ofSeconds(60));
            Matcher m = Pattern.compile("listening on (http://\\S+)").matcher(out);
            assertThat(m.find()).as(out).isTrue();
            assertThat(m.group(1)).startsWith("http://127.0.0.1:");
            assertThat(out).contains("model " + p1().model());

            HttpResponse<String> r = new ProxyClient(m.group(1)).chat("Through the command");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            String key = r.headers().firstValue("ZG-Res-Key").orElseThrow();
            assertThat(serve.awaitOutput(key, Duration.ofSeconds(30))).contains("VERIFIED");

            assertThat(serve.stop()).isZero();
            String secret = stack.user().privateKey().substring(2);
            assertThat(serve.out() + serve.err()).doesNotContain(secret).doesNotContain("app-sk-");
        }
    }

    @Test
    void maxAutoFundCapsEveryTopUpAndBadValuesFailBeforeAnyTransaction(@TempDir Path home) throws Exception {
        Devnet d = stack.devnet();
        Credentials user = CliFixtures.fundedKey(d, 40, 50);
        CliRunner cli = CliFixtures.runnerFor(d, home, user);
        for (String bad : List.of("0", "-1", "ten", "0.0000000000000000001")) {
            CliRunner.Result r = cli.run("inference", "serve", "--provider", p1().address(), "--port", "0",
                    "--max-auto-fund", bad);
            assertThat(r.exit()).as(r.toString()).isEqualTo(1);
            assertThat(r.err()).contains("--max-auto-fund must be a positive amount of 0G (e.g. 0.5), got \"" + bad
                    + "\".").doesNotContain("Exception");
            assertThat(r.out()).doesNotContain("Acknowledging");
        }
        assertThat(cli.run("deposit", "--amount", "5").exit()).isZero();
        // Acknowledging creates the sub-account with 1 0G; the first top-up toward the 2 0G buffer is capped.
        try (BackgroundCli serve = BackgroundCli.start(cli, "inference", "serve", "--provider", p1().address(),
                "--port", "0", "--max-auto-fund", "0.25")) {
            String out = serve.awaitOutput("ready", Duration.ofSeconds(60));
            assertThat(out).contains("Auto-funding " + p1().address() + " every 60 s (each top-up at most 0.25 0G)");
            InferenceServing.Account a = d.inference(user).getAccount(user.getAddress(), p1().address()).send();
            assertThat(a.balance).isEqualTo(Units.parseOg("1.25"));
            assertThat(serve.stop()).isZero();
        }
    }

    @Test
    void aBusyPortIsAFriendlyErrorBeforeAnyTransaction(@TempDir Path home) throws IOException {
        CliRunner cli = CliFixtures.runnerFor(stack.devnet(), home, stack.devnet().account(DevnetStack.USER));
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            CliRunner.Result r = cli.run("inference", "serve", "--provider", p1().address(), "--port",
                    String.valueOf(port));
            assertThat(r.exit()).as(r.toString()).isEqualTo(1);
            assertThat(r.err()).contains("port " + port + " on 127.0.0.1 is already in use")
                    .doesNotContain("Exception").doesNotContain("\tat ");
            assertThat(r.out()).doesNotContain("Acknowledging");
        }
    }
}
