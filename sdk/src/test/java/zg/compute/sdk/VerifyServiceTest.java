package zg.compute.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Keys;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.contracts.bindings.InferenceServing;
import zg.compute.protocol.signing.ResponseSignature;

/**
 * verifyService / getQuote against the {@link StandInProviderServer} (stand-in for the provider broker).
 * Its reports are dstack-shaped JSON built here; no TDX quote exists on this machine and none is checked
 * cryptographically by the SDK (as in the official one), so the quote field is opaque filler.
 */
@ExtendWith(DevnetExtension.class)
class VerifyServiceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String IMAGE = "ghcr.io/0glabs/0g-serving-broker@sha256:1234abcd";

    private StandInProviderServer server;
    private String provider;
    private String tee;

    @BeforeEach
    void setUp(Devnet d) throws Exception {
        server = new StandInProviderServer();
        provider = d.account(5).getAddress();
        tee = Keys.toChecksumAddress(d.account(6).getAddress());
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    private void register(Devnet d, String additionalInfo) throws Exception {
        d.inference(d.account(5)).addOrUpdateService(new InferenceServing.ServiceParams("chatbot", server.url(),
                "org/model-a", "TeeML", BigInteger.ONE, BigInteger.ONE, additionalInfo, tee),
                d.inference(d.account(5)).serviceExists(provider).send() ? BigInteger.ZERO
                        : zg.compute.protocol.units.Units.og(100)).send();
    }

    /** A dstack-shaped report whose report_data names {@code signer} (64 bytes, NUL padded). */
    private static String report(String signer, boolean composeMatches) throws Exception {
        String appCompose = JSON.writeValueAsString(Map.of("docker_compose_file",
                "services:\n  broker:\n    image: " + IMAGE + "\n"));
        String hash = ResponseSignature.sha256Hex(appCompose.getBytes(StandardCharsets.UTF_8));
        byte[] data = Arrays.copyOf(signer.getBytes(StandardCharsets.US_ASCII), 64);
        return JSON.writeValueAsString(Map.of(
                "quote", "04000200",
                "report_data", Base64.getEncoder().encodeToString(data),
                "tcb_info", JSON.writeValueAsString(Map.of("app_compose", appCompose, "mrtd", "00")),
                "event_log", JSON.writeValueAsString(List.of(
                        Map.of("event", "app-id", "event_payload", "aa"),
                        Map.of("event", "compose-hash", "event_payload", composeMatches ? hash : "00" + hash)))));
    }

    @Test
    void aReportBoundToTheOnChainSignerVerifiesAndIsSaved(Devnet d, @TempDir Path dir) throws Exception {
        register(d, "{\"VerifierURL\":\"https://verifier.example\"}");
        String body = report(tee, true);
        server.setQuote(body);
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            List<VerificationResult.Step> seen = new java.util.ArrayList<>();
            VerificationResult r = b.inference().verifyService(provider, dir, seen::add);
            assertThat(r.verified()).isTrue();
            assertThat(r.attested()).isTrue();
            assertThat(r.success()).isTrue();
            assertThat(r.teeVerifier()).isEqualTo("dstack");
            assertThat(r.verifierURL()).isEqualTo("https://verifier.example");
            assertThat(r.signerVerification().reportAddresses()).containsExactly(
                    new VerificationResult.ReportAddress("combined", tee, tee, true));
            assertThat(r.composeVerification().passed()).isTrue();
            assertThat(r.dockerImages()).containsExactly(IMAGE);
            assertThat(r.reportsGenerated()).containsExactly(dir.resolve("attestation_report.json"));
            assertThat(Files.readString(dir.resolve("attestation_report.json"))).isEqualTo(body);
            assertThat(seen).isEqualTo(r.steps()).isNotEmpty();

            assertThat(b.inference().getQuote(provider)).isEqualTo(body);
            b.inference().downloadQuoteReport(provider, dir.resolve("q/quote.json"));
            assertThat(Files.readString(dir.resolve("q/quote.json"))).isEqualTo(body);
        }
    }

    @Test
    void aMismatchedReportDataFailsVerification(Devnet d, @TempDir Path dir) throws Exception {
        register(d, "{}");
        String other = Keys.toChecksumAddress(d.account(7).getAddress());
        server.setQuote(report(other, true));
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            VerificationResult r = b.inference().verifyService(provider, dir);
            assertThat(r.verified()).isFalse();
            assertThat(r.signerVerification().allMatch()).isFalse();
            assertThat(r.signerVerification().reportAddresses()).containsExactly(
                    new VerificationResult.ReportAddress("combined", other, tee, false));
            assertThat(r.composeVerification().passed()).isTrue();
        }
    }

    @Test
    void aComposeHashThatDoesNotMatchTheEventLogFailsVerification(Devnet d, @TempDir Path dir) throws Exception {
        register(d, "{}");
        server.setQuote(report(tee, false));
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            VerificationResult r = b.inference().verifyService(provider, dir);
            assertThat(r.signerVerification().allMatch()).isTrue();
            assertThat(r.composeVerification().passed()).isFalse();
            assertThat(r.composeVerification().details().get(0)).startsWith("combined: compose-hash event 00");
            assertThat(r.verified()).isFalse();
        }
    }

    @Test
    void aSeparatedLlmNodeMustSignWithTheTargetTeeAddress(Devnet d, @TempDir Path dir) throws Exception {
        String llm = Keys.toChecksumAddress(d.account(8).getAddress());
        register(d, "{\"TargetSeparated\":true,\"TargetTeeAddress\":\"" + llm + "\"}");
        server.setQuote(report(tee, true));
        String llmReport = JSON.writeValueAsString(Map.of("signing_address", llm, "signing_algo", "ecdsa",
                "info", Map.of("tcb_info", JSON.readTree(JSON.readTree(report(tee, true)).get("tcb_info").asText())),
                "event_log", JSON.readTree(report(tee, true)).get("event_log").asText()));
        server.setLlmReport(llmReport);
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            VerificationResult r = b.inference().verifyService(provider, dir);
            assertThat(r.targetSeparated()).isTrue();
            assertThat(r.reportsGenerated()).containsExactly(dir.resolve("broker_attestation_report.json"),
                    dir.resolve("llm_attestation_report.json"));
            assertThat(r.signerVerification().reportAddresses()).extracting(VerificationResult.ReportAddress::match)
                    .containsExactly(true, true);
            assertThat(r.verified()).isTrue();
            assertThat(server.requests()).contains("GET /v1/proxy/attestation/report?model=org%2Fmodel-a");

            server.setLlmReport(llmReport.replace(llm, tee)); // the LLM report names someone else
            VerificationResult bad = b.inference().verifyService(provider, dir);
            assertThat(bad.signerVerification().reportAddresses().get(1).match()).isFalse();
            assertThat(bad.verified()).isFalse();
        }
    }

    @Test
    void cryptopilotReportsAreOnlyDownloaded(Devnet d, @TempDir Path dir) throws Exception {
        register(d, "{\"TEEVerifier\":\"cryptopilot\"}");
        server.setQuote("{\"compose_content\":\"x\",\"evidence\":\"y\"}");
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            VerificationResult r = b.inference().verifyService(provider, dir);
            assertThat(r.success()).isTrue();
            assertThat(r.verified()).isFalse();
            assertThat(r.teeVerifier()).isEqualTo("cryptopilot");
            assertThat(r.signerVerification().reportAddresses()).isEmpty();
            assertThat(dir.resolve("attestation_report.json")).exists();
        }
    }

    @Test
    void unverifiableServicesAndMissingReportsAreClearErrors(Devnet d, @TempDir Path dir) throws Exception {
        register(d, "");
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            assertThatThrownBy(() -> b.inference().verifyService(provider, dir))
                    .isInstanceOf(ZGComputeException.class)
                    .hasMessage("The service of " + provider + " has no additionalInfo, so it cannot be verified");
        }
        register(d, "{}");
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            assertThatThrownBy(() -> b.inference().verifyService(provider, dir))
                    .isInstanceOfSatisfying(ProviderHttpException.class, e -> assertThat(e.status()).isEqualTo(404))
                    .hasMessage("getting attestation report failed: HTTP 404 from " + server.url()
                            + "/v1/quote: {\"error\":\"not found\"}");
        }
    }
}
