package zg.compute.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.web3j.crypto.Credentials;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.signing.ResponseSignature;

/**
 * processResponse against a real HTTP signature endpoint. The provider broker is built in parallel, so a
 * {@link StandInProviderServer} plays its signature route, signing with the provider's registered TEE key.
 */
@ExtendWith(DevnetExtension.class)
class ProcessResponseTest {

    private static final byte[] REQUEST = "{\"model\":\"org/model-a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
            .getBytes(StandardCharsets.UTF_8);
    private static final byte[] RESPONSE = ("{\"id\":\"chatcmpl-1\",\"choices\":[{\"message\":{\"content\":\"hello\"}}],"
            + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":20,\"total_tokens\":30}}")
            .getBytes(StandardCharsets.UTF_8);
    private static final String USAGE = "{\"prompt_tokens\":10,\"completion_tokens\":20,\"total_tokens\":30}";
    /** 10 prompt tokens × 1000 + 20 completion tokens × 2000 (the prices SdkFixtures registers). */
    private static final BigInteger FEE = BigInteger.valueOf(50_000);

    private StandInProviderServer server;
    private Credentials tee;
    private String provider;

    @BeforeEach
    void setUp(Devnet d) throws Exception {
        server = new StandInProviderServer();
        tee = d.account(6);
        provider = d.account(5).getAddress();
        SdkFixtures.registerService(d, d.account(5), server.url(), "org/model-a", tee.getAddress(), "{}");
        SdkFixtures.acknowledgeTeeSignerAsOwner(d, provider);
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    @Test
    void aResponseSignedByTheTeeSignerVerifies(Devnet d) {
        server.signResponse("chat-1", REQUEST, RESPONSE, tee.getEcKeyPair());
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            assertThat(b.inference().processResponse(provider, "chat-1", USAGE)).isEqualTo(ResponseVerification.VERIFIED);
            assertThat(server.requests()).containsExactly("GET /v1/proxy/signature/chat-1?model=org%2Fmodel-a");
        }
    }

