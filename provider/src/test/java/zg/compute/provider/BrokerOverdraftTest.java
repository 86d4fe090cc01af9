package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.units.Units;
import zg.compute.provider.internal.billing.BalanceGate;

/**
 * Many concurrent requests of one user against a small sub-account: every admitted request holds a
 * reservation, so together they can never bill more than the account can pay, and settlement collects
 * every fee in full (no PARTIAL, nothing uncollectable).
 */
@ExtendWith(DevnetExtension.class)
class BrokerOverdraftTest {

    private static final BigInteger IN = BigInteger.valueOf(1_000_000_000L);
    /** About 0.84 0G for the development backend's 7-token answer. */
    private static final BigInteger OUT = Units.parseOg("0.12");

    @Test
    void concurrentRequestsNeverSpendMoreThanTheSubAccountHolds(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        Credentials u = d.account(2);
        try (ProviderBroker b = f.startAcknowledged(IN, OUT)) {
            f.fund(u, 5, 2);
            BigInteger lock = Units.og(2);
            List<Future<HttpResponse<byte[]>>> answers = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(24);
            try {
                for (int i = 0; i < 24; i++) {
                    boolean stream = i % 2 == 0;
                    answers.add(pool.submit(() -> f.post(b, "/v1/proxy/chat/completions", f.authorization(u),
                            BrokerFixture.chat("overdraft", stream))));
                }
                int served = 0;
                for (var a : answers) {
                    HttpResponse<byte[]> r = a.get();
                    if (r.statusCode() == 200) {
                        served++;
                    } else {
                        assertThat(r.statusCode()).isIn(400, 429);
                        assertThat(BrokerFixture.text(r)).containsAnyOf("insufficient balance", "too many concurrent");
                    }
                }
                assertThat(served).isPositive();
            } finally {
                pool.shutdownNow();
            }
            BigInteger billed = b.store().billedTotal();
            assertThat(billed).as("billed within what the account can pay beyond the 1 0G reserve")
                    .isPositive().isLessThanOrEqualTo(lock.subtract(BalanceGate.MINIMUM_LOCKED_BALANCE));
            assertThat(b.store().reservedFee(u.getAddress())).as("every reservation released").isZero();

            var before = f.subAccounts(List.of(u));
            var o = b.settleNow();
            assertThat(o.settled()).isEqualTo(billed);
            assertThat(BrokerFixture.charged(before, f.subAccounts(List.of(u)))).isEqualTo(billed);
            assertThat(b.store().unsettledFee(u.getAddress())).as("nothing uncollectable").isZero();
        }
    }
}
