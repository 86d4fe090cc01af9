package zg.compute.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.contracts.bindings.InferenceServing;
import zg.compute.protocol.units.Units;

/**
 * images(), audio() and embeddings() end to end: devnet accounts and services, the app-sk token checked by the
 * {@link StandInProviderServer}, which answers each route and signs as our broker does (images over the decoded
 * pictures). Prices registered: inputPrice 1000, outputPrice 2000 neuron.
 */
@ExtendWith(DevnetExtension.class)
class ServiceConveniencesTest {

    private static final BigInteger IN = BigInteger.valueOf(1_000);
    private static final BigInteger OUT = BigInteger.valueOf(2_000);

    private StandInProviderServer server;
    private Credentials tee;
    private String provider;

    @BeforeEach
    void setUp(Devnet d) throws Exception {
        server = new StandInProviderServer();
        tee = d.account(6);
        provider = d.account(5).getAddress();
        server.enableChat(provider, tee.getEcKeyPair());
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    private ZGComputeNetworkBroker user(Devnet d, String serviceType) throws Exception {
        d.inference(d.account(5)).addOrUpdateService(new InferenceServing.ServiceParams(serviceType, server.url(),
                "org/" + serviceType + "-model", "TeeML", IN, OUT, "{}", tee.getAddress()), Units.og(100)).send();
        SdkFixtures.acknowledgeTeeSignerAsOwner(d, provider);
        ZGComputeNetworkBroker b = SdkFixtures.broker(d, d.account(1));
        b.ledger().addLedger(Amount.og("5"));
        b.inference().acknowledgeProviderSigner(provider);
        return b;
    }

    @Test
    void generateReturnsVerifiedPicturesBilledPerImage(Devnet d) throws Exception {
        try (var b = user(d, "text-to-image")) {
            ImageResult r = b.inference().images().generate(provider, ImageRequest.of("a red fox").withN(2)
                    .withSize("64x64"));
            assertThat(r.images()).hasSize(2);
            assertThat(new String(r.images().get(1), StandardCharsets.UTF_8)).isEqualTo("picture 1 of " + r.chatId());
            assertThat(r.verification()).isEqualTo(ResponseVerification.VERIFIED);
            assertThat(r.fee()).isEqualTo(OUT.multiply(BigInteger.TWO));
            assertThat(b.inference().cachedFee(provider)).isEqualTo(r.fee());
            assertThat(server.requests()).anyMatch(l -> l.startsWith("POST /v1/proxy/images/generations Bearer app-sk-"));

            server.tamperWithAnswers(true);
            ImageResult forged = b.inference().images().generate(provider, ImageRequest.of("a red fox").withN(2));
            assertThat(forged.verification()).isEqualTo(ResponseVerification.REJECTED);
        }
    }

    @Test
    void generateAsyncPollsAsRetryAfterSaysAndStopsOnFailed(Devnet d) throws Exception {
        try (var b = user(d, "text-to-image")) {
            server.scriptAsync("1", null, "pending", "processing", "completed");
            ImageResult r = b.inference().images().generateAsync(provider, ImageRequest.of("a red fox").withN(2));
            assertThat(r.images()).hasSize(2);
            assertThat(r.verification()).isEqualTo(ResponseVerification.VERIFIED);
            assertThat(r.fee()).isEqualTo(OUT.multiply(BigInteger.TWO));
            assertThat(server.requests()).anyMatch(l -> l.startsWith("POST /v1/async/images/generations Bearer app-sk-"));
            List<Long> polls = server.pollTimes();
            assertThat(polls).hasSize(3);
            for (int i = 1; i < polls.size(); i++) {
                assertThat(polls.get(i) - polls.get(i - 1)).as("Retry-After: 1 between polls").isGreaterThanOrEqualTo(950);
            }

            server.scriptAsync("1", "provider returned status 500: boom", "processing", "failed");
            assertThatThrownBy(() -> b.inference().images().generateAsync(provider, ImageRequest.of("a red fox")))
                    .isInstanceOf(ZGComputeException.class).hasMessageContaining("failed: provider returned status 500: boom");
            assertThat(server.pollTimes()).hasSize(5);

            server.scriptAsync("30", null, "processing");
            assertThatThrownBy(() -> b.inference().images().generateAsync(provider, ImageRequest.of("a red fox"),
                    java.time.Duration.ofSeconds(2))).isInstanceOf(ZGComputeException.class)
                    .hasMessageContaining("is still processing after PT2S");
            assertThat(server.pollTimes()).as("no poll before Retry-After, stopped at the deadline").hasSize(6);
        }
    }

    @Test
    void editSendsMultipartAndVerifiesTheDecodedPictures(Devnet d) throws Exception {
        try (var b = user(d, "image-editing")) {
            byte[] png = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};
            ImageResult r = b.inference().images().edit(provider, ImageEditRequest.of("add a hat", png, "fox.png")
                    .withN(3));
            assertThat(r.images()).hasSize(3);
            assertThat(r.verification()).isEqualTo(ResponseVerification.VERIFIED);
            assertThat(r.fee()).isEqualTo(OUT.multiply(BigInteger.valueOf(3)));

            server.tamperWithAnswers(true);
            assertThat(b.inference().images().edit(provider, ImageEditRequest.of("add a hat", png, "fox.png"))
                    .verification()).isEqualTo(ResponseVerification.REJECTED);
        }
    }

