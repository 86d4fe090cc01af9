package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.units.Units;
import zg.compute.provider.internal.store.JdbcStore;

/**
 * Requests in flight when a broker stopped stay {@code pending} with their reservations: the next
 * start sweeps them ({@code swept}, never billed) and releases what they held, then serves and settles
 * as usual.
 */
@ExtendWith(DevnetExtension.class)
class BrokerStartupSweepTest {

    private static final BigInteger IN = BigInteger.valueOf(1_000_000_000L);
    private static final BigInteger OUT = BigInteger.valueOf(3_000_000_000L);

    @Test
    void startUpSweepsRequestsLeftInFlightAndReleasesTheirReservations(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        Credentials u = d.account(2);
        String user = u.getAddress();
        try (Store previous = JdbcStore.open(f.databaseUrl())) {
            // a broker that admitted two requests (one reserving 2 0G of a 3 0G balance) and then went away
            assertThat(previous.reserve("lost-1", user, BigInteger.ONE, Units.og(2), Units.og(3), Units.og(1), 1)
                    .reserved()).isEqualTo(Units.og(2));
            previous.insertRequest("lost-2", user, 2);
        }
        try (ProviderBroker b = f.startAcknowledged(IN, OUT)) {
            assertThat(b.store().reservedFee(user)).as("released at start-up").isZero();
            b.store().billRequest("lost-1", 1, 1, IN, OUT); // the lost answer can never be billed now
            assertThat(b.store().unsettledFee(user)).isZero();

            f.fund(u, 5, 3);
            var r = f.post(b, "/v1/proxy/chat/completions", f.authorization(u), BrokerFixture.chat("after", false));
            assertThat(r.statusCode()).as(BrokerFixture.text(r)).isEqualTo(200);
            BigInteger billed = b.store().billedTotal();
            assertThat(billed).isPositive();
            assertThat(b.settleNow().settled()).isEqualTo(billed);
            assertThat(d.inference(u).getAccount(user, f.provider.getAddress()).send().balance)
                    .isEqualTo(Units.og(3).subtract(billed));
        }
    }
}
