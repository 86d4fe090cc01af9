package zg.compute.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.web3j.crypto.Keys;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;

/** listServiceWithDetail: the {@link StandInProviderServer} also plays the status service (/health, /models). */
@ExtendWith(DevnetExtension.class)
class ServiceDetailTest {

    private StandInProviderServer status;
    private String tiered;
    private String plain;

    @BeforeEach
    void setUp(Devnet d) throws Exception {
        status = new StandInProviderServer();
        tiered = d.account(5).getAddress();
        plain = d.account(7).getAddress();
        SdkFixtures.registerService(d, d.account(5), "http://127.0.0.1:9", "org/model-a", d.account(6).getAddress(),
                "{\"tieredPricing\":{\"tiers\":[{\"maxInputTokens\":8000,\"inputMultiplier\":1,\"outputMultiplier\":1},"
                        + "{\"maxInputTokens\":0,\"inputMultiplier\":1.5,\"outputMultiplier\":\"2\"}]},"
                        + "\"cacheTokenBilling\":{\"divisor\":10}}");
        SdkFixtures.registerService(d, d.account(7), "http://127.0.0.1:9", "org/model-b", d.account(6).getAddress(),
                "{}");
        SdkFixtures.acknowledgeTeeSignerAsOwner(d, tiered);
        SdkFixtures.acknowledgeTeeSignerAsOwner(d, plain);
    }

    @AfterEach
    void tearDown() {
        status.close();
    }

    private ServiceWithDetail of(List<ServiceWithDetail> all, String provider) {
        return all.stream().filter(s -> s.service().provider().equals(Keys.toChecksumAddress(provider))).findFirst()
                .orElseThrow();
    }

    @Test
    void healthModelsAndPricingAreMergedIn(Devnet d) {
        status.setStatus("{\"services\":[{\"serviceType\":\"chatbot\",\"model\":\"org/model-a\",\"provider\":\""
                + tiered.toLowerCase() + "\",\"status\":\"healthy\",\"checks\":{\"total\":10,\"successful\":9,"
                + "\"failed\":1,\"uptime\":90.0},\"performance\":{\"response_time\":120.5,\"ttft\":80,"
                + "\"tokens_per_second\":30},\"lastCheck\":\"2026-01-01T00:00:00Z\"}]}",
                "{\"data\":[{\"id\":\"org/model-a\",\"provider\":\"" + Keys.toChecksumAddress(tiered)
                        + "\",\"context_length\":32768},{\"id\":\"other\"}]}");
        try (var ro = ZGComputeNetworkBroker.readOnly(d.rpcUrl(),
                SdkFixtures.options().withStatusApiUrl(status.url()))) {
            List<ServiceWithDetail> all = ro.inference().listServiceWithDetail(false);
            assertThat(all).hasSize(2);
            ServiceWithDetail a = of(all, tiered);
            assertThat(a.health()).isEqualTo(new ServiceWithDetail.Health("healthy", 90.0, 120.5,
                    "2026-01-01T00:00:00Z"));
            assertThat(a.modelInfo().path("context_length").asInt()).isEqualTo(32768);
            assertThat(a.tieredPricing()).containsExactly(
                    new ServiceWithDetail.PricingTier(8000, new BigDecimal("1"), new BigDecimal("1")),
                    new ServiceWithDetail.PricingTier(0, new BigDecimal("1.5"), new BigDecimal("2")));
            assertThat(a.cacheTokenDivisor()).isEqualTo(10L);
            ServiceWithDetail b = of(all, plain);
            assertThat(b.health()).isNull();
            assertThat(b.modelInfo()).isNull();
            assertThat(b.tieredPricing()).isEmpty();
            assertThat(b.cacheTokenDivisor()).isNull();
            assertThat(b.service().inputPrice()).isEqualTo(BigInteger.valueOf(1000));
        }
        assertThat(status.requests()).containsExactlyInAnyOrder("GET /health", "GET /models");
    }

    @Test
    void anUnreachableStatusServiceOnlyLeavesTheDetailsOut(Devnet d) {
        try (var b = ZGComputeNetworkBroker.create(d.account(1), d.rpcUrl(),
                SdkFixtures.options().withStatusApiUrl("http://127.0.0.1:9"))) {
            List<ServiceWithDetail> all = b.inference().listServiceWithDetail(0, 50, true);
            assertThat(all).hasSize(2).allSatisfy(s -> assertThat(s.health()).isNull());
            assertThat(of(all, tiered).tieredPricing()).hasSize(2);
        }
        // On the local chain there is no status service by default: nothing is asked.
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            assertThat(b.inference().listServiceWithDetail(true)).hasSize(2);
        }
    }
}
