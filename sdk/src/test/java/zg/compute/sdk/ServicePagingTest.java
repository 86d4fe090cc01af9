package zg.compute.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.web3j.crypto.Credentials;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;

/** listService pages past the contract's 50-per-call cap (the official SDK silently stops at 50). */
@ExtendWith(DevnetExtension.class)
class ServicePagingTest {

    private static final int PROVIDERS = 57;

    /** Registers {@value #PROVIDERS} providers (keys beyond anvil's 10); the owner acknowledges the even ones. */
    private static List<String> registerMany(Devnet d) throws Exception {
        List<String> providers = new ArrayList<>();
        for (int i = 0; i < PROVIDERS; i++) {
            Credentials p = SdkFixtures.fundedKey(d, i, 200);
            SdkFixtures.registerService(d, p, "http://provider-" + i + ".invalid", "model-" + i,
                    d.account(6).getAddress(), "{}");
            if (i % 2 == 0) {
                SdkFixtures.acknowledgeTeeSignerAsOwner(d, p.getAddress());
            }
            providers.add(p.getAddress());
        }
        return providers;
    }

    @Test
    void listServiceReturnsEveryServiceAcrossPages(Devnet d) throws Exception {
        List<String> providers = registerMany(d);
        List<String> acknowledged = new ArrayList<>();
        for (int i = 0; i < PROVIDERS; i += 2) {
            acknowledged.add(providers.get(i));
        }
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            assertThat(b.inference().listService(true)).extracting(s -> s.provider().toLowerCase())
                    .containsExactlyInAnyOrderElementsOf(providers);
            List<ServiceInfo> visible = b.inference().listService();
            assertThat(visible).extracting(s -> s.provider().toLowerCase())
                    .containsExactlyInAnyOrderElementsOf(acknowledged);
            assertThat(visible).allMatch(ServiceInfo::teeSignerAcknowledged);
            // Single pages behave like the official SDK.
            assertThat(b.inference().listService(0, 50, true)).hasSize(50);
            assertThat(b.inference().listService(50, 50, true)).hasSize(PROVIDERS - 50);
            assertThat(b.inference().listService(100, 50, true)).isEmpty();
            assertThatThrownBy(() -> b.inference().listService(0, 51, true))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("offset must be >= 0 and limit within 1..50");
        }
        // Without a key, too.
        try (var ro = ZGComputeNetworkBroker.readOnly(d.rpcUrl())) {
            assertThat(ro.inference().listService(true)).hasSize(PROVIDERS);
            assertThat(ro.inference().listService()).hasSize(acknowledged.size());
            assertThat(ro.contracts()).isEqualTo(ContractAddresses.HARDHAT);
        }
    }

    @Test
    void anEmptyRegistryListsNothing(Devnet d) {
        try (var ro = ZGComputeNetworkBroker.readOnly(d.rpcUrl())) {
            assertThat(ro.inference().listService(true)).isEmpty();
        }
    }
}
