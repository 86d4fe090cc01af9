package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.units.Units;
import zg.compute.provider.internal.settlement.SettlementFault;
import zg.compute.provider.internal.settlement.SettlementFault.Step;

/** The scheduled settlement worker survives whatever a run throws, {@link Error}s included. */
@ExtendWith(DevnetExtension.class)
class SettlementSchedulerTest {

    private static final BigInteger IN = BigInteger.valueOf(1_000_000_000L);
    private static final BigInteger OUT = BigInteger.valueOf(3_000_000_000L);

    static final class InjectedError extends Error {
        InjectedError() {
            super("injected Error inside a settlement run");
        }
    }

    @Test
    void anErrorInOneRunDoesNotStopTheNextTick(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        AtomicInteger signedRuns = new AtomicInteger();
        SettlementFault fault = step -> {
            if (step == Step.AFTER_SIGN && signedRuns.incrementAndGet() == 1) {
                throw new InjectedError();
            }
        };
        // Ticks every second (refundCheckSeconds: 1); the 1-neuron threshold makes every tick with fees due.
        String yaml = f.yaml(IN, OUT).replace("settlement: { intervalSeconds: 3600 }",
                "settlement: { intervalSeconds: 3600, thresholdNeuron: 1, refundCheckSeconds: 1 }");
        ProviderConfig config = new ConfigLoader(f.env()).parse(yaml, dir);
        try (ProviderBroker b = ProviderBroker.start(config, new ProviderBroker.Options(Clock.systemUTC(), true, fault))) {
            d.inference(d.account(0)).acknowledgeTEESignerByOwner(f.provider.getAddress()).send();
            Credentials u = d.account(2);
            f.fund(u, 5, 3);
            var r = f.post(b, "/v1/proxy/chat/completions", f.authorization(u), BrokerFixture.chat("tick", false));
            assertThat(r.statusCode()).as(BrokerFixture.text(r)).isEqualTo(200);
            BigInteger billed = b.store().billedTotal();
            assertThat(billed).isPositive();

            long deadline = System.currentTimeMillis() + 20_000;
            while (b.store().settledTotal().signum() == 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertThat(signedRuns.get()).as("the run after the Error signed again").isGreaterThanOrEqualTo(2);
            assertThat(b.store().settledTotal()).as("settled by a later tick").isEqualTo(billed);
            assertThat(d.inference(u).getAccount(u.getAddress(), f.provider.getAddress()).send().balance)
                    .isEqualTo(Units.og(3).subtract(billed));
        }
    }
}