    @Test
    void transcribeBillsTheRoundedSecondsAtInputPrice(Devnet d, @TempDir Path dir) throws Exception {
        Path audio = Files.write(dir.resolve("hello.wav"), new byte[] {'R', 'I', 'F', 'F', 0, 0, 0, 0});
        try (var b = user(d, "speech-to-text")) {
            TranscriptionResult r = b.inference().audio().transcribe(provider, audio,
                    TranscriptionOptions.defaults().withLanguage("en"));
            assertThat(r.text()).isEqualTo("canned transcript");
            assertThat(r.verification()).isEqualTo(ResponseVerification.VERIFIED);
            // the stand-in reports {"type":"duration","seconds":2.6}: round → 3 s × inputPrice
            assertThat(r.fee()).isEqualTo(IN.multiply(BigInteger.valueOf(3)));

            server.tamperWithAnswers(true);
            TranscriptionResult forged = b.inference().audio().transcribe(provider, Files.readAllBytes(audio),
                    "hello.wav", null);
            assertThat(forged.text()).isEqualTo("altered transcript");
            assertThat(forged.verification()).isEqualTo(ResponseVerification.REJECTED);

            assertThatThrownBy(() -> b.inference().audio().transcribe(provider, dir.resolve("missing.wav"), null))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("Audio file not found: " + dir.resolve("missing.wav"));
        }
    }

    @Test
    void embeddingsComeBackInOrderBilledByPromptTokens(Devnet d) throws Exception {
        try (var b = user(d, "embedding")) {
            EmbeddingResult r = b.inference().embeddings().create(provider, List.of("one two three", "four"));
            assertThat(r.vectors()).hasSize(2);
            assertThat(r.vectors().get(0)).containsExactly(3, 0, 0.5);
            assertThat(r.vectors().get(1)).containsExactly(1, 1, 0.5);
            assertThat(r.promptTokens()).isEqualTo(4);
            assertThat(r.verification()).isEqualTo(ResponseVerification.VERIFIED);
            assertThat(r.fee()).isEqualTo(IN.multiply(BigInteger.valueOf(r.promptTokens())));

            server.tamperWithAnswers(true);
            assertThat(b.inference().embeddings().create(provider, List.of("four")).verification())
                    .isEqualTo(ResponseVerification.REJECTED);
        }
    }

    @Test
    void providerErrorsAndBadInputAreOneLineExceptions(Devnet d) throws Exception {
        try (var b = user(d, "text-to-image")) {
            server.failNext(429, "too many image requests, retry later");
            assertThatThrownBy(() -> b.inference().images().generate(provider, ImageRequest.of("a fox")))
                    .isInstanceOfSatisfying(ProviderHttpException.class, e -> assertThat(e.status()).isEqualTo(429))
                    .hasMessage("POST /images/generations failed: HTTP 429: too many image requests, retry later");
            assertThatThrownBy(() -> b.inference().images().generate(provider, ImageRequest.of(" ")))
                    .isInstanceOf(InvalidRequestException.class).hasMessage("An image request needs a non-empty prompt");
            assertThatThrownBy(() -> b.inference().images().generate(provider, ImageRequest.of("fox").withN(11)))
                    .isInstanceOf(InvalidRequestException.class).hasMessage("n must be between 1 and 10, got 11");
            assertThatThrownBy(() -> b.inference().embeddings().create(provider, List.of("x")))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("Provider " + provider + " serves text-to-image, not embedding");
        }
    }
}
