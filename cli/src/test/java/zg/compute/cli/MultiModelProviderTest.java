package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zg.compute.cli.internal.devnet.DevnetStack;
import zg.compute.cli.internal.devnet.StackConfig;
import zg.compute.cli.internal.serve.ProxyServer;
import zg.compute.devnet.Devnet;
import zg.compute.provider.ProviderConfig;
import zg.compute.sdk.ResponseVerification;
import zg.compute.sdk.ZGComputeNetworkBroker;

/**
 * Devnet provider 2 serves two models at two prices behind one address: our {@code get-models}, the official
 * SDK's {@code getProviderModels}/{@code getServiceMetadata(provider, model)}, a paid request to the second
 * model billed (by the broker) and counted (by the SDK) at its prices, and {@code inference serve} keeping a
 * model the provider serves.
 */
class MultiModelProviderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static DevnetStack stack;
    private static ZGComputeNetworkBroker user;

    @BeforeAll
    static void start() {
        stack = DevnetStack.start(new StackConfig(0, 3600, Duration.ofHours(1), null, null, null), line -> { });
        user = InferenceServeTest.userBroker(stack);
    }

    @AfterAll
    static void stop() {
        if (user != null) {
            user.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    private static DevnetStack.ProviderEntry p2() {
        return stack.providers().get(1);
    }

    private static ProviderConfig.Model second() {
        return p2().models().get(1);
    }

    private static byte[] chat(String model, String text) throws IOException {
        return JSON.writeValueAsBytes(Map.of("model", model, "messages", List.of(Map.of("role", "user",
                "content", text))));
    }

    @Test
    void getModelsListsEveryModelWithItsPrices(@TempDir Path home) throws Exception {
        assertThat(second().name()).isEqualTo(DevnetStack.MULTI_MODEL_SECOND);
        CliRunner cli = CliFixtures.runnerFor(stack.devnet(), home, null); // read-only: no key
        CliRunner.Result r = cli.run("inference", "get-models", "--provider", p2().address());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("Multi-model:   yes (NATIVE)").contains("Default model: zg-dev-chat-large");
        assertThat(r.cell("zg-dev-chat-large")).isEqualTo("in 0.000000003 / out 0.000000006 per token");
        assertThat(r.cell(DevnetStack.MULTI_MODEL_SECOND)).isEqualTo("in 0.000000005 / out 0.00000001 per token");

        r = cli.run("inference", "get-models", "--provider", p2().address(), "--json");
        assertThat(r.exit()).as(r.toString()).isZero();
        JsonNode j = JSON.readTree(r.out());
        assertThat(j.get("multiModel").asBoolean()).isTrue();
        assertThat(j.at("/models/1/id").asText()).isEqualTo(DevnetStack.MULTI_MODEL_SECOND);
        assertThat(j.at("/models/1/inputPrice").asText()).isEqualTo("0.000000005");
        assertThat(j.at("/models/1/type").asText()).isEqualTo("chatbot");

        r = cli.run("inference", "get-models", "--provider", stack.providers().get(0).address());
        assertThat(r.out()).contains("Multi-model:   no").contains("zg-dev-chat-small");
    }

    @Test
    void theOfficialSdkReadsOurCatalogAndMetadata(@TempDir Path dir) throws Exception {
        Path interop = OfficialSdkInteropTest.interopDir();
        Devnet d = stack.devnet();
        JsonNode s = OfficialSdkInteropTest.runNode(interop, dir, stack.user().privateKey(), Duration.ofSeconds(90),
                "provider-models.mjs", d.rpcUrl(), d.contracts().ledger().proxy(), d.contracts().inference().proxy(),
                d.contracts().fineTuning().proxy(), p2().address(), DevnetStack.MULTI_MODEL_SECOND).summary();
        assertThat(s.get("multiModel").asBoolean()).isTrue();
        assertThat(s.get("priceDenomination").asText()).isEqualTo("NATIVE");
        assertThat(s.get("defaultModel").asText()).isEqualTo("zg-dev-chat-large");
        assertThat(s.get("models")).hasSize(2);
        assertThat(s.at("/models/1/id").asText()).isEqualTo(DevnetStack.MULTI_MODEL_SECOND);
        assertThat(s.at("/models/1/prompt").asText()).isEqualTo(second().inputPrice().toString());
        assertThat(s.at("/models/1/completion").asText()).isEqualTo(second().outputPrice().toString());
        assertThat(s.at("/chosen/endpoint").asText()).isEqualTo(p2().url() + "/v1/proxy");
        assertThat(s.at("/chosen/model").asText()).isEqualTo(DevnetStack.MULTI_MODEL_SECOND);
        assertThat(s.at("/byDefault/model").asText()).isEqualTo("zg-dev-chat-large");
    }

    @Test
    void theSecondModelIsBilledAndCountedAtItsOwnPrices() throws Exception {
        String me = stack.user().address();
        var store = stack.brokers().get(1).store();
        BigInteger unsettledBefore = store.unsettledFee(me);
        BigInteger cachedBefore = user.inference().cachedFee(p2().address());
        byte[] request = chat(DevnetStack.MULTI_MODEL_SECOND, "hello second model");
        HttpResponse<byte[]> r = CliFixtures.paidChat(user, p2(), request);
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        JsonNode usage = JSON.readTree(r.body()).get("usage");
        BigInteger fee = second().inputPrice().multiply(BigInteger.valueOf(usage.get("prompt_tokens").asLong()))
                .add(second().outputPrice().multiply(BigInteger.valueOf(usage.get("completion_tokens").asLong())));

        String chatKey = r.headers().firstValue("ZG-Res-Key").orElseThrow();
        assertThat(user.inference().processResponse(p2().address(), chatKey, usage.toString(), request, r.body()))
                .isEqualTo(ResponseVerification.VERIFIED);
        assertThat(store.unsettledFee(me).subtract(unsettledBefore)).as("billed by the broker").isEqualTo(fee);
        assertThat(user.inference().cachedFee(p2().address()).subtract(cachedBefore)).as("counted by the SDK")
                .isEqualTo(fee);

        HttpResponse<byte[]> unknown = CliFixtures.paidChat(user, p2(), chat("gpt-4", "hello"));
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(new String(unknown.body(), StandardCharsets.UTF_8)).contains(
                "model gpt-4 is not served here; this broker serves zg-dev-chat-large, " + DevnetStack.MULTI_MODEL_SECOND);
    }

    @Test
    void serveKeepsAModelTheProviderServesAndNamesTheDefaultOtherwise() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        try (ProxyServer server = ProxyServer.serve(user, p2().address(), "127.0.0.1", 0, log::add)) {
            ProxyClient client = new ProxyClient(server.baseUrl());
            HttpResponse<String> kept = client.post("/v1/chat/completions", chat(DevnetStack.MULTI_MODEL_SECOND, "hi"));
            assertThat(kept.statusCode()).as(kept.body()).isEqualTo(200);
            assertThat(ProxyClient.json(kept).get("model").asText()).isEqualTo(DevnetStack.MULTI_MODEL_SECOND);
            HttpResponse<String> other = client.post("/v1/chat/completions", chat("gpt-4", "hi"));
            assertThat(other.statusCode()).as(other.body()).isEqualTo(200);
            assertThat(ProxyClient.json(other).get("model").asText()).isEqualTo("zg-dev-chat-large");
        }
    }
}
