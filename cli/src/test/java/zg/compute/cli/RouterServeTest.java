package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import zg.compute.cli.internal.devnet.DevnetStack;
import zg.compute.cli.internal.devnet.StackConfig;
import zg.compute.cli.internal.serve.EndpointTarget;
import zg.compute.cli.internal.serve.PriorityRouter;
import zg.compute.cli.internal.serve.ProviderTarget;
import zg.compute.cli.internal.serve.ProxyServer;
import zg.compute.provider.DevModelBackend;
import zg.compute.sdk.ZGComputeNetworkBroker;

/**
 * {@code inference router-serve} (sdk-cli.md §7.3) over a real devnet's two provider brokers and a stand-in
 * OpenAI-compatible endpoint: priorities, failover when a broker stops, reset when every target failed,
 * {@code X-Provider-Address}, event-by-event streaming, verification and the command itself. The test that
 * stops provider 1 runs last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RouterServeTest {

    private static DevnetStack stack;
    private static ZGComputeNetworkBroker broker;
    private static FakeOpenAiServer fake;
    private static final List<String> LOG = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        stack = DevnetStack.start(new StackConfig(0, 3600, Duration.ofHours(1), null, null, null), line -> { });
        broker = InferenceServeTest.userBroker(stack);
        fake = new FakeOpenAiServer();
    }

    @AfterAll
    static void stop() {
        if (fake != null) {
            fake.close();
        }
        if (broker != null) {
            broker.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    private static DevnetStack.ProviderEntry p(int i) {
        return stack.providers().get(i);
    }

    private static PriorityRouter.Prioritised provider(int i, int priority) {
        return new PriorityRouter.Prioritised(ProviderTarget.connect(broker.inference(), p(i).address()), priority);
    }

    private static PriorityRouter.Prioritised endpoint(String id, String url, int priority) {
        return new PriorityRouter.Prioritised(new EndpointTarget(id, url, "sk-test-123", "gpt-3.5-turbo", "chatbot"), priority);
    }

    private static ProxyServer router(PriorityRouter.Prioritised... targets) {
        return ProxyServer.start(new PriorityRouter(List.of(targets), Duration.ofSeconds(60), Clock.systemUTC()),
                new ProxyServer.Settings("127.0.0.1", 0, Duration.ofSeconds(10), Duration.ofSeconds(60)), LOG::add);
    }

    private static JsonNode status(ProxyClient c, String id) throws Exception {
        for (JsonNode n : ProxyClient.json(c.get("/v1/providers/status"))) {
            if (n.path("id").asText().equals(id)) {
                return n;
            }
        }
        throw new AssertionError(id + " not in the status list");
    }

    @Test
    @Order(1)
    void theLowestPriorityNumberAnswersAndIsNamedInHeaderAndBody() throws Exception {
        try (ProxyServer server = router(provider(0, 20), provider(1, 10))) {
            ProxyClient c = new ProxyClient(server.baseUrl());
            BigInteger before = stack.brokers().get(1).store().unsettledFee(stack.user().address());

            HttpResponse<String> r = c.chat("Route me");

            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.headers().firstValue("X-Provider-Address")).contains(p(1).address());
            JsonNode body = ProxyClient.json(r);
            assertThat(body.path("x-provider-address").asText()).isEqualTo(p(1).address());
            assertThat(body.path("model").asText()).isEqualTo(p(1).model());
            assertThat(body.at("/choices/0/message/content").asText()).isEqualTo(DevModelBackend.REPLY_PREFIX + "Route me");
            assertThat(stack.brokers().get(1).store().unsettledFee(stack.user().address()).subtract(before))
                    .isEqualTo(InferenceServeTest.fee(p(1), body.path("usage")));

            String key = r.headers().firstValue("ZG-Res-Key").orElseThrow();
            InferenceServeTest.awaitLine(LOG, key, "VERIFIED");
            assertThat(c.verify(key).path("isValid").asBoolean()).as("verified against the bytes received").isTrue();
            assertThat(c.verify(body.path("id").asText()).path("isValid").asBoolean()).isTrue();
            assertThat(status(c, p(0).address()).path("available").asBoolean()).isTrue();
            assertThat(status(c, p(1).address()).path("priority").asInt()).isEqualTo(10);
        }
    }

    @Test
    @Order(2)
    void streamsCarryTheProviderHeaderAndUsage() throws Exception {
        try (ProxyServer server = router(provider(0, 1))) {
            ProxyClient c = new ProxyClient(server.baseUrl());
            HttpResponse<Stream<String>> r = c.send(c.request("/v1/chat/completions",
                    ProxyClient.chatBody("Stream via router", true)).build(), HttpResponse.BodyHandlers.ofLines());

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("X-Provider-Address")).contains(p(0).address());
            List<String> events = r.body().filter(l -> l.startsWith("data:")).toList();
            assertThat(events).last().isEqualTo("data: [DONE]");
            assertThat(events.get(events.size() - 2)).contains("\"usage\"");
            InferenceServeTest.awaitLine(LOG, r.headers().firstValue("ZG-Res-Key").orElseThrow(), "VERIFIED");
        }
    }

    @Test
    @Order(3)
    void aDirectEndpointGetsItsApiKeyAndModelAndIsNotClaimedVerifiable() throws Exception {
        int seen = fake.received.size();
        try (ProxyServer server = router(provider(0, 100), endpoint("openai-fake", fake.baseUrl(), 5))) {
            ProxyClient c = new ProxyClient(server.baseUrl());
            HttpResponse<String> r = c.chat("To the endpoint");

            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.headers().firstValue("X-Provider-Address")).contains("openai-fake");
            assertThat(ProxyClient.json(r).at("/choices/0/message/content").asText()).isEqualTo("fake endpoint says hi");
            FakeOpenAiServer.Received got = fake.received.get(seen);
            assertThat(got.path()).isEqualTo("/v1/chat/completions");
            assertThat(got.authorization()).isEqualTo("Bearer sk-test-123");
            assertThat(ProxyClient.JSON.readTree(got.body()).path("model").asText()).isEqualTo("gpt-3.5-turbo");

            JsonNode v = c.verify("cmpl-fake-1");
            assertThat(v.path("isValid").asBoolean()).as("a plain endpoint signs nothing").isFalse();
        }
    }

    @Test
    @Order(4)
    void streamedEventsReachTheClientAsTheyArriveNotBuffered() throws Exception {
        try (ProxyServer server = router(endpoint("gated", fake.baseUrl(), 1))) {
            ProxyClient c = new ProxyClient(server.baseUrl());
            HttpResponse<Stream<String>> r = c.send(c.request("/v1/chat/completions",
                    ProxyClient.chatBody("hold on", true)).build(), HttpResponse.BodyHandlers.ofLines());
            Iterator<String> lines = r.body().filter(l -> l.startsWith("data:")).iterator();

            // the stand-in sends the rest only after this first event has reached us through the proxy
            assertThat(lines.next()).contains("\"first\"");
            fake.openGate();
            assertThat(lines.next()).contains("\"second\"");
            assertThat(lines.next()).isEqualTo("data: [DONE]");
            assertThat(fake.gateOpenedInTime()).isTrue();
        }
    }

    @Test
    @Order(5)
    void whenEveryTargetFailsTheClientGets503AndAllAreTriedAgainNextTime() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        fake.answerWith(500);
        try (ProxyServer server = router(endpoint("failing", fake.baseUrl(), 1),
                endpoint("gone", "http://127.0.0.1:" + closedPort + "/v1", 2))) {
            ProxyClient c = new ProxyClient(server.baseUrl());
            HttpResponse<String> r = c.chat("Anyone?");

            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(ProxyClient.json(r).path("error").asText())
                    .startsWith("every provider failed; all are marked available again for the next request.")
                    .contains("failing: HTTP 500: stand-in failure 500")
                    .contains("gone: cannot reach http://127.0.0.1:" + closedPort + "/v1/chat/completions");
            JsonNode failing = status(c, "failing");
            assertThat(failing.path("available").asBoolean()).isFalse();
            assertThat(failing.path("lastError").asText()).isEqualTo("HTTP 500: stand-in failure 500");
            assertThat(status(c, "gone").path("available").asBoolean()).isFalse();

            fake.answerWith(200);
            HttpResponse<String> again = c.chat("Now?");
            assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
            assertThat(again.headers().firstValue("X-Provider-Address")).contains("failing");
        } finally {
            fake.answerWith(200);
        }
    }

    @Test
    @Order(6)
    void theCommandRoutesByItsFlags(@TempDir Path home) throws Exception {
        CliRunner cli = CliFixtures.runnerFor(stack.devnet(), home, stack.devnet().account(DevnetStack.USER));
        try (BackgroundCli router = BackgroundCli.start(cli, "inference", "router-serve", "--add-endpoint",
                "fake," + fake.baseUrl() + ",sk-from-the-command", "--add-provider", p(1).address() + ",7",
                "--port", "0")) {
            String out = router.awaitOutput("ready", Duration.ofSeconds(60));
            assertThat(out).contains("priority 7  provider " + p(1).address() + "  model " + p(1).model())
                    .contains("priority 50  endpoint fake  model gpt-3.5-turbo");
            Matcher m = Pattern.compile("listening on (http://\\S+)").matcher(out);
            assertThat(m.find()).isTrue();
            assertThat(m.group(1)).startsWith("http://127.0.0.1:");
            ProxyClient c = new ProxyClient(m.group(1));

            JsonNode list = ProxyClient.json(c.get("/v1/providers/status"));
            assertThat(list.findValuesAsText("id")).containsExactly(p(1).address(), "fake");
            assertThat(list.findValuesAsText("type")).containsExactly("provider", "endpoint");
            HttpResponse<String> r = c.chat("By flags");
            assertThat(r.headers().firstValue("X-Provider-Address")).contains(p(1).address());

            assertThat(router.stop()).isZero();
            assertThat(router.out() + router.err()).doesNotContain("sk-from-the-command")
                    .doesNotContain(stack.user().privateKey().substring(2));
        }
    }

    @Test
    @Order(7)
    void badTargetFlagsAreClearErrors(@TempDir Path home) {
        CliRunner cli = new CliRunner(home);
        CliRunner.Result none = cli.run("inference", "router-serve", "--port", "0");
        assertThat(none.exit()).isEqualTo(1);
        assertThat(none.err()).contains("Add at least one target: --add-provider");

        CliRunner.Result endpoint = cli.run("inference", "router-serve", "--add-endpoint", "only-id,http://x");
        assertThat(endpoint.exit()).isEqualTo(1);
        assertThat(endpoint.err())
                .contains("--add-endpoint expects <id>,<url>,<apikey>[,<model>[,<priority>[,<serviceType>]]]");
        CliRunner.Result type = cli.run("inference", "router-serve", "--add-endpoint",
                "oai,https://api.example/v1,sk-secret-1,dall-e-3,5,text-to-video");
        assertThat(type.exit()).isEqualTo(1);
        assertThat(type.err()).contains("--add-endpoint oai: the service type must be one of chatbot, text-to-image, "
                + "image-editing, speech-to-text, embedding, audio-generation, got \"text-to-video\"")
                .doesNotContain("sk-secret-1");

        CliRunner.Result priority = cli.run("inference", "router-serve", "--add-provider", p(0).address() + ",high");
        assertThat(priority.exit()).isEqualTo(1);
        assertThat(priority.err()).contains("the priority must be a whole number, got \"high\"");
    }

    @Test
    @Order(100)
    void whenTheFirstProvidersBrokerStopsTheSecondAnswersAndTheFirstIsSkippedFor60s() throws Exception {
        try (ProxyServer server = router(provider(0, 1), provider(1, 2))) {
            ProxyClient c = new ProxyClient(server.baseUrl());
            assertThat(c.chat("first").headers().firstValue("X-Provider-Address")).contains(p(0).address());

            stack.brokers().get(0).close();
            Instant stopped = Instant.now();
            HttpResponse<String> r = c.chat("after the stop");

            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.headers().firstValue("X-Provider-Address")).contains(p(1).address());
            assertThat(ProxyClient.json(r).at("/choices/0/message/content").asText()).contains("after the stop");
            JsonNode first = status(c, p(0).address());
            assertThat(first.path("available").asBoolean()).isFalse();
            assertThat(first.path("lastError").asText()).startsWith("cannot reach " + p(0).url());
            assertThat(Instant.parse(first.path("unavailableUntil").asText()))
                    .isBetween(stopped.plusSeconds(59), Instant.now().plusSeconds(60));
            assertThat(status(c, p(1).address()).path("available").asBoolean()).isTrue();

            long failuresOfFirst = LOG.stream().filter(l -> l.startsWith("✗ provider " + p(0).address())).count();
            assertThat(c.chat("skip the first").headers().firstValue("X-Provider-Address")).contains(p(1).address());
            assertThat(LOG.stream().filter(l -> l.startsWith("✗ provider " + p(0).address())).count())
                    .as("the unavailable provider is not tried again").isEqualTo(failuresOfFirst);
        }
    }

    @Test
    @Order(101)
    void theCommandStartsWithAProviderThatDoesNotAnswerAndMarksItUnavailable(@TempDir Path home) throws Exception {
        // provider 1's broker was stopped by the test before
        CliRunner cli = CliFixtures.runnerFor(stack.devnet(), home, stack.devnet().account(DevnetStack.USER));
        try (BackgroundCli router = BackgroundCli.start(cli, "inference", "router-serve", "--add-provider",
                p(0).address() + ",1", "--add-provider", p(1).address() + ",2", "--port", "0")) {
            String out = router.awaitOutput("ready", Duration.ofSeconds(60));
            assertThat(out).contains("⚠ provider " + p(0).address() + " does not answer: marked unavailable for 60 s");
            Matcher m = Pattern.compile("listening on (http://\\S+)").matcher(out);
            assertThat(m.find()).isTrue();
            ProxyClient c = new ProxyClient(m.group(1));
            assertThat(status(c, p(0).address()).path("available").asBoolean()).isFalse();
            assertThat(status(c, p(1).address()).path("available").asBoolean()).isTrue();
            HttpResponse<String> r = c.chat("the second answers at once");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.headers().firstValue("X-Provider-Address")).contains(p(1).address());
            assertThat(router.stop()).isZero();
        }
    }
}
