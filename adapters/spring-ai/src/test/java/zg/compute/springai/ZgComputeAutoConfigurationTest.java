package zg.compute.springai;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import zg.compute.cli.internal.devnet.DevnetStack;
import zg.compute.cli.internal.devnet.StackConfig;
import zg.compute.provider.DevModelBackend;
import zg.compute.sdk.ResponseVerification;
import zg.compute.sdk.ZGComputeNetworkBroker;

/** The starter's auto-configuration against the devnet's chat provider 1 (development backend, a stand-in). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ZgComputeAutoConfigurationTest {

    private DevnetStack stack;
    private DevnetStack.ProviderEntry p;
    private ApplicationContextRunner runner;

    @BeforeAll
    void start() {
        stack = DevnetStack.start(new StackConfig(0, 3600, Duration.ofHours(1), null, null, null), line -> { });
        p = stack.providers().get(0);
        // the devnet's contracts sit at the addresses the SDK knows for chain 31337: rpc + provider + key suffice
        runner = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(ZgComputeAutoConfiguration.class))
                .withPropertyValues("zg.compute.rpc=" + stack.devnet().rpcUrl(), "zg.compute.provider=" + p.address(),
                        "ZG_PRIVATE_KEY=" + stack.user().privateKey());
    }

    @AfterAll
    void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void theChatModelBeanAnswersVerifiedAndItsFeeIsWhatTheProviderBilled() {
        runner.run(ctx -> {
            ChatModel model = ctx.getBean(ChatModel.class);
            assertThat(model).isInstanceOf(ZgChatModel.class);
            assertThat(ctx).hasSingleBean(ZGComputeNetworkBroker.class);
            BigInteger before = unsettled();
            ChatResponse r = model.call(new Prompt("Hello Spring AI"));
            assertThat(r.getResult().getOutput().getText()).isEqualTo(DevModelBackend.REPLY_PREFIX + "Hello Spring AI");
            assertThat((Object) r.getMetadata().get(ZgChatModel.VERIFICATION)).isEqualTo(ResponseVerification.VERIFIED);
            BigInteger fee = r.getMetadata().get(ZgChatModel.FEE);
            assertThat(fee).isEqualTo(p.inputPrice().multiply(BigInteger.valueOf(r.getMetadata().getUsage()
                    .getPromptTokens())).add(p.outputPrice().multiply(BigInteger.valueOf(r.getMetadata().getUsage()
                    .getCompletionTokens())))).isEqualTo(unsettled().subtract(before));
        });
    }

    @Test
    void aStreamEndsWithTheVerificationOfAllOfIt() {
        runner.run(ctx -> {
            BigInteger before = unsettled();
            List<ChatResponse> parts = ctx.getBean(ChatModel.class).stream(new Prompt("Stream with Spring"))
                    .collectList().block(Duration.ofSeconds(30));
            StringBuilder text = new StringBuilder();
            parts.forEach(part -> text.append(part.getResult().getOutput().getText()));
            assertThat(text.toString()).isEqualTo(DevModelBackend.REPLY_PREFIX + "Stream with Spring");
            assertThat(parts.size()).isGreaterThan(2);
            ChatResponse last = parts.get(parts.size() - 1);
            assertThat((Object) last.getMetadata().get(ZgChatModel.VERIFICATION))
                    .isEqualTo(ResponseVerification.VERIFIED);
            assertThat((BigInteger) last.getMetadata().get(ZgChatModel.FEE)).isEqualTo(unsettled().subtract(before));
        });
    }

    @Test
    void withoutAKeyTheContextFailsWithOneClearLine() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(ZgComputeAutoConfiguration.class))
                .withPropertyValues("zg.compute.rpc=" + stack.devnet().rpcUrl(), "zg.compute.provider=" + p.address(),
                        "zg.compute.private-key-env=ZG_TEST_NO_SUCH_VARIABLE")
                .run(ctx -> assertThat(ctx).getFailure().rootCause().hasMessage("Set the environment variable "
                        + "ZG_TEST_NO_SUCH_VARIABLE to the wallet's private key, or zg.compute.keystore to an "
                        + "encrypted keystore"));
    }

    @Test
    void nothingIsConfiguredWithoutAnRpc() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(ZgComputeAutoConfiguration.class))
                .run(ctx -> assertThat(ctx).doesNotHaveBean(ChatModel.class));
    }

    private BigInteger unsettled() {
        return stack.brokers().get(0).store().unsettledFee(stack.user().address());
    }
}
