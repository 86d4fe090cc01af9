package zg.compute.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.CompletionUsage;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.web3j.crypto.Credentials;
import zg.compute.cli.internal.devnet.DevnetStack;
import zg.compute.cli.internal.devnet.StackConfig;
import zg.compute.okhttp.ZgInterceptor;
import zg.compute.provider.DevModelBackend;
import zg.compute.sdk.BrokerOptions;
import zg.compute.sdk.ContractAddresses;
import zg.compute.sdk.ResponseOutcome;
import zg.compute.sdk.ResponseVerification;
import zg.compute.sdk.ZGComputeNetworkBroker;

/** The official OpenAI Java SDK, made by {@link ZgOpenAi}, against the devnet's chat provider 1. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ZgOpenAiTest {

    private DevnetStack stack;
    private ZGComputeNetworkBroker user;
    private DevnetStack.ProviderEntry p;
    private OpenAIClient openai;
    private final List<ResponseOutcome> outcomes = new CopyOnWriteArrayList<>();

    @BeforeAll
    void start() {
        stack = DevnetStack.start(new StackConfig(0, 3600, Duration.ofHours(1), null, null, null), line -> { });
        var c = stack.devnet().contracts();
        user = ZGComputeNetworkBroker.create(Credentials.create(stack.user().privateKey()), stack.devnet().rpcUrl(),
                BrokerOptions.defaults().withFundOnRequestHeaders(false).withContracts(
                        new ContractAddresses(c.ledger().proxy(), c.inference().proxy(), c.fineTuning().proxy())));
        p = stack.providers().get(0);
        openai = ZgOpenAi.client(user.inference(), p.address(), outcomes::add);
    }

    @AfterAll
    void stop() {
        if (openai != null) {
            openai.close();
        }
        if (user != null) {
            user.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aCompletionIsAnsweredVerifiedAndBilledAsCounted() {
        String prompt = "Hello from the OpenAI Java SDK";
        BigInteger before = unsettled();
        HttpResponseFor<ChatCompletion> raw = openai.chat().completions().withRawResponse()
                .create(ChatCompletionCreateParams.builder().model(p.model()).addUserMessage(prompt).build());
        ChatCompletion completion = raw.parse();
        assertThat(completion.choices().get(0).message().content()).contains(DevModelBackend.REPLY_PREFIX + prompt);
        assertThat(raw.headers().values(ZgInterceptor.VERIFICATION_HEADER)).containsExactly("VERIFIED");
        BigInteger fee = fee(completion.usage().orElseThrow());
        assertThat(raw.headers().values(ZgInterceptor.FEE_HEADER)).containsExactly(fee.toString());
        assertThat(unsettled().subtract(before)).isEqualTo(fee);
    }

    @Test
    void aStreamIsVerifiedOnceTheClientHasReadIt() {
        String prompt = "Stream through the OpenAI Java SDK";
        int seen = outcomes.size();
        BigInteger before = unsettled();
        StringBuilder text = new StringBuilder();
        CompletionUsage[] usage = {null};
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model(p.model())
                .addUserMessage(prompt)
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        try (StreamResponse<ChatCompletionChunk> s = openai.chat().completions().createStreaming(params)) {
            s.stream().forEach(chunk -> {
                chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append));
                chunk.usage().ifPresent(u -> usage[0] = u);
            });
        }
        assertThat(text.toString()).isEqualTo(DevModelBackend.REPLY_PREFIX + prompt);
        assertThat(outcomes).hasSize(seen + 1);
        ResponseOutcome o = outcomes.get(seen);
        assertThat(o.verification()).isEqualTo(ResponseVerification.VERIFIED);
        assertThat(o.fee()).isEqualTo(fee(usage[0])).isEqualTo(unsettled().subtract(before));
    }

    private BigInteger unsettled() {
        return stack.brokers().get(0).store().unsettledFee(stack.user().address());
    }

    private BigInteger fee(CompletionUsage u) {
        return p.inputPrice().multiply(BigInteger.valueOf(u.promptTokens()))
                .add(p.outputPrice().multiply(BigInteger.valueOf(u.completionTokens())));
    }
}
