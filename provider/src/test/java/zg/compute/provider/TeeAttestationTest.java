package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.signing.ResponseSignature;
import zg.compute.provider.internal.settlement.SettlementFault;
import zg.compute.sdk.BrokerOptions;
import zg.compute.sdk.ContractAddresses;
import zg.compute.sdk.VerificationResult;
import zg.compute.sdk.ZGComputeNetworkBroker;

/**
 * The broker's TEE evidence on a real devnet: with the dstack key source (behind the
 * {@link FakeDstackAgent}) responses are signed by the agent-derived key and {@code /v1/quote} passes the
 * SDK's {@code verifyService}; {@code /v1/proxy/attestation/report} for both key sources.
 */
@ExtendWith(DevnetExtension.class)
class TeeAttestationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final BigInteger IN = BigInteger.valueOf(1_000_000_000L);
    private static final BigInteger OUT = BigInteger.valueOf(3_000_000_000L);

    @Test
    void aDstackBrokerSignsWithTheAgentKeyAndItsQuotePassesTheSdkCheck(Devnet d, @TempDir Path dir) throws Exception {
        try (FakeDstackAgent agent = new FakeDstackAgent(dir.resolve("dstack.sock"), FakeDstackAgent.Mode.NORMAL)) {
            BrokerFixture f = new BrokerFixture(d, dir);
            // The SDK fetches the quote from the URL registered on chain, so that URL must be this broker's.
            int port = BrokerFixture.freePort();
            String yaml = f.yaml(IN, OUT).replace("port: 0", "port: " + port)
                    .replace("url: http://127.0.0.1:3080", "url: http://127.0.0.1:" + port)
                    + "tee: { mode: dstack, dstackSocket: \"" + agent.socket() + "\" }\n";
            String signer = DstackTeeKeySourceTest.addressOf(
                    FakeDstackAgent.derivedKey(DstackTeeKeySource.DEFAULT_KEY_PATH));
            try (ProviderBroker b = ProviderBroker.start(new ConfigLoader(f.env()).parse(yaml, dir),
                    new ProviderBroker.Options(Clock.systemUTC(), false, SettlementFault.NONE))) {
                d.inference(d.account(0)).acknowledgeTEESignerByOwner(f.provider.getAddress()).send();
                assertThat(b.teeSignerAddress()).isEqualTo(signer);
                assertThat(d.inference(d.account(0)).getService(f.provider.getAddress()).send().teeSignerAddress)
                        .isEqualToIgnoringCase(signer);

                // A billed answer is signed by the derived key.
                Credentials u = d.account(2);
                f.fund(u, 5, 3);
                String body = BrokerFixture.chat("sign me in the enclave", false);
                HttpResponse<byte[]> r = f.post(b, "/v1/proxy/chat/completions", f.authorization(u), body);
                assertThat(r.statusCode()).as(BrokerFixture.text(r)).isEqualTo(200);
                JsonNode sig = JSON.readTree(f.get(b, "/v1/proxy/signature/"
                        + r.headers().firstValue("ZG-Res-Key").orElseThrow(), null).body());
                assertThat(sig.get("signing_address").asText()).isEqualTo(signer);
                ResponseSignature rs = new ResponseSignature(sig.get("text").asText(), sig.get("signature").asText());
                assertThat(rs.isSignedBy(signer)).isTrue();
                assertThat(rs.covers(body.getBytes(StandardCharsets.UTF_8), r.body())).isTrue();

                // /v1/quote is the agent's quote for the signer, not labelled unattested.
                JsonNode quote = JSON.readTree(f.get(b, "/v1/quote", null).body());
                byte[] ascii = signer.getBytes(StandardCharsets.US_ASCII);
                assertThat(quote.get("quote").asText()).isEqualTo(HexFormat.of().formatHex(FakeDstackAgent.quoteFor(ascii)));
                assertThat(quote.get("attested").asBoolean()).isTrue();
                assertThat(quote.get("tee_key_source").asText()).isEqualTo("dstack");
                assertThat(quote.get("vm_config").asText()).contains("os_image_hash");

                // The SDK's automated checks pass: report_data names the on-chain signer, compose hash matches.
                ContractAddresses c = new ContractAddresses(d.contracts().ledger().proxy(),
                        d.contracts().inference().proxy(), d.contracts().fineTuning().proxy());
                try (var sdk = ZGComputeNetworkBroker.create(u, d.rpcUrl(), BrokerOptions.defaults().withContracts(c))) {
                    VerificationResult v = sdk.inference().verifyService(f.provider.getAddress(), dir.resolve("reports"));
                    assertThat(v.signerVerification().allMatch()).as(v.steps().toString()).isTrue();
                    assertThat(v.composeVerification().passed()).as(v.steps().toString()).isTrue();
                    assertThat(v.verified()).isTrue();
                    assertThat(v.dockerImages()).contains(FakeDstackAgent.IMAGE);
                }

                // The attestation report carries the same quote, base64.
                JsonNode report = JSON.readTree(f.get(b, "/v1/proxy/attestation/report?model=dev-model", null).body());
                assertThat(report.get("signing_address").asText()).isEqualTo(signer);
                assertThat(Base64.getDecoder().decode(report.get("intel_quote").asText()))
                        .isEqualTo(FakeDstackAgent.quoteFor(ascii));
                assertThat(report.get("nvidia_payload").isNull()).isTrue();
                assertThat(report.get("attested").asBoolean()).isTrue();
            }
        }
    }

    @Test
    void aLocalBrokerReportsItsSignerWithoutAQuote(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        try (ProviderBroker b = f.start(IN, OUT, SettlementFault.NONE)) {
            // Free route: no Authorization.
            HttpResponse<byte[]> r = f.get(b, "/v1/proxy/attestation/report?model=dev-model", null);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
            JsonNode report = JSON.readTree(r.body());
            assertThat(report.get("signing_address").asText()).isEqualTo(b.teeSignerAddress());
            assertThat(report.get("intel_quote").asText()).isEmpty();
            assertThat(report.get("nvidia_payload").isNull()).isTrue();
            assertThat(report.get("tee_key_source").asText()).isEqualTo("local");
            assertThat(report.get("attested").asBoolean()).isFalse();

            // Also under the collapsed /v1 prefix; another model is refused.
            assertThat(f.get(b, "/v1/proxy/v1/attestation/report", null).statusCode()).isEqualTo(200);
            HttpResponse<byte[]> other = f.get(b, "/v1/proxy/attestation/report?model=gpt-9", null);
            assertThat(other.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(other.body()).get("error").asText())
                    .isEqualTo("model gpt-9 is not served here; this broker serves dev-model");
        }
    }
}