    @Test
    void aForgedSignatureIsRejected(Devnet d) {
        server.signResponse("chat-1", REQUEST, RESPONSE, d.account(7).getEcKeyPair()); // not the TEE key
        ResponseSignature real = ResponseSignature.sign(REQUEST, RESPONSE, tee.getEcKeyPair());
        server.serveRaw("chat-2", Map.of("text", real.text().replace('a', 'b'), "signature", real.signature(),
                "signing_address", tee.getAddress(), "signing_algo", "ecdsa"));
        server.serveRaw("chat-3", Map.of("text", real.text(), "signature", "0x1234"));
        server.serveRaw("chat-4", Map.of("text", real.text()));
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            assertThat(b.inference().processResponse(provider, "chat-1", null)).isEqualTo(ResponseVerification.REJECTED);
            assertThat(b.inference().processResponse(provider, "chat-2", null)).isEqualTo(ResponseVerification.REJECTED);
            assertThat(b.inference().processResponse(provider, "chat-3", null)).isEqualTo(ResponseVerification.REJECTED);
            assertThat(b.inference().processResponse(provider, "chat-4", null)).isEqualTo(ResponseVerification.REJECTED);
        }
    }

    @Test
    void theStrongerOverloadChecksTheSignedTextCoversTheseBodies(Devnet d) {
        server.signResponse("chat-1", REQUEST, RESPONSE, tee.getEcKeyPair());
        byte[] otherResponse = "{\"id\":\"chatcmpl-1\",\"choices\":[]}".getBytes(StandardCharsets.UTF_8);
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            assertThat(b.inference().processResponse(provider, "chat-1", USAGE, REQUEST, RESPONSE))
                    .isEqualTo(ResponseVerification.VERIFIED);
            // Genuinely signed by the TEE, but for other bytes than the ones this client received.
            assertThat(b.inference().processResponse(provider, "chat-1", USAGE, REQUEST, otherResponse))
                    .isEqualTo(ResponseVerification.REJECTED);
            assertThat(b.inference().processResponse(provider, "chat-1", USAGE)).isEqualTo(ResponseVerification.VERIFIED);
        }
    }

    @Test
    void feesAccumulateFromUsageAndVerificationIsSkippedWithoutChatId(Devnet d) {
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            assertThat(b.inference().processResponse(provider, null, USAGE)).isEqualTo(ResponseVerification.SKIPPED);
            assertThat(b.inference().cachedFee(provider)).isEqualTo(FEE);
            // A whole response holding "usage" counts the same; numeric strings are accepted.
            b.inference().processResponse(provider, "", new String(RESPONSE, StandardCharsets.UTF_8));
            b.inference().processResponse(provider, null, "{\"prompt_tokens\":\"1\",\"completion_tokens\":\"x\"}");
            assertThat(b.inference().cachedFee(provider.toLowerCase()))
                    .isEqualTo(FEE.add(FEE).add(BigInteger.valueOf(1_000)));
            assertThat(server.requests()).isEmpty();
        }
    }

    @Test
    void theSeedsArgumentOrderHasItsOwnName(Devnet d) {
        server.signResponse("chat-1", REQUEST, RESPONSE, tee.getEcKeyPair());
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            // Seed: processResponse(providerAddress, JSON.stringify(data), chatID)
            assertThat(b.inference().processResponseContentFirst(provider, new String(RESPONSE, StandardCharsets.UTF_8),
                    "chat-1")).isEqualTo(ResponseVerification.VERIFIED);
            assertThat(b.inference().cachedFee(provider)).isEqualTo(FEE);
        }
    }

    @Test
    void anUnknownServiceTypeSkipsTheFeeButStillVerifies(Devnet d) throws Exception {
        reRegister(d, "video-generation");
        server.signResponse("chat-1", REQUEST, RESPONSE, tee.getEcKeyPair());
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            assertThat(b.inference().processResponse(provider, "chat-1", USAGE)).isEqualTo(ResponseVerification.VERIFIED);
            assertThat(b.inference().cachedFee(provider)).isZero();
        }
    }

    @Test
    void perSecondSpeechToTextIsNoLongerFree(Devnet d) throws Exception {
        reRegister(d, "speech-to-text");
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            b.inference().processResponse(provider, null, "{\"type\":\"duration\",\"seconds\":2.6}");
            // round(2.6) = 3 seconds × inputPrice 1000
            assertThat(b.inference().cachedFee(provider)).isEqualTo(BigInteger.valueOf(3 * 1_000));
        }
    }

    @Test
    void imageAnswersAreCheckedAgainstTheDecodedPicturesAndBilledPerDeliveredImage(Devnet d) throws Exception {
        reRegister(d, "text-to-image");
        byte[] request = "{\"model\":\"org/model-a\",\"prompt\":\"a cat\",\"n\":3}".getBytes(StandardCharsets.UTF_8);
        byte[] one = {1, 2, 3};
        byte[] two = {4, 5, 6, 7};
        byte[] answer = ("{\"created\":1,\"data\":[{\"b64_json\":\"" + java.util.Base64.getEncoder().encodeToString(one)
                + "\"},{\"b64_json\":\"" + java.util.Base64.getEncoder().encodeToString(two) + "\"}]}")
                .getBytes(StandardCharsets.UTF_8);
        server.signText("img-1", ResponseSignature.imagesText(request, java.util.List.of(one, two)), tee.getEcKeyPair());
        byte[] otherPicture = ("{\"created\":1,\"data\":[{\"b64_json\":\""
                + java.util.Base64.getEncoder().encodeToString(one) + "\"},{\"b64_json\":\""
                + java.util.Base64.getEncoder().encodeToString(new byte[] {4, 5, 6, 8}) + "\"}]}")
                .getBytes(StandardCharsets.UTF_8);
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            String content = new String(request, StandardCharsets.UTF_8);
            assertThat(b.inference().processResponse(provider, "img-1", content, request, answer))
                    .isEqualTo(ResponseVerification.VERIFIED);
            // 2 of the 3 requested images arrived: 2 × outputPrice 2000, not 3
            assertThat(b.inference().cachedFee(provider)).isEqualTo(BigInteger.valueOf(2 * 2_000));
            assertThat(b.inference().processResponse(provider, "img-1", content, request, otherPicture))
                    .isEqualTo(ResponseVerification.REJECTED);
            // without the bodies only the signer is checked (the official behaviour); n × outputPrice is added
            assertThat(b.inference().processResponse(provider, "img-1", content)).isEqualTo(ResponseVerification.VERIFIED);
            assertThat(b.inference().cachedFee(provider)).isEqualTo(BigInteger.valueOf((2 + 2 + 3) * 2_000));
        }
    }

    @Test
    void verifyResponseChecksTheBytesAgainWithoutCountingAnotherFee(Devnet d) throws Exception {
        reRegister(d, "text-to-image");
        byte[] request = "{\"model\":\"org/model-a\",\"prompt\":\"a cat\"}".getBytes(StandardCharsets.UTF_8);
        byte[] picture = {9, 8, 7};
        byte[] answer = ("{\"created\":1,\"data\":[{\"b64_json\":\""
                + java.util.Base64.getEncoder().encodeToString(picture) + "\"}]}").getBytes(StandardCharsets.UTF_8);
        server.signText("img-1", ResponseSignature.imagesText(request, java.util.List.of(picture)), tee.getEcKeyPair());
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            assertThat(b.inference().processResponse(provider, "img-1", null, request, answer))
                    .isEqualTo(ResponseVerification.VERIFIED);
            assertThat(b.inference().cachedFee(provider)).isEqualTo(BigInteger.valueOf(2_000));
            assertThat(b.inference().verifyResponse(provider, "img-1", request, answer))
                    .isEqualTo(ResponseVerification.VERIFIED);
            assertThat(b.inference().verifyResponse(provider, "img-1", request, "{\"data\":[]}".getBytes()))
                    .isEqualTo(ResponseVerification.REJECTED);
            assertThat(b.inference().cachedFee(provider)).as("checking again costs nothing")
                    .isEqualTo(BigInteger.valueOf(2_000));
        }
    }

    private void reRegister(Devnet d, String serviceType) throws Exception {
        d.inference(d.account(5)).addOrUpdateService(new zg.compute.protocol.contracts.bindings.InferenceServing
                .ServiceParams(serviceType, server.url(), "org/model-a", "TeeML", BigInteger.valueOf(1_000),
                BigInteger.valueOf(2_000), "{}", tee.getAddress()), BigInteger.ZERO).send();
        SdkFixtures.acknowledgeTeeSignerAsOwner(d, provider);
    }

    @Test
    void aServiceWhoseTeeSignerIsNotAcknowledgedIsRejected(Devnet d) throws Exception {
        d.inference(d.account(0)).revokeTEESignerAcknowledgement(provider).send();
        server.signResponse("chat-1", REQUEST, RESPONSE, tee.getEcKeyPair());
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            assertThat(b.inference().processResponse(provider, "chat-1", null)).isEqualTo(ResponseVerification.REJECTED);
            assertThat(server.requests()).isEmpty();
        }
    }

    @Test
    void aSeparatedTargetTeeAddressSignsInsteadOfTheBroker(Devnet d) throws Exception {
        Credentials llm = d.account(8);
        d.inference(d.account(5)).addOrUpdateService(new zg.compute.protocol.contracts.bindings.InferenceServing
                .ServiceParams("chatbot", server.url(), "org/model-a", "TeeML", BigInteger.valueOf(1_000),
                BigInteger.valueOf(2_000), "{\"TargetSeparated\":true,\"TargetTeeAddress\":\"" + llm.getAddress()
                        + "\"}", tee.getAddress()), BigInteger.ZERO).send();
        SdkFixtures.acknowledgeTeeSignerAsOwner(d, provider);
        server.signResponse("by-llm", REQUEST, RESPONSE, llm.getEcKeyPair());
        server.signResponse("by-broker", REQUEST, RESPONSE, tee.getEcKeyPair());
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            assertThat(b.inference().processResponse(provider, "by-llm", null)).isEqualTo(ResponseVerification.VERIFIED);
            assertThat(b.inference().processResponse(provider, "by-broker", null))
                    .isEqualTo(ResponseVerification.REJECTED);
        }
    }

    @Test
    void aMissingSignatureIsAProviderHttpError(Devnet d) {
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            assertThatThrownBy(() -> b.inference().processResponse(provider, "nope", null))
                    .isInstanceOfSatisfying(ProviderHttpException.class, e -> assertThat(e.status()).isEqualTo(404))
                    .hasMessage("getting signature error: HTTP 404 from " + server.url()
                            + "/v1/proxy/signature/nope?model=org%2Fmodel-a: {\"error\":\"signature not found\"}");
        }
    }
}
