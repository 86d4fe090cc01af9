package zg.compute.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.web3j.crypto.Credentials;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.units.Units;

/**
 * The seed's "Inference (SDK)" snippet, line by line in Java, against the devnet and the
 * {@link StandInProviderServer} (a stand-in for the provider broker, which is built in parallel).
 */
@ExtendWith(DevnetExtension.class)
class SeedPatternsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private StandInProviderServer server;
    private String providerAddress;

    @BeforeEach
    void setUp(Devnet d) throws Exception {
        server = new StandInProviderServer();
        Credentials tee = d.account(6);
        providerAddress = d.account(5).getAddress();
        SdkFixtures.registerService(d, d.account(5), server.url(), "org/model-name", tee.getAddress(), "{}");
        SdkFixtures.acknowledgeTeeSignerAsOwner(d, providerAddress);
        server.enableChat(providerAddress, tee.getEcKeyPair());
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    @Test
    void theSeedInferenceSnippetWorksInJava(Devnet d) throws Exception {
        // const broker = await createZGComputeNetworkBroker(wallet);
        try (var broker = ZGComputeNetworkBroker.create(d.account(1), d.rpcUrl())) {
            // Quick Setup: deposit, then fund and acknowledge the provider.
            broker.ledger().depositFund(Amount.og("10"));
            broker.inference().acknowledgeProviderSigner(providerAddress);

            // const services = await broker.inference.listService();
            List<ServiceInfo> services = broker.inference().listService();
            assertThat(services).extracting(ServiceInfo::provider)
                    .contains(org.web3j.crypto.Keys.toChecksumAddress(providerAddress));
            assertThat(services.get(0).serviceType()).isEqualTo("chatbot");

            // const { endpoint, model } = await broker.inference.getServiceMetadata(providerAddress);
            ServiceMetadata meta = broker.inference().getServiceMetadata(providerAddress);
            // const headers = await broker.inference.getRequestHeaders(providerAddress);
            Map<String, String> headers = broker.inference().getRequestHeaders(providerAddress);

            // fetch(`${endpoint}/chat/completions`, {method: "POST", headers: {...}, body: JSON.stringify({messages, model})})
            String body = JSON.writeValueAsString(Map.of("messages",
                    List.of(Map.of("role", "user", "content", "Hello")), "model", meta.model()));
            HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(meta.endpoint() + "/chat/completions"))
                    .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body));
            headers.forEach(req::header);
            HttpResponse<String> response = HttpClient.newHttpClient().send(req.build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode data = JSON.readTree(response.body());

            // let chatID = response.headers.get("ZG-Res-Key"); if (!chatID) chatID = data.id;
            String chatID = response.headers().firstValue("ZG-Res-Key").orElse(data.path("id").asText());
            assertThat(chatID).isEqualTo("zg-chat-1");

            // await broker.inference.processResponse(providerAddress, JSON.stringify(data), chatID);
            ResponseVerification v = broker.inference().processResponseContentFirst(providerAddress,
                    JSON.writeValueAsString(data), chatID);
            assertThat(v).isEqualTo(ResponseVerification.VERIFIED);
            // 12 prompt × 1000 + 3 completion × 2000 neuron, from the response's usage.
            assertThat(broker.inference().cachedFee(providerAddress)).isEqualTo(BigInteger.valueOf(18_000));
            // And the stronger check over the exact bytes sent and received.
            assertThat(broker.inference().processResponse(providerAddress, chatID, null,
                    body.getBytes(StandardCharsets.UTF_8), response.body().getBytes(StandardCharsets.UTF_8)))
                    .isEqualTo(ResponseVerification.VERIFIED);
            // getRequestHeaders topped the sub-account up to the 2 0G buffer (the official Node behaviour).
            assertThat(broker.inference().getAccount(providerAddress).balance()).isEqualTo(Units.og(2));
        }
    }

    @Test
    void autoFundingReplacesTheInlineTopUp(Devnet d) {
        server.setUnsettledFee("0");
        try (var broker = ZGComputeNetworkBroker.create(d.account(1), d.rpcUrl())) {
            broker.ledger().addLedger(Amount.og("10"));
            broker.ledger().transferFund(providerAddress, ServiceKind.INFERENCE, Amount.og("1"));
            broker.inference().startAutoFunding(providerAddress, Duration.ofHours(1), 3);
            assertThat(broker.inference().getAccount(providerAddress).balance()).isEqualTo(Units.og(3));
            int seen = server.requests().size();
            broker.inference().getRequestHeaders(providerAddress);
            assertThat(server.requests()).hasSize(seen); // no inline fee query while auto-funding runs
            broker.inference().stopAutoFunding(providerAddress);
            broker.inference().getRequestHeaders(providerAddress);
            assertThat(server.requests()).hasSize(seen + 1);
        }
    }
}
