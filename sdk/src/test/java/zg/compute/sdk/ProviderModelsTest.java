package zg.compute.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.web3j.crypto.Credentials;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;

/**
 * Multi-model providers: the catalog from the provider's {@code /v1/models}, the metadata for a chosen model,
 * and the local fee counted at the chosen model's prices. A {@link StandInProviderServer} plays the
 * provider's HTTP side; the service is registered on the real devnet chain.
 */
@ExtendWith(DevnetExtension.class)
class ProviderModelsTest {

    private static final String MULTI = "{\"ProviderType\":\"decentralized\",\"MultiModel\":true,"
            + "\"priceDenomination\":\"NATIVE\"}";
    /** The default at the on-chain prices (1000/2000, SdkFixtures), a second model at 7000/9000 neuron per token. */
    private static final String CATALOG = """
            {"object":"list","data":[
              {"id":"org/model-a","object":"model","type":"chatbot","pricing":{"prompt":"1000","completion":"2000"}},
              {"id":"org/model-b","object":"model","type":"chatbot","pricing":{"prompt":"7000","completion":"9000"}},
              {"id":"org/model-usd","object":"model","pricing":{"prompt":"0.000001","completion":"0.000002"}}]}""";
    private static final String USAGE = "{\"prompt_tokens\":10,\"completion_tokens\":20,\"total_tokens\":30}";

    private StandInProviderServer server;
    private Credentials tee;
    private String provider;

    @BeforeEach
    void setUp() throws Exception {
        server = new StandInProviderServer();
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    private void register(Devnet d, String additionalInfo) throws Exception {
        tee = d.account(6);
        provider = org.web3j.crypto.Keys.toChecksumAddress(d.account(5).getAddress());
        SdkFixtures.registerService(d, d.account(5), server.url(), "org/model-a", tee.getAddress(), additionalInfo);
        SdkFixtures.acknowledgeTeeSignerAsOwner(d, provider);
    }

    @Test
    void getProviderModelsReadsTheProvidersCatalogAndTheOnChainFlag(Devnet d) throws Exception {
        register(d, MULTI);
        server.setProviderModels(CATALOG);
        try (var ro = ZGComputeNetworkBroker.readOnly(d.rpcUrl())) {
            ProviderModels m = ro.inference().getProviderModels(provider);
            assertThat(m.provider()).isEqualTo(provider);
            assertThat(m.url()).isEqualTo(server.url());
            assertThat(m.multiModel()).isTrue();
            assertThat(m.priceDenomination()).isEqualTo("NATIVE");
            assertThat(m.defaultModel()).isEqualTo("org/model-a");
            assertThat(m.models()).containsExactly(
                    new ProviderModel("org/model-a", "chatbot", BigInteger.valueOf(1000), BigInteger.valueOf(2000)),
                    new ProviderModel("org/model-b", "chatbot", BigInteger.valueOf(7000), BigInteger.valueOf(9000)),
                    new ProviderModel("org/model-usd", null, null, null));
        }
        assertThat(server.requests()).contains("GET /v1/models");
    }

    @Test
    void anUnreachableProviderOrAnAnswerWithoutDataThrows(Devnet d) throws Exception {
        register(d, MULTI);
        try (var ro = ZGComputeNetworkBroker.readOnly(d.rpcUrl())) {
            assertThatThrownBy(() -> ro.inference().getProviderModels(provider))
                    .isInstanceOf(ProviderHttpException.class).hasMessageContaining("HTTP 404");
            server.setProviderModels("{\"error\":\"busy\"}");
            assertThatThrownBy(() -> ro.inference().getProviderModels(provider))
                    .isInstanceOf(ProviderHttpException.class)
                    .hasMessage("provider /v1/models returned an unexpected response shape (missing \"data\" array)");
            server.setProviderModels("{\"object\":\"list\",\"data\":[]}");
            assertThat(ro.inference().getProviderModels(provider).models()).isEmpty();
        }
    }

    @Test
    void theMetadataNamesTheChosenModelOrTheDefault(Devnet d) throws Exception {
        register(d, MULTI);
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            assertThat(b.inference().getServiceMetadata(provider, "org/model-b"))
                    .isEqualTo(new ServiceMetadata(server.url() + "/v1/proxy", "org/model-b"));
            assertThat(b.inference().getServiceMetadata(provider, null).model()).isEqualTo("org/model-a");
            assertThat(b.inference().getServiceMetadata(provider).model()).isEqualTo("org/model-a");
        }
    }

    @Test
    void theFeeIsCountedAtTheChosenModelsPrices(Devnet d) throws Exception {
        register(d, MULTI);
        server.setProviderModels(CATALOG);
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            b.inference().processResponse(provider, null, USAGE, "org/model-b");
            BigInteger modelB = BigInteger.valueOf(10 * 7000 + 20 * 9000);
            assertThat(b.inference().cachedFee(provider)).isEqualTo(modelB);

            b.inference().processResponse(provider, null, USAGE, "org/model-a"); // the default: on-chain prices
            BigInteger modelA = BigInteger.valueOf(10 * 1000 + 20 * 2000);
            assertThat(b.inference().cachedFee(provider)).isEqualTo(modelB.add(modelA));

            // the bytes overload reads the model from the request it was given
            byte[] request = "{\"model\":\"org/model-b\",\"messages\":[]}".getBytes(StandardCharsets.UTF_8);
            byte[] response = ("{\"usage\":" + USAGE + "}").getBytes(StandardCharsets.UTF_8);
            server.signResponse("chat-b", request, response, tee.getEcKeyPair());
            assertThat(b.inference().processResponse(provider, "chat-b", USAGE, request, response))
                    .isEqualTo(ResponseVerification.VERIFIED);
            assertThat(b.inference().cachedFee(provider)).isEqualTo(modelB.add(modelA).add(modelB));

            assertThatThrownBy(() -> b.inference().processResponse(provider, null, USAGE, "gpt-4"))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("Model gpt-4 is not served by provider " + provider
                            + "; it serves org/model-a, org/model-b, org/model-usd");
            assertThatThrownBy(() -> b.inference().processResponse(provider, null, USAGE, "org/model-usd"))
                    .isInstanceOf(InvalidRequestException.class).hasMessageContaining("without prices in neuron");
        }
    }

    @Test
    void aSingleModelProviderCountsEveryModelAtItsOnChainPrices(Devnet d) throws Exception {
        register(d, "{}");
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            b.inference().processResponse(provider, null, USAGE, "any-name");
            assertThat(b.inference().cachedFee(provider)).isEqualTo(BigInteger.valueOf(10 * 1000 + 20 * 2000));
            assertThat(server.requests()).as("no catalog needed").isEmpty();
        }
    }
}
