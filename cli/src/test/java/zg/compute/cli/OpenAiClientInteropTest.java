package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.CompletionUsage;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.web3j.crypto.Credentials;
import zg.compute.cli.internal.devnet.DevnetStack;
import zg.compute.cli.internal.devnet.StackConfig;
import zg.compute.cli.internal.serve.ProxyServer;
import zg.compute.provider.DevModelBackend;
import zg.compute.provider.internal.dev.TokenCounter;
import zg.compute.sdk.ApiKey;
import zg.compute.sdk.BrokerOptions;
import zg.compute.sdk.ContractAddresses;
import zg.compute.sdk.ResponseVerification;
import zg.compute.sdk.ZGComputeNetworkBroker;

/**
 * Interop: the official OpenAI Java SDK ({@code com.openai:openai-java}, from Maven Central) as a third-party
 * client of our provider broker — given only the base URL {@code <url>/v1/proxy} and an app-sk API key as its
 * "OpenAI API key" — and of {@code inference serve} ({@code http://127.0.0.1:<port>/v1}, no key). Both must look
 * like an OpenAI server to it (JSON, SSE chunks, errors), and what it receives must be billed and verifiable
 * with our SDK.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenAiClientInteropTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MISSING_KEY = "validate session: missing or invalid Authorization header, must be "
            + "Bearer app-sk-<base64(rawMessage:signature)>";

    private final List<OpenAIClient> clients = new ArrayList<>();
    private final List<String> serveLog = new CopyOnWriteArrayList<>();
    private DevnetStack stack;
    private ZGComputeNetworkBroker user;
    private ProxyServer serve;

    @BeforeAll
    void startDevnet() {
        // settlement only after an hour, so the brokers' unsettled fees change exactly by what a test bills
        stack = DevnetStack.start(new StackConfig(0, 3600, Duration.ofHours(1), null, null, null), line -> { });
        var c = stack.devnet().contracts();
        user = ZGComputeNetworkBroker.create(Credentials.create(stack.user().privateKey()), stack.devnet().rpcUrl(),
                BrokerOptions.defaults().withFundOnRequestHeaders(false).withContracts(
                        new ContractAddresses(c.ledger().proxy(), c.inference().proxy(), c.fineTuning().proxy())));
        // `inference serve` for provider 1 with the same wallet, as the command starts it
        serve = ProxyServer.serve(user, stack.providers().get(0).address(), "127.0.0.1", 0, serveLog::add);
    }

    @AfterAll
    void stopDevnet() {
        clients.forEach(OpenAIClient::close);
        if (serve != null) {
            serve.close();
        }
        if (user != null) {
            user.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void chatCompletionWithAnApiKeyIsAnsweredBilledAndVerifiable() throws Exception {
        paidChat(withApiKey(stack.providers().get(0)), "What is 0G Compute?");
    }

    @Test
    void streamedChatCompletionGivesTheSameTextChunkByChunkAndIsVerifiable() throws Exception {
        OpenAIClient client = withApiKey(stack.providers().get(0));
        String prompt = "Stream me: tokens, one by one!";
        assertThat(paidStream(client, prompt)).isEqualTo(paidChat(client, prompt));
    }

    @Test
    void inferenceServeAnswersAClientWithoutAKeyAndTheProviderBillsTheWallet() throws Exception {
        paidChat(serveClient(), "Hello through inference serve");
    }

    @Test
    void inferenceServeStreamsToAClientWithoutAKey() throws Exception {
        paidStream(serveClient(), "Stream through serve, please.");
    }

    @Test
    void rejectedKeysRaiseTheClientsBadRequestErrorWithTheBrokersText() {
        // Provider 2 serves no other test of this class, so its account is not in the broker's cache yet
        // when the key is revoked on chain.
        DevnetStack.ProviderEntry p1 = stack.providers().get(0);
        DevnetStack.ProviderEntry p2 = stack.providers().get(1);
        ApiKey revoked = user.inference().createApiKey(p2.address(), null, 3);
        user.inference().revokeApiKey(p2.address(), 3);
        String endpoint1 = user.inference().getServiceMetadata(p1.address()).endpoint();
        String endpoint2 = user.inference().getServiceMetadata(p2.address()).endpoint();

        assertRejected(client(endpoint1, "sk-not-a-0g-key"), p1.model(), false, MISSING_KEY);
        assertRejected(client(endpoint1, "sk-not-a-0g-key"), p1.model(), true, MISSING_KEY);
        assertRejected(client(endpoint1, user.inference().createApiKey(p2.address()).rawToken()), p1.model(), false,
                "validate session: session token is for different provider");
        assertRejected(client(endpoint2, revoked.rawToken()), p2.model(), false,
                "validate session: session token has been revoked");
        assertRejected(client(endpoint2, revoked.rawToken()), p2.model(), true,
                "validate session: session token has been revoked");
    }

    private static void assertRejected(OpenAIClient client, String model, boolean stream, String error) {
        ChatCompletionCreateParams params = params(model, "hi");
        BadRequestException e = catchThrowableOfType(() -> {
            if (stream) {
                try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(params)) {
                    s.stream().count();
                }
            } else {
                client.chat().completions().create(params);
            }
        }, BadRequestException.class);
        assertThat(e).as("%s (stream %s) is rejected", error, stream).isNotNull();
        assertThat(e.statusCode()).isEqualTo(400);
        // the SDK reads the "error" member of the body; ours is the plain §11.1 text (the official broker's shape)
        assertThat(e.body().convert(String.class)).isEqualTo(error);
        assertThat(e.getMessage()).contains(error);
    }

    /**
     * A non-streamed chat completion with provider 1 (directly or through serve): the development backend's
     * answer and token counts, billed by the provider and verifiable by its {@code ZG-Res-Key}.
     *
     * @return the answer's text
     */
    private String paidChat(OpenAIClient client, String prompt) throws Exception {
        DevnetStack.ProviderEntry p = stack.providers().get(0);
        BigInteger unsettledBefore = unsettled();
        HttpResponseFor<ChatCompletion> raw = client.chat().completions().withRawResponse()
                .create(params(p.model(), prompt));
        assertThat(raw.statusCode()).isEqualTo(200);
        String chatId = zgResKey(raw.headers().values("ZG-Res-Key"));
        ChatCompletion completion = raw.parse();

        assertThat(completion.choices()).hasSize(1);
        String text = completion.choices().get(0).message().content().orElseThrow();
        assertThat(text).isEqualTo(devReply(prompt));
        CompletionUsage usage = completion.usage().orElseThrow();
        assertDevUsage(prompt, usage);
        assertThat(usage.totalTokens()).isEqualTo(usage.promptTokens() + usage.completionTokens());
        assertBilledAndVerified(p, unsettledBefore, chatId, usage);
        return text;
    }

    /** As {@link #paidChat}, streamed: the text is assembled from the deltas, the usage from the final chunk. */
    private String paidStream(OpenAIClient client, String prompt) throws Exception {
        DevnetStack.ProviderEntry p = stack.providers().get(0);
        BigInteger unsettledBefore = unsettled();
        HttpResponseFor<StreamResponse<ChatCompletionChunk>> raw = client.chat().completions().withRawResponse()
                .createStreaming(streamParams(p.model(), prompt));
        assertThat(raw.statusCode()).isEqualTo(200);
        String chatId = zgResKey(raw.headers().values("ZG-Res-Key"));
        Streamed s = read(raw.parse());

        assertThat(s.text()).isEqualTo(devReply(prompt));
        assertDevUsage(prompt, s.usage());
        assertBilledAndVerified(p, unsettledBefore, chatId, s.usage());
        return s.text();
    }

    /** Provider 1 billed exactly this usage at its prices, and its TEE signed the response under {@code chatId}. */
    private void assertBilledAndVerified(DevnetStack.ProviderEntry p, BigInteger unsettledBefore, String chatId,
            CompletionUsage usage) throws Exception {
        assertThat(unsettled().subtract(unsettledBefore)).isEqualTo(fee(p, usage));
        assertThat(user.inference().processResponse(p.address(), chatId, usageJson(usage)))
                .isEqualTo(ResponseVerification.VERIFIED);
    }

    /** What provider 1's broker has billed the user and not settled yet (settlement runs only hourly here). */
    private BigInteger unsettled() {
        return stack.brokers().get(0).store().unsettledFee(stack.user().address());
    }

    /** `inference serve` needs no key; an OpenAI client insists on one, so it gets a dummy. */
    private OpenAIClient serveClient() {
        return client(serve.baseUrl() + "/v1", "no-key-needed-for-local-serve");
    }

    /** An OpenAI client as a third-party app configures it: a base URL and an API key, nothing 0G-specific. */
    private OpenAIClient client(String baseUrl, String apiKey) {
        OpenAIClient c = OpenAIOkHttpClient.builder().baseUrl(baseUrl).apiKey(apiKey).build();
        clients.add(c);
        return c;
    }

    /** The SDK's advertised endpoint ({@code <url>/v1/proxy}) with a fresh never-expiring API key. */
    private OpenAIClient withApiKey(DevnetStack.ProviderEntry p) {
        return client(user.inference().getServiceMetadata(p.address()).endpoint(),
                user.inference().createApiKey(p.address()).rawToken());
    }

    private static ChatCompletionCreateParams params(String model, String prompt) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage(prompt).build();
    }

    /** Streaming, asking for the final usage chunk as an OpenAI client must to learn its token counts. */
    private static ChatCompletionCreateParams streamParams(String model, String prompt) {
        return params(model, prompt).toBuilder()
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
    }

    /** What the client assembled from a stream: the delta texts, how many carried text, the final usage. */
    private record Streamed(String text, int contentChunks, CompletionUsage usage) {
    }

    private static Streamed read(StreamResponse<ChatCompletionChunk> response) {
        StringBuilder text = new StringBuilder();
        int[] contentChunks = {0};
        CompletionUsage[] usage = {null};
        try (response) {
            response.stream().forEach(chunk -> {
                chunk.choices().forEach(c -> c.delta().content().filter(t -> !t.isEmpty()).ifPresent(t -> {
                    text.append(t);
                    contentChunks[0]++;
                }));
                chunk.usage().ifPresent(u -> usage[0] = u);
            });
        }
        assertThat(usage[0]).as("the final chunk's usage").isNotNull();
        // one chunk per token: the client really received a stream, not one blob
        assertThat(contentChunks[0]).isEqualTo(usage[0].completionTokens());
        return new Streamed(text.toString(), contentChunks[0], usage[0]);
    }

    /** The development backend's token counts: one per token of each message + 1 for its role; one per reply token. */
    private static void assertDevUsage(String prompt, CompletionUsage usage) {
        assertThat(usage.promptTokens()).isEqualTo(TokenCounter.count(prompt) + 1);
        assertThat(usage.completionTokens()).isEqualTo(TokenCounter.count(devReply(prompt)));
    }

    /** What the development backend answers (the prompts here are shorter than its 64-token default cut). */
    private static String devReply(String prompt) {
        return DevModelBackend.REPLY_PREFIX + prompt;
    }

    private static String zgResKey(List<String> values) {
        assertThat(values).as("ZG-Res-Key header").hasSize(1);
        assertThat(values.get(0)).isNotBlank();
        return values.get(0);
    }

    private static String usageJson(CompletionUsage u) throws Exception {
        return JSON.writeValueAsString(Map.of("prompt_tokens", u.promptTokens(), "completion_tokens",
                u.completionTokens(), "total_tokens", u.totalTokens()));
    }

    private static BigInteger fee(DevnetStack.ProviderEntry p, CompletionUsage u) {
        return p.inputPrice().multiply(BigInteger.valueOf(u.promptTokens()))
                .add(p.outputPrice().multiply(BigInteger.valueOf(u.completionTokens())));
    }
}
