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
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.DevnetConfig;
import zg.compute.protocol.units.Units;
import zg.compute.provider.internal.billing.BalanceGate;
import zg.compute.provider.internal.settlement.SettlementFault;

/**
 * Random concurrent request mixes (streamed or not, any prompt length, with or without
 * {@code max_tokens}) of a fresh user against a random small sub-account: the broker never bills more
 * than the account can pay beyond the 1 0G reserve, releases every reservation, and settlement
 * collects exactly what was billed. Real devnet, real broker, the development backend.
 */
class BrokerOverdraftProperties {

    private static final BigInteger IN = BigInteger.valueOf(1_000_000_000L);
    private static final BigInteger OUT = Units.parseOg("0.05");

    private static Devnet devnet;
    private static BrokerFixture fixture;
    private static ProviderBroker broker;

    record Req(boolean stream, int promptWords, Integer maxTokens) {
        String body() {
            return "{\"model\":\"dev-model\",\"stream\":" + stream + (maxTokens == null ? "" : ",\"max_tokens\":" + maxTokens)
                    + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + "spend ".repeat(promptWords).strip() + "\"}]}";
        }
    }

    @BeforeContainer
    static void start() throws Exception {
        devnet = Devnet.start(DevnetConfig.defaults().withLockTime(DevnetConfig.MIN_LOCK_TIME));
        fixture = new BrokerFixture(devnet, BrokerFixture.tempDir());
        broker = fixture.startAcknowledged(IN, OUT);
    }

    @AfterContainer
    static void stop() {
        if (broker != null) {
            broker.close();
        }
        if (devnet != null) {
            devnet.close();
        }
    }

    @Provide
    Arbitrary<Req> requests() {
        return Combinators.combine(Arbitraries.of(true, false), Arbitraries.integers().between(1, 300),
                Arbitraries.integers().between(1, 80).injectNull(0.4)).as(Req::new);
    }

    @Property(tries = 10)
    void concurrentMixesNeverBillMoreThanTheSubAccountCanPay(
            @ForAll @LongRange(min = 0, max = 2_000) long milliOgAboveReserve,
            @ForAll @Size(min = 1, max = 16) List<@net.jqwik.api.From("requests") Req> mix) throws Exception {
        Credentials user = Credentials.create(Keys.createEcKeyPair());
        devnet.chain().setBalance(user.getAddress(), Units.og(100));
        BigInteger lock = Units.og(1).add(Units.parseOg("0.001").multiply(BigInteger.valueOf(milliOgAboveReserve)));
        devnet.ledger(user).addLedger("", Units.og(5)).send();
        devnet.ledger(user).transferFund(fixture.provider.getAddress(), BrokerFixture.SERVICE, lock).send();

        ExecutorService pool = Executors.newFixedThreadPool(mix.size());
        List<Future<HttpResponse<byte[]>>> answers = new ArrayList<>();
        try {
            for (Req r : mix) {
                answers.add(pool.submit(() -> fixture.post(broker, "/v1/proxy/chat/completions",
                        fixture.authorization(user), r.body())));
            }
            for (var a : answers) {
                HttpResponse<byte[]> resp = a.get();
                if (resp.statusCode() != 200) {
                    assertThat(resp.statusCode()).as(BrokerFixture.text(resp)).isEqualTo(400);
                    assertThat(BrokerFixture.text(resp)).contains("insufficient balance");
                }
            }
        } finally {
            pool.shutdownNow();
        }
        BigInteger billed = broker.store().unsettledFee(user.getAddress());
        assertThat(billed).isLessThanOrEqualTo(lock.subtract(BalanceGate.MINIMUM_LOCKED_BALANCE));
        assertThat(broker.store().reservedFee(user.getAddress())).isZero();

        var before = fixture.subAccounts(List.of(user));
        broker.settleNow();
        assertThat(BrokerFixture.charged(before, fixture.subAccounts(List.of(user)))).isEqualTo(billed);
        assertThat(broker.store().unsettledFee(user.getAddress())).isZero();
    }
}
