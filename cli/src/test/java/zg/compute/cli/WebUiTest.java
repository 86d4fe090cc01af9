package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import zg.compute.cli.internal.devnet.DevnetStack;
import zg.compute.cli.internal.devnet.StackConfig;
import zg.compute.protocol.finetuning.DatasetTokenCounter;
import zg.compute.provider.DevModelBackend;
import zg.compute.protocol.units.Units;
import zg.compute.server.ServerLimits;
import zg.compute.server.SlowClient;
import zg.compute.webui.WebUiServer;

/**
 * {@code web-ui start-web} (sdk-cli.md §6.5) started through the command against a real devnet and real provider
 * brokers, driven over real HTTP: the page's headers and assets, the token guard, the Host check and the JSON API
 * routes' answers and errors. The pages themselves run in a real browser in {@link WebUiBrowserTest}.
 */
class WebUiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static DevnetStack stack;
    private static Path home;
    private static CliRunner cli;
    private static BackgroundCli web;
    private static String base;
    private static String token;

    @BeforeAll
    static void start() throws Exception {
        // no settlement during the tests, so unsettled fees are exact
        stack = DevnetStack.start(new StackConfig(0, 3600, Duration.ofHours(1), null, null, null), line -> { });
        home = Files.createTempDirectory("webui-home");
        cli = CliFixtures.runnerFor(stack.devnet(), home, stack.devnet().account(DevnetStack.USER));
        web = BackgroundCli.start(cli, "web-ui", "start-web", "-p", "0", "--allowed-host", "my-box.lan");
        String out = web.awaitOutput("ready", Duration.ofSeconds(60));
        Matcher m = Pattern.compile("Open (http://127\\.0\\.0\\.1:\\d+)/#token=([0-9a-f]+)").matcher(out);
        assertThat(m.find()).as(out).isTrue();
        base = m.group(1);
        token = m.group(2);
    }

    @AfterAll
    static void stop() throws Exception {
        if (web != null) {
            assertThat(web.stop()).isZero();
            assertThat(web.out() + web.err()).doesNotContain(stack.user().privateKey().substring(2));
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void thePageIsServedWithSecurityHeadersAndOnlyLocalAssets() throws Exception {
        HttpResponse<String> page = send(HttpRequest.newBuilder(URI.create(base + "/")).GET());
        assertThat(page.statusCode()).isEqualTo(200);
        assertSecurityHeaders(page);
        assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-cache");
        assertThat(page.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
        List<String> refs = Pattern.compile("(?:src|href)=\"([^\"]*)\"").matcher(page.body()).results()
                .map(r -> r.group(1)).filter(r -> !r.startsWith("#")).toList();
        assertThat(refs).as("in-page links aside").containsExactlyInAnyOrder("data:,", "app.css", "app.js");
        assertThat(page.body()).doesNotContain("<script>").doesNotContain("style=");

        for (String asset : List.of("/app.js", "/app.css", "/api.js", "/pages/chat.js", "/pages/keys.js")) {
            HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + asset)).GET());
            assertThat(r.statusCode()).as(asset).isEqualTo(200);
            assertSecurityHeaders(r);
            assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-cache");
            // nothing from elsewhere at run time (the chart's SVG namespace is a name, not a fetch)
            assertThat(r.body().replace("http://www.w3.org/2000/svg", "")).doesNotContain("http://")
                    .doesNotContain("https://");
        }
        HttpResponse<String> missing = send(HttpRequest.newBuilder(URI.create(base + "/../pom.xml")).GET());
        assertThat(missing.statusCode()).isEqualTo(404);
        assertSecurityHeaders(missing);
    }

    @Test
    void apiCallsWithoutTheStartTokenAreForbidden() throws Exception {
        BigInteger total = ledgerTotal();
        for (String wrong : new String[] {null, "", token.substring(1), token + "0"}) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/api/deposit"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"amount\":\"1\"}"));
            if (wrong != null) {
                b.header("X-ZG-Token", wrong);
            }
            HttpResponse<String> r = send(b);
            assertThat(r.statusCode()).as("token %s", wrong).isEqualTo(403);
            assertSecurityHeaders(r);
            assertThat(JSON.readTree(r.body()).path("error").asText()).startsWith("missing or wrong X-ZG-Token");
        }
        HttpResponse<String> read = send(HttpRequest.newBuilder(URI.create(base + "/api/account")).GET());
        assertThat(read.statusCode()).isEqualTo(403);
        assertThat(ledgerTotal()).as("nothing was deposited").isEqualTo(total);
    }

    @Test
    void statusNamesTheWalletAndTheChain() throws Exception {
        JsonNode s = ok(get("/api/status"));
        assertThat(s.path("address").asText()).isEqualToIgnoringCase(stack.user().address());
        assertThat(s.path("chainId").asLong()).isEqualTo(stack.devnet().chain().chainId());
        assertThat(s.path("rpc").asText()).isEqualTo(stack.devnet().rpcUrl());
    }

    @Test
    void accountShowsTheLedgerAndSubAccountsAndADepositRaisesIt() throws Exception {
        JsonNode a = ok(get("/api/account"));
        BigInteger total = new BigInteger(a.at("/total/neuron").asText());
        assertThat(total).isEqualTo(Units.og(10));
        assertThat(a.at("/total/og").asText()).isEqualTo("10");
        assertThat(a.at("/locked/neuron").asText()).isEqualTo(Units.og(6).toString());
        assertThat(a.at("/available/og").asText()).isEqualTo("4");
        assertThat(a.path("inference")).hasSize(2);
        for (JsonNode sub : a.path("inference")) {
            assertThat(sub.at("/balance/og").asText()).isEqualTo("3");
            assertThat(sub.at("/pendingRefund/neuron").asText()).isEqualTo("0");
        }
        assertThat(a.path("inference").findValuesAsText("provider"))
                .containsExactlyInAnyOrderElementsOf(stack.providers().stream().map(p -> p.address()).toList());

        JsonNode tx = ok(post("/api/deposit", Map.of("amount", "1")));
        assertThat(tx.path("transaction").asText()).startsWith("0x");
        assertThat(ok(get("/api/account")).at("/total/og").asText()).isEqualTo("11");
    }

    @Test
    void badAmountsAreAFriendlyBadRequest() throws Exception {
        assertError(post("/api/deposit", Map.of("amount", "abc")), 400, "not a number of 0G: \"abc\"");
        assertError(post("/api/refund", Map.of("amount", 1.5)), 400, "amount must be a decimal string of 0G, e.g. \"1.5\"");
        assertError(post("/api/transfer", Map.of("amount", "1")), 400, "provider is required");
        assertError(post("/api/retrieve", Map.of("provider", stack.providers().get(0).address(), "service", "gpu")), 400,
                "Unknown service \"gpu\": use inference or fine-tuning.");
        assertError(send(request("/api/deposit").POST(HttpRequest.BodyPublishers.ofString("not json"))), 400,
                "the request body must be a JSON object");
    }

    @Test
    void calculateCountsTheDatasetWithTheCounterTheProviderCharges() throws Exception {
        String dataset = FineTuningSeedStepsTest.DATASET;
        Path file = Files.writeString(home.resolve("webui-data.jsonl"), dataset);
        String dataUrl = "data:application/octet-stream;base64,"
                + Base64.getEncoder().encodeToString(dataset.getBytes(StandardCharsets.UTF_8));
        JsonNode r = ok(post("/api/fine-tuning/calculate", Map.of("dataset", dataUrl,
                "params", "{\"num_train_epochs\": 2}")));
        long tokens = new DatasetTokenCounter().count(file).tokens();
        assertThat(r.path("tokens").asLong()).isEqualTo(tokens).isPositive();
        assertThat(r.path("lines").asLong()).isEqualTo(3);
        assertThat(r.path("epochs").asLong()).isEqualTo(2);
        assertThat(r.path("tokenizer").asText()).isEqualTo("cl100k_base (BPE)");
        assertThat(r.has("fee")).as("no provider, no fee").isFalse();

        String bad = Base64.getEncoder().encodeToString("{\"text\": \"ok\"}\nnot json\n".getBytes(
                StandardCharsets.UTF_8));
        HttpResponse<String> refused = post("/api/fine-tuning/calculate", Map.of("dataset", bad));
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(refused.body()).path("error").asText()).endsWith("line 2 is not a JSON object");
    }

    @Test
    void providersListsBothInferenceProvidersWithPricesInNeuron() throws Exception {
        JsonNode p = ok(get("/api/providers"));
        assertThat(p.path("inference")).hasSize(stack.providers().size());
        for (DevnetStack.ProviderEntry e : stack.providers()) {
            JsonNode s = find(p.path("inference"), e.address());
            assertThat(s.path("model").asText()).isEqualTo(e.model());
            assertThat(s.at("/prices/0/unit").asText()).isEqualTo("per input token");
            assertThat(s.at("/prices/0/neuron").asText()).isEqualTo(e.inputPrice().toString());
            assertThat(s.at("/prices/1/unit").asText()).isEqualTo("per output token");
            assertThat(s.at("/prices/1/neuron").asText()).isEqualTo(e.outputPrice().toString());
            assertThat(s.at("/health/status").asText()).isEqualTo("up");
            assertThat(s.path("verifiability").asText()).isNotEmpty();
            assertThat(s.path("acknowledged").asBoolean()).as("the devnet user transferred to it").isTrue();
        }
        assertThat(p.path("fineTuning").isArray()).isTrue();
    }

    @Test
    void chatIsAnsweredVerifiedAndBilledExactly() throws Exception {
        DevnetStack.ProviderEntry p1 = stack.providers().get(0);
        BigInteger before = stack.brokers().get(0).store().unsettledFee(stack.user().address());

        HttpResponse<String> streamed = post("/api/chat", Map.of("provider", p1.address(),
                "messages", List.of(Map.of("role", "user", "content", "Hello web"))));
        assertThat(streamed.statusCode()).as(streamed.body()).isEqualTo(200);
        assertThat(streamed.headers().firstValue("Content-Type")).hasValue("application/x-ndjson");
        List<String> lines = streamed.body().lines().toList();
        assertThat(lines.size()).as("text arrives in pieces, then the outcome").isGreaterThan(2);
        StringBuilder text = new StringBuilder();
        for (String line : lines.subList(0, lines.size() - 1)) {
            text.append(JSON.readTree(line).path("delta").asText());
        }
        JsonNode r = JSON.readTree(lines.get(lines.size() - 1));

        assertThat(text.toString()).isEqualTo(DevModelBackend.REPLY_PREFIX + "Hello web");
        assertThat(r.path("text").asText()).isEqualTo(text.toString());
        assertThat(r.path("verification").asText()).isEqualTo("VERIFIED");
        assertThat(r.path("chatId").asText()).isNotEmpty();
        assertThat(r.path("requestSha256").asText()).hasSize(64);
        BigInteger fee = CliFixtures.fee(p1, r.path("usage"));
        assertThat(fee).isPositive();
        assertThat(r.at("/fee/neuron").asText()).as("the actual fee of this message").isEqualTo(fee.toString());
        assertThat(stack.brokers().get(0).store().unsettledFee(stack.user().address()).subtract(before))
                .isEqualTo(fee);
        assertError(post("/api/chat", Map.of("provider", p1.address(), "messages", List.of())), 400,
                "messages is required and must be a non-empty array");
    }

    @Test
    void anApiKeyWorksAtTheProviderUntilItIsRevoked() throws Exception {
        // Provider 2 serves no other test here, so its broker reads the account (with the revocation) fresh.
        DevnetStack.ProviderEntry p2 = stack.providers().get(1);
        JsonNode kept = ok(post("/api/api-keys", Map.of("provider", p2.address(), "tokenId", 7)));
        JsonNode revoked = ok(post("/api/api-keys", Map.of("provider", p2.address(), "tokenId", "8",
                "expiresInSeconds", 3600)));
        assertThat(kept.path("tokenId").asInt()).isEqualTo(7);
        assertThat(kept.path("apiKey").asText()).startsWith("app-sk-");
        assertThat(revoked.path("expiresAt").asLong() - revoked.path("createdAt").asLong()).isEqualTo(3_600_000);

        JsonNode tx = ok(post("/api/api-keys/revoke", Map.of("provider", p2.address(), "tokenId", 8)));
        assertThat(tx.path("transaction").asText()).startsWith("0x");

        assertThat(providerChat(p2, kept.path("apiKey").asText()).statusCode()).isEqualTo(200);
        HttpResponse<String> rejected = awaitRejected(p2, revoked.path("apiKey").asText());
        assertThat(rejected.body()).contains("session token has been revoked");
        assertError(post("/api/api-keys/revoke", Map.of("provider", p2.address(), "tokenId", "x")), 400,
                "tokenId must be a whole number, got x");
    }

    @Test
    void theUiAndTheCliShareOneSlotMap() throws Exception {
        // provider 1: no other test here hands out its keys
        String p1 = stack.providers().get(0).address();
        CliRunner.Result cliKey = cli.run("inference", "get-secret", "--provider", p1, "--duration", "0", "--json");
        assertThat(cliKey.exit()).as(cliKey.toString()).isZero();
        int cliSlot = JSON.readTree(cliKey.out()).path("tokenId").asInt();

        JsonNode ui = ok(post("/api/api-keys", Map.of("provider", p1, "label", "from the UI")));
        assertThat(ui.path("tokenId").asInt()).as("not the CLI's slot").isNotEqualTo(cliSlot);

        CliRunner.Result next = cli.run("inference", "get-secret", "--provider", p1, "--duration", "0", "--json");
        int nextSlot = JSON.readTree(next.out()).path("tokenId").asInt();
        assertThat(nextSlot).as("the CLI skips the UI's slot").isNotIn(cliSlot, ui.path("tokenId").asInt());

        JsonNode slots = ok(get("/api/api-keys?provider=" + p1)).path("slots");
        assertThat(slots.findValuesAsText("tokenId")).containsExactly(
                String.valueOf(cliSlot), ui.path("tokenId").asText(), String.valueOf(nextSlot));
        assertThat(find(slots, ui.path("tokenId").asInt()).path("label").asText()).isEqualTo("from the UI");
    }

    /** What a browser sends to a rebound name: the page's own Host, and here even the right token. */
    private static String raw(String path, String host) {
        int port = Integer.parseInt(base.substring(base.lastIndexOf(':') + 1));
        try (SlowClient c = SlowClient.connect("127.0.0.1", port)) {
            return c.send("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + WebUiServer.TOKEN_HEADER + ": "
                    + token + "\r\nConnection: close\r\n\r\n").closedWithin(Duration.ofSeconds(10));
        }
    }

    @Test
    void onlyItsOwnHostNamesAreAnswered() {
        assertThat(raw("/", "evil.example")).startsWith("HTTP/1.1 403")
                .endsWith("with --allowed-host (DNS rebinding protection)\"}");
        assertThat(raw("/api/status", "evil.example:3090")).startsWith("HTTP/1.1 403");
        assertThat(raw("/api/status", "my-box.lan")).as("named with --allowed-host").startsWith("HTTP/1.1 200");
        assertThat(raw("/", "localhost")).startsWith("HTTP/1.1 200");
    }

    @Test
    void slowConnectionsAreClosed() {
        try (var broker = InferenceServeTest.userBroker(stack)) {
            WebUiServer s = WebUiServer.start(broker, stack.devnet().rpcUrl(), home, "127.0.0.1", 0, List.of(),
                    new ServerLimits(Duration.ofMillis(500), Duration.ofMillis(800), Duration.ofMillis(500)));
            try {
                assertThat(SlowClient.holdPartialHeads("127.0.0.1", s.port(), "/api/deposit", 30,
                        Duration.ofSeconds(3))).hasSize(30).containsOnly("");
                try (SlowClient c = SlowClient.connect("127.0.0.1", s.port())) {
                    String got = c.send("POST /api/deposit HTTP/1.1\r\nHost: localhost\r\n" + WebUiServer.TOKEN_HEADER
                            + ": " + s.token() + "\r\nContent-Length: 100\r\n\r\n{").closedWithin(Duration.ofSeconds(3));
                    assertThat(got).startsWith("HTTP/1.1 408");
                }
            } finally {
                s.close();
            }
        }
    }

    @Test
    void aBusyPortIsAFriendlyError() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            CliRunner.Result r = cli.run("ui", "start-web", "--port", String.valueOf(port));
            assertThat(r.exit()).as(r.toString()).isEqualTo(1);
            assertThat(r.err()).contains("port " + port + " on 127.0.0.1 is already in use")
                    .doesNotContain("Exception").doesNotContain("\tat ");
        }
    }

    private static HttpResponse<String> providerChat(DevnetStack.ProviderEntry p, String apiKey) throws Exception {
        byte[] body = JSON.writeValueAsBytes(Map.of("model", p.model(),
                "messages", List.of(Map.of("role", "user", "content", "key check"))));
        return HTTP.send(HttpRequest.newBuilder(URI.create(p.url() + "/v1/proxy/chat/completions"))
                .header("Authorization", "Bearer " + apiKey).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The provider caches an account for 30 s; waits for the revocation in case it had read it before. */
    private static HttpResponse<String> awaitRejected(DevnetStack.ProviderEntry p, String apiKey) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
        while (true) {
            HttpResponse<String> r = providerChat(p, apiKey);
            if (r.statusCode() != 200 || System.nanoTime() > deadline) {
                assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
                return r;
            }
            Thread.sleep(500);
        }
    }

    private static BigInteger ledgerTotal() throws Exception {
        return new BigInteger(ok(get("/api/account")).at("/total/neuron").asText());
    }

    private static JsonNode find(JsonNode list, String provider) {
        for (JsonNode n : list) {
            if (n.path("provider").asText().equalsIgnoreCase(provider)) {
                return n;
            }
        }
        throw new AssertionError("no " + provider + " in " + list);
    }

    private static JsonNode find(JsonNode slots, int tokenId) {
        for (JsonNode n : slots) {
            if (n.path("tokenId").asInt() == tokenId) {
                return n;
            }
        }
        throw new AssertionError("no slot " + tokenId + " in " + slots);
    }

    private static void assertSecurityHeaders(HttpResponse<String> r) {
        assertThat(r.headers().firstValue("X-Frame-Options")).hasValue("DENY");
        assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(r.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
        assertThat(r.headers().firstValue("Content-Security-Policy").orElseThrow())
                .startsWith("default-src 'self'; script-src 'self';").contains("frame-ancestors 'none'")
                .doesNotContain("unsafe");
    }

    private static void assertError(HttpResponse<String> r, int status, String error) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(JSON.readTree(r.body()).path("error").asText()).isEqualTo(error);
    }

    private static JsonNode ok(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).header("X-ZG-Token", token);
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return send(request(path).GET());
    }

    private static HttpResponse<String> post(String path, Object body) throws Exception {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))));
    }

    private static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
