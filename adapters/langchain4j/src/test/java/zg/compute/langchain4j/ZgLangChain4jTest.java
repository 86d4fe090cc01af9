package zg.compute.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.image.Image;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.Result;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
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
import zg.compute.sdk.ResponseVerification;
import zg.compute.sdk.ZGComputeNetworkBroker;

/**
 * The LangChain4j models against the devnet: chat provider 1 (development backend, a stand-in for a model), the
 * embedding provider (the real all-MiniLM-L6-v2) and the text-to-image provider (the development renderer).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ZgLangChain4jTest {

    /** What an application declares; LangChain4j implements it over the chat model. */
    interface Assistant {
        Result<String> answer(String question);
    }

    private DevnetStack stack;
    private ZGComputeNetworkBroker user;

    @BeforeAll
    void start() {
        stack = DevnetStack.start(new StackConfig(0, 3600, Duration.ofHours(1), null, null, null)
                .withAllServiceTypes(true), line -> { });
        var c = stack.devnet().contracts();
        user = ZGComputeNetworkBroker.create(Credentials.create(stack.user().privateKey()), stack.devnet().rpcUrl(),
                BrokerOptions.defaults().withFundOnRequestHeaders(false).withContracts(
                        new ContractAddresses(c.ledger().proxy(), c.inference().proxy(), c.fineTuning().proxy())));
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
    void chatModelAnswersWithVerificationAndFeeInItsMetadata() {
        int i = index("chatbot");
        BigInteger before = unsettled(i);
        ChatResponse r = ZgChatModel.of(user.inference(), address(i)).chat(UserMessage.from("Hello LangChain4j"));
        assertThat(r.aiMessage().text()).isEqualTo(DevModelBackend.REPLY_PREFIX + "Hello LangChain4j");
        ZgChatResponseMetadata meta = (ZgChatResponseMetadata) r.metadata();
        assertThat(meta.verification()).isEqualTo(ResponseVerification.VERIFIED);
        assertThat(meta.chatId()).isNotBlank();
        assertThat(meta.fee()).isEqualTo(chatFee(i, r)).isEqualTo(unsettled(i).subtract(before));
    }

    @Test
    void streamingChatModelStreamsAndVerifiesTheWholeStream() throws Exception {
        int i = index("chatbot");
        BigInteger before = unsettled(i);
        StringBuilder partial = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        ZgStreamingChatModel.of(user.inference(), address(i)).chat("Stream it", new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String text) {
                partial.append(text);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse r = done.get(30, TimeUnit.SECONDS);
        assertThat(r.aiMessage().text()).isEqualTo(partial.toString())
                .isEqualTo(DevModelBackend.REPLY_PREFIX + "Stream it");
        ZgChatResponseMetadata meta = (ZgChatResponseMetadata) r.metadata();
        assertThat(meta.verification()).isEqualTo(ResponseVerification.VERIFIED);
        assertThat(meta.fee()).isEqualTo(chatFee(i, r)).isEqualTo(unsettled(i).subtract(before));
    }

    @Test
    void anAiServiceRunsOnTheChatModelWithVerifiedAnswers() {
        int i = index("chatbot");
        Assistant assistant = AiServices.create(Assistant.class, ZgChatModel.of(user.inference(), address(i)));
        Result<String> r = assistant.answer("What is 0G Compute?");
        assertThat(r.content()).isEqualTo(DevModelBackend.REPLY_PREFIX + "What is 0G Compute?");
        assertThat(((ZgChatResponseMetadata) r.finalResponse().metadata()).verification())
                .isEqualTo(ResponseVerification.VERIFIED);
    }

    @Test
    void embeddingModelEmbedsWithTheRealModelVerified() {
        int i = index("embedding");
        BigInteger before = unsettled(i);
        ZgEmbeddingModel model = new ZgEmbeddingModel(user.inference(), address(i));
        Response<List<Embedding>> r = model.embedAll(List.of(TextSegment.from("The cat sits on the mat"),
                TextSegment.from("A cat is sitting on a mat"), TextSegment.from("Stock markets fell sharply")));
        assertThat(r.content()).hasSize(3).allSatisfy(e -> assertThat(e.dimension()).isEqualTo(384));
        assertThat(model.dimension()).isEqualTo(384);
        // a real model: the two sentences about a cat are closer to each other than to the markets
        assertThat(cosine(r.content().get(0), r.content().get(1)))
                .isGreaterThan(cosine(r.content().get(0), r.content().get(2)));
        assertThat(r.metadata().get(ZgMetadata.VERIFICATION)).isEqualTo(ResponseVerification.VERIFIED);
        assertThat(r.metadata().get(ZgMetadata.FEE))
                .isEqualTo(stack.providers().get(i).inputPrice().multiply(BigInteger.valueOf(r.tokenUsage()
                        .inputTokenCount())))
                .isEqualTo(unsettled(i).subtract(before));
    }

    @Test
    void imageModelGeneratesAVerifiedPicture() throws Exception {
        int i = index("text-to-image");
        BigInteger before = unsettled(i);
        Response<Image> r = new ZgImageModel(user.inference(), address(i), "256x256").generate("a lighthouse");
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(r.content()
                .base64Data())));
        assertThat(png.getWidth()).isEqualTo(256);
        assertThat(r.metadata().get(ZgMetadata.VERIFICATION)).isEqualTo(ResponseVerification.VERIFIED);
        assertThat(r.metadata().get(ZgMetadata.FEE)).isEqualTo(stack.providers().get(i).outputPrice())
                .isEqualTo(unsettled(i).subtract(before));
    }

    private BigInteger chatFee(int i, ChatResponse r) {
        DevnetStack.ProviderEntry p = stack.providers().get(i);
        return p.inputPrice().multiply(BigInteger.valueOf(r.tokenUsage().inputTokenCount()))
                .add(p.outputPrice().multiply(BigInteger.valueOf(r.tokenUsage().outputTokenCount())));
    }

    private int index(String type) {
        for (int i = 0; i < stack.providers().size(); i++) {
            if (stack.providers().get(i).type().equals(type)) {
                return i;
            }
        }
        throw new IllegalStateException("the devnet has no " + type + " provider");
    }

    private String address(int i) {
        return stack.providers().get(i).address();
    }

    private BigInteger unsettled(int i) {
        return stack.brokers().get(i).store().unsettledFee(stack.user().address());
    }

    private static double cosine(Embedding a, Embedding b) {
        float[] x = a.vector();
        float[] y = b.vector();
        double dot = 0;
        double nx = 0;
        double ny = 0;
        for (int k = 0; k < x.length; k++) {
            dot += x[k] * y[k];
            nx += x[k] * x[k];
            ny += y[k] * y[k];
        }
        return dot / Math.sqrt(nx * ny);
    }
}
