package zg.compute.okhttp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.web3j.crypto.Credentials;
import zg.compute.cli.internal.devnet.DevnetStack;
import zg.compute.cli.internal.devnet.StackConfig;
import zg.compute.provider.DevModelBackend;
import zg.compute.sdk.BrokerOptions;
import zg.compute.sdk.ContractAddresses;
import zg.compute.sdk.ResponseOutcome;
import zg.compute.sdk.ResponseVerification;
import zg.compute.sdk.ZGComputeNetworkBroker;

/** The interceptor against the devnet's chat provider 1 (development backend, a stand-in for a model). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ZgInterceptorTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MediaType APPLICATION_JSON = MediaType.get("application/json");

    private DevnetStack stack;
    private ZGComputeNetworkBroker user;
    private DevnetStack.ProviderEntry p;
    private final List<ResponseOutcome> seen = new CopyOnWriteArrayList<>();

    @BeforeAll
    void start() {
        // settlement only after an hour, so the broker's unsettled fee changes exactly by what a test bills
        stack = DevnetStack.start(new StackConfig(0, 3600, Duration.ofHours(1), null, null, null), line -> { });
        var c = stack.devnet().contracts();
        user = ZGComputeNetworkBroker.create(Credentials.create(stack.user().privateKey()), stack.devnet().rpcUrl(),
                BrokerOptions.defaults().withFundOnRequestHeaders(false).withContracts(
                        new ContractAddresses(c.ledger().proxy(), c.inference().proxy(), c.fineTuning().proxy())));
        p = stack.providers().get(0);
    }

    @AfterAll
    void stop() {
        if (user != null) {
            user.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aJsonAnswerIsAuthenticatedVerifiedAndItsFeeCounted() throws Exception {
        OkHttpClient http = new OkHttpClient.Builder()
                .addInterceptor(new ZgInterceptor(user.inference(), p.address(), seen::add)).build();
        BigInteger before = unsettled();
        String prompt = "Hello through OkHttp";
        try (Response r = http.newCall(chat(prompt, false)).execute()) {
            assertThat(r.code()).isEqualTo(200);
            JsonNode answer = JSON.readTree(r.body().string());
            assertThat(answer.at("/choices/0/message/content").asText()).isEqualTo(DevModelBackend.REPLY_PREFIX + prompt);
            assertThat(r.header(ZgInterceptor.VERIFICATION_HEADER)).isEqualTo("VERIFIED");
            assertThat(r.header(ZgInterceptor.CHAT_ID_HEADER)).isEqualTo(r.header(ZgInterceptor.RES_KEY_HEADER));
            BigInteger fee = fee(answer.get("usage"));
            assertThat(new BigInteger(r.header(ZgInterceptor.FEE_HEADER))).isEqualTo(fee);
            // what the provider billed is what the SDK counted
            assertThat(unsettled().subtract(before)).isEqualTo(fee);
            assertThat(seen).last().extracting(ResponseOutcome::verification).isEqualTo(ResponseVerification.VERIFIED);
        }
    }

    @Test
    void aStreamIsPassedOnAndVerifiedOnceItsLastByteIsRead() throws Exception {
        OkHttpClient http = new OkHttpClient.Builder()
                .addInterceptor(new ZgInterceptor(user.inference(), p.address())).build();
        List<ResponseOutcome> tagged = new CopyOnWriteArrayList<>();
        Request req = chat("Stream me, please", true).newBuilder().tag(ResponseListener.class, tagged::add).build();
        BigInteger before = unsettled();
        try (Response r = http.newCall(req).execute()) {
            assertThat(r.body().contentType().subtype()).isEqualTo("event-stream");
            assertThat(tagged).as("nothing is known before the stream is read").isEmpty();
            String sse = r.body().string();
            assertThat(sse).contains("data: [DONE]");
            assertThat(tagged).hasSize(1);
            ResponseOutcome o = tagged.get(0);
            assertThat(o.verification()).isEqualTo(ResponseVerification.VERIFIED);
            assertThat(o.chatId()).isEqualTo(r.header(ZgInterceptor.RES_KEY_HEADER));
            assertThat(o.fee()).isPositive().isEqualTo(unsettled().subtract(before));
        }
    }

    @Test
    void anAnswerChangedOnTheWayIsRejected() throws Exception {
        // an interceptor between ours and the network that alters the provider's text: the signature no longer covers it
        OkHttpClient http = new OkHttpClient.Builder()
                .addInterceptor(new ZgInterceptor(user.inference(), p.address()))
                .addInterceptor(chain -> {
                    Response r = chain.proceed(chain.request());
                    String body = r.body().string().replace("Development", "Tampered");
                    return r.newBuilder().body(ResponseBody.create(body, r.body().contentType())).build();
                }).build();
        try (Response r = http.newCall(chat("Change me", false)).execute()) {
            assertThat(r.body().string()).contains("Tampered backend reply");
            assertThat(r.header(ZgInterceptor.VERIFICATION_HEADER)).isEqualTo("REJECTED");
        }
    }

    @Test
    void aRefusedRequestIsPassedOnUntouched() throws Exception {
        OkHttpClient http = new OkHttpClient.Builder()
                .addInterceptor(new ZgInterceptor(user.inference(), p.address(), seen::add)).build();
        int outcomes = seen.size();
        Request bad = new Request.Builder().url(endpoint() + "/chat/completions")
                .post(RequestBody.create("{not json", APPLICATION_JSON)).build();
        try (Response r = http.newCall(bad).execute()) {
            assertThat(r.code()).isEqualTo(400);
            assertThat(r.header(ZgInterceptor.VERIFICATION_HEADER)).isNull();
        }
        assertThat(seen).hasSize(outcomes);
    }

    private Request chat(String prompt, boolean stream) throws Exception {
        Map<String, Object> body = stream
                ? Map.of("model", p.model(), "stream", true, "stream_options", Map.of("include_usage", true),
                        "messages", List.of(Map.of("role", "user", "content", prompt)))
                : Map.of("model", p.model(), "messages", List.of(Map.of("role", "user", "content", prompt)));
        return new Request.Builder().url(endpoint() + "/chat/completions")
                .post(RequestBody.create(JSON.writeValueAsBytes(body), APPLICATION_JSON)).build();
    }

    private String endpoint() {
        return user.inference().getServiceMetadata(p.address()).endpoint();
    }

    private BigInteger unsettled() {
        return stack.brokers().get(0).store().unsettledFee(stack.user().address());
    }

    private BigInteger fee(JsonNode usage) {
        return p.inputPrice().multiply(BigInteger.valueOf(usage.get("prompt_tokens").asLong()))
                .add(p.outputPrice().multiply(BigInteger.valueOf(usage.get("completion_tokens").asLong())));
    }
}
