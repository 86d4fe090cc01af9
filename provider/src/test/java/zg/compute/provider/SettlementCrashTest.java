package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.web3j.crypto.Credentials;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.units.Units;
import zg.compute.provider.internal.settlement.SettlementFault;
import zg.compute.provider.internal.settlement.SettlementFault.Step;

/** Settlement survives a crash at every durable step and never charges a fee twice. */
@ExtendWith(DevnetExtension.class)
class SettlementCrashTest {

    private static final BigInteger IN = BigInteger.valueOf(1_000_000_000L);
    private static final BigInteger OUT = BigInteger.valueOf(3_000_000_000L);

    static final class Crash extends RuntimeException {
        Crash(Step step) {
            super("injected crash at " + step);
        }
    }

    /** Waits (bounded) until every settlement transaction the broker journaled as sent is mined. */
    private static void awaitSentSettlements(Devnet d, ProviderBroker b) throws Exception {
        var web3j = d.chain().web3j();
        for (var batch : b.store().batches("sent")) {
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (web3j.ethGetTransactionReceipt(batch.txHash()).send().getTransactionReceipt().isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("settlement transaction " + batch.txHash() + " not mined after 10 s");
                }
                Thread.sleep(10);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void crashAtAnyStepThenRestartSettlesEveryFeeExactlyOnce(Step crashAt, Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        String p = f.provider.getAddress();
        List<Credentials> users = List.of(d.account(2), d.account(3));
        BigInteger billed;
        BigInteger walletBefore;
        long block;
        Map<String, BigInteger> before;
        SettlementFault fault = step -> {
            if (step == crashAt) {
                throw new Crash(step);
            }
        };
        try (ProviderBroker b = f.start(IN, OUT, fault)) {
            d.inference(d.account(0)).acknowledgeTEESignerByOwner(p).send();
            for (Credentials u : users) {
                f.fund(u, 5, 3);
                f.chat(b, u, 3);
            }
            billed = b.store().billedTotal();
            assertThat(billed).isPositive();
            before = f.subAccounts(users);
            walletBefore = f.balance(p);
            block = f.blockNumber();
            assertThatThrownBy(b::settleNow).isInstanceOf(Crash.class);
            // anvil mines a broadcast transaction asynchronously (its "pending" nonce does not always count it
            // yet): wait for the journaled transaction itself before reading balances.
            boolean broadcast = crashAt == Step.AFTER_BROADCAST || crashAt == Step.AFTER_RECEIPT;
            if (broadcast) {
                awaitSentSettlements(d, b);
            }
            // Before the broadcast nothing reached the chain; after it, the transaction did.
            Map<String, BigInteger> atCrash = f.subAccounts(users);
            BigInteger chargedAtCrash = BigInteger.ZERO;
            for (Credentials u : users) {
                chargedAtCrash = chargedAtCrash.add(before.get(u.getAddress()).subtract(atCrash.get(u.getAddress())));
            }
            assertThat(chargedAtCrash).isEqualTo(broadcast ? billed : BigInteger.ZERO);
            // The rows are not yet marked settled, whatever the chain did.
            assertThat(b.store().settledTotal()).isZero();
        }
        try (ProviderBroker restarted = f.start(IN, OUT, SettlementFault.NONE)) {
            restarted.settleNow();
            assertThat(restarted.settleNow().settled()).as("a second pass finds nothing").isZero();

            Map<String, BigInteger> after = f.subAccounts(users);
            BigInteger charged = BigInteger.ZERO;
            for (Credentials u : users) {
                charged = charged.add(before.get(u.getAddress()).subtract(after.get(u.getAddress())));
                assertThat(restarted.store().unsettledFee(u.getAddress())).isZero();
            }
            assertThat(charged).as("on-chain total == billed total").isEqualTo(billed);
            BigInteger gas = f.gasPaid(p, block, f.blockNumber());
            assertThat(f.balance(p).subtract(walletBefore).add(gas)).isEqualTo(billed);
            assertThat(restarted.store().settledTotal()).isEqualTo(billed);
        }
    }

    @Test
    void partialSettlementPaysWhatTheBalanceAllowsAndTheRestLater(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        String p = f.provider.getAddress();
        BigInteger pricey = Units.parseOg("0.4");
        try (ProviderBroker b = f.startAcknowledged(IN, pricey)) {
            Credentials u = d.account(2);
            f.fund(u, 5, 3);
            f.chat(b, u, 1); // output capped at what the 2 0G above the reserve cover: 4 tokens × 0.4 0G + input
            BigInteger billed = b.store().billedTotal();
            assertThat(billed).isGreaterThan(Units.og(1)).isLessThanOrEqualTo(Units.og(2));
            // The user withdraws everything before the broker settles (no refund trigger here), then tops up
            // less than the fees: the balance no longer covers them.
            d.ledger(u).retrieveFund(List.of(p), BrokerFixture.SERVICE).send();
            d.chain().increaseTime(3_601);
            d.ledger(u).retrieveFund(List.of(p), BrokerFixture.SERVICE).send();
            d.ledger(u).transferFund(p, BrokerFixture.SERVICE, Units.og(1)).send();
            BigInteger walletBefore = f.balance(p);
            long block = f.blockNumber();

            assertThat(b.settleNow().settled()).as("PARTIAL takes the whole balance").isEqualTo(Units.og(1));
            assertThat(d.inference(u).getAccount(u.getAddress(), p).send().balance).isZero();
            assertThat(b.store().unsettledFee(u.getAddress())).isEqualTo(billed.subtract(Units.og(1)));

            // Nothing settleable until the user tops up: no transaction is wasted on it.
            var idle = b.settleNow();
            assertThat(idle.itemsSent()).isZero();
            assertThat(idle.settled()).isZero();

            d.ledger(u).transferFund(p, BrokerFixture.SERVICE, Units.og(1)).send();
            assertThat(b.settleNow().settled()).isEqualTo(billed.subtract(Units.og(1)));
            assertThat(b.store().unsettledFee(u.getAddress())).isZero();
            assertThat(d.inference(u).getAccount(u.getAddress(), p).send().balance)
                    .isEqualTo(Units.og(2).subtract(billed));
            BigInteger gas = f.gasPaid(p, block, f.blockNumber());
            assertThat(f.balance(p).subtract(walletBefore).add(gas)).isEqualTo(billed);
        }
    }

    @Test
    void aMaturingRefundTriggersSettlementBeforeTheUserCanWithdraw(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        String p = f.provider.getAddress();
        try (ProviderBroker b = f.startAcknowledged(IN, OUT)) {
            Credentials u = d.account(2);
            f.fund(u, 5, 3);
            f.chat(b, u, 2);
            BigInteger billed = b.store().billedTotal();
            assertThat(b.refundMaturingSoon()).isFalse();

            d.ledger(u).retrieveFund(List.of(p), BrokerFixture.SERVICE).send(); // the whole 3 0G pending refund
            assertThat(b.refundMaturingSoon()).as("lock time 1 h, buffer 10 min: not yet").isFalse();
            d.chain().increaseTime(3_600 - 600);
            assertThat(b.refundMaturingSoon()).isTrue();

            assertThat(b.settleNow().settled()).isEqualTo(billed);
            var account = d.inference(u).getAccount(u.getAddress(), p).send();
            assertThat(account.balance).isEqualTo(Units.og(3).subtract(billed));
            assertThat(account.pendingRefund).as("the fees came out of the pending refund").isEqualTo(account.balance);
            assertThat(b.refundMaturingSoon()).as("nothing left to protect").isFalse();
        }
    }

    @Test
    void theScheduledWorkerSettlesOnceAUserOwesTheThreshold(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        String yaml = f.yaml(IN, OUT).replace("settlement: { intervalSeconds: 3600 }",
                "settlement: { intervalSeconds: 3600, thresholdNeuron: 1, refundCheckSeconds: 1 }");
        ProviderConfig config = new ConfigLoader(f.env()).parse(yaml, dir);
        try (ProviderBroker b = ProviderBroker.start(config,
                new ProviderBroker.Options(java.time.Clock.systemUTC(), true, SettlementFault.NONE))) {
            d.inference(d.account(0)).acknowledgeTEESignerByOwner(f.provider.getAddress()).send();
            Credentials u = d.account(2);
            f.fund(u, 5, 3);
            f.chat(b, u, 1);
            BigInteger billed = b.store().billedTotal();
            assertThat(billed).isPositive();
            // The worker ticks every second here (interval 1 h, but the threshold of 1 neuron is reached).
            long deadline = System.currentTimeMillis() + 20_000;
            while (b.store().settledTotal().signum() == 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertThat(b.store().settledTotal()).isEqualTo(billed);
            assertThat(d.inference(u).getAccount(u.getAddress(), f.provider.getAddress()).send().balance)
                    .isEqualTo(Units.og(3).subtract(billed));
        }
    }

    @Test
    void noncesFollowTheChainEvenWithAFreshDatabase(Devnet d, @TempDir Path dir1, @TempDir Path dir2) throws Exception {
        String p = d.account(1).getAddress();
        Credentials u = d.account(2);
        BrokerFixture first = new BrokerFixture(d, dir1);
        try (ProviderBroker b = first.startAcknowledged(IN, OUT)) {
            first.fund(u, 5, 3);
            first.chat(b, u, 2);
            assertThat(b.settleNow().settled()).isEqualTo(b.store().billedTotal());
        }
        BigInteger nonce = d.inference(u).getAccount(u.getAddress(), p).send().nonce;
        assertThat(nonce).isPositive();
        // A broker with an empty database (lost disk) must not sign a nonce the chain has already seen.
        BrokerFixture second = new BrokerFixture(d, dir2);
        try (ProviderBroker b = second.start(IN, OUT, SettlementFault.NONE)) {
            second.chat(b, u, 2);
            BigInteger billed = b.store().billedTotal();
            assertThat(b.settleNow().settled()).isEqualTo(billed);
            assertThat(d.inference(u).getAccount(u.getAddress(), p).send().nonce).isGreaterThan(nonce);
        }
    }
}
