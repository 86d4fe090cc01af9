package zg.compute.devnet.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static zg.compute.devnet.contracts.FineTuningFixture.LOCK_TIME;
import static zg.compute.devnet.contracts.FineTuningFixture.PENALTY;
import static zg.compute.devnet.contracts.FineTuningFixture.ROOT;
import static zg.compute.devnet.contracts.FineTuningFixture.SECRET;
import static zg.compute.devnet.contracts.FineTuningFixture.SERVICE;
import static zg.compute.devnet.contracts.FineTuningFixture.addr;
import static zg.compute.devnet.contracts.FineTuningFixture.assertInvalidInput;
import static zg.compute.devnet.contracts.FineTuningFixture.assertNotOwner;
import static zg.compute.devnet.testing.Reverts.assertRevert;
import static zg.compute.devnet.contracts.FineTuningFixture.gasCost;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.contracts.bindings.FineTuningServing;
import zg.compute.protocol.contracts.bindings.FineTuningServing.AccountDetails;
import zg.compute.protocol.contracts.bindings.FineTuningServing.AccountSummary;
import zg.compute.protocol.contracts.bindings.FineTuningServing.Deliverable;
import zg.compute.protocol.contracts.bindings.FineTuningServing.Service;
import zg.compute.protocol.contracts.bindings.FineTuningServing.VerifierInput;
import zg.compute.protocol.contracts.bindings.LedgerManager;
import zg.compute.protocol.units.Units;

/**
 * Scenarios F1–F19 of contracts.md §10.3 (the reference fine-tuning tests) against the real devnet.
 * The devnet registers the service as fine-tuning-v1.0 with lock time 3600 s and penalty 30 %.
 */
@ExtendWith(DevnetExtension.class)
class FineTuningScenariosTest {

    private FineTuningFixture f;
    private Credentials owner;
    private Credentials user1;
    private Credentials p1;
    private Credentials p2;

    @BeforeEach
    void setUp(Devnet devnet) throws Exception {
        f = new FineTuningFixture(devnet).standard();
        owner = f.owner;
        user1 = f.user1;
        p1 = f.p1;
        p2 = f.p2;
    }

    private static BigInteger big(long v) {
        return BigInteger.valueOf(v);
    }

    @Test
    void f01_ownerUpdatesLockTimeAndPenalty() throws Exception {
        FineTuningServing ft = f.ft(owner);
        TransactionReceipt r = ft.updateLockTime(big(172_800)).send();
        ft.updatePenaltyPercentage(big(60)).send();

        assertThat(ft.lockTime().send()).isEqualTo(big(172_800));
        assertThat(ft.penaltyPercentage().send()).isEqualTo(big(60));
        var events = FineTuningServing.getLockTimeUpdatedEvents(r);
        assertThat(events).hasSize(1);
        assertThat(events.get(0).oldLockTime).isEqualTo(LOCK_TIME);
        assertThat(events.get(0).newLockTime).isEqualTo(big(172_800));
    }

    @Test
    void f02_nonOwnerCannotUpdateLockTimeOrPenalty() throws Exception {
        FineTuningServing ft = f.ft(user1);
        assertNotOwner(() -> ft.updateLockTime(big(172_800)).send());
        assertNotOwner(() -> ft.updatePenaltyPercentage(big(60)).send());

        assertThat(ft.lockTime().send()).isEqualTo(LOCK_TIME);
        assertThat(ft.penaltyPercentage().send()).isEqualTo(PENALTY);
    }

    @Test
    void f03_getAllAccountsPaginates() throws Exception {
        FineTuningServing ft = f.ft(owner);
        var all = ft.getAllAccounts(big(0), big(0)).send();
        assertThat(all.component2()).isEqualTo(big(2));
        assertThat(all.component1()).extracting(a -> a.user.toLowerCase())
                .containsExactlyInAnyOrder(addr(owner), addr(user1));
        assertThat(all.component1()).allSatisfy(a -> assertThat(a.provider).isEqualToIgnoringCase(p1.getAddress()));
        assertThat(all.component1()).extracting(a -> a.balance)
                .containsExactlyInAnyOrder(Units.og(1), Units.og(2));

        var first = ft.getAllAccounts(big(0), big(1)).send();
        var second = ft.getAllAccounts(big(1), big(1)).send();
        assertThat(first.component2()).isEqualTo(big(2));
        assertThat(second.component2()).isEqualTo(big(2));
        assertThat(first.component1()).hasSize(1);
        assertThat(second.component1()).hasSize(1);
        assertThat(first.component1().get(0).user).isNotEqualToIgnoringCase(second.component1().get(0).user);

        var beyond = ft.getAllAccounts(big(10), big(1)).send();
        assertThat(beyond.component1()).isEmpty();
        assertThat(beyond.component2()).isEqualTo(big(2));
    }

    @Test
    void f04_limitAbove50IsRejectedByAllListViews() {
        FineTuningServing ft = f.ft(owner);
        assertRevert(() -> ft.getAllAccounts(big(0), big(51)).send(), "LimitTooLarge", 51);
        assertRevert(() -> ft.getAccountsByProvider(p1.getAddress(), big(0), big(51)).send(), "LimitTooLarge", 51);
        assertRevert(() -> ft.getAccountsByUser(owner.getAddress(), big(0), big(51)).send(), "LimitTooLarge", 51);
    }

    @Test
    void f05_accountsByProviderByUserAndBatch() throws Exception {
        f.ledger(owner).transferFund(p2.getAddress(), SERVICE, Units.og(1)).send();
        FineTuningServing ft = f.ft(owner);

        var byP1 = ft.getAccountsByProvider(p1.getAddress(), big(0), big(0)).send();
        assertThat(byP1.component2()).isEqualTo(big(2));
        assertThat(byP1.component1()).extracting(a -> a.user.toLowerCase())
                .containsExactlyInAnyOrder(addr(owner), addr(user1));
        var byP2 = ft.getAccountsByProvider(p2.getAddress(), big(0), big(0)).send();
        assertThat(byP2.component2()).isEqualTo(big(1));
        assertThat(byP2.component1().get(0).user).isEqualToIgnoringCase(owner.getAddress());

        var byOwner = ft.getAccountsByUser(owner.getAddress(), big(0), big(0)).send();
        assertThat(byOwner.component2()).isEqualTo(big(2));
        assertThat(byOwner.component1()).extracting(a -> a.provider.toLowerCase())
                .containsExactlyInAnyOrder(addr(p1), addr(p2));
        var byUser1 = ft.getAccountsByUser(user1.getAddress(), big(0), big(0)).send();
        assertThat(byUser1.component2()).isEqualTo(big(1));
        assertThat(byUser1.component1().get(0).provider).isEqualToIgnoringCase(p1.getAddress());

        var page0 = ft.getAccountsByProvider(p1.getAddress(), big(0), big(1)).send().component1();
        var page1 = ft.getAccountsByProvider(p1.getAddress(), big(1), big(1)).send().component1();
        assertThat(page0).hasSize(1);
        assertThat(page1).hasSize(1);
        assertThat(page0.get(0).user).isNotEqualToIgnoringCase(page1.get(0).user);

        // provider = msg.sender; a user without an account comes back zeroed in its slot.
        Credentials stranger = f.d.account(7);
        @SuppressWarnings("unchecked")
        List<AccountSummary> batch = f.ft(p1)
                .getBatchAccountsByUsers(List.of(owner.getAddress(), user1.getAddress(), stranger.getAddress()))
                .send();
        assertThat(batch).hasSize(3);
        assertThat(batch.get(0).user).isEqualToIgnoringCase(owner.getAddress());
        assertThat(batch.get(0).provider).isEqualToIgnoringCase(p1.getAddress());
        assertThat(batch.get(0).balance).isEqualTo(Units.og(1));
        assertThat(batch.get(0).acknowledged).isTrue();
        assertThat(batch.get(1).user).isEqualToIgnoringCase(user1.getAddress());
        assertThat(batch.get(1).balance).isEqualTo(Units.og(2));
        assertThat(new java.math.BigInteger(batch.get(2).user.substring(2), 16)).isZero();
        assertThat(new java.math.BigInteger(batch.get(2).provider.substring(2), 16)).isZero();
        assertThat(batch.get(2).balance).isZero();
        assertThat(batch.get(2).acknowledged).isFalse();
    }

    @Test
    void f06_retrieveWaitRetrieveEmptiesTheSubAccount() throws Exception {
        LedgerManager ledger = f.ledger(owner);
        ledger.retrieveFund(List.of(p1.getAddress()), SERVICE).send();
        AccountDetails requested = f.account(owner, p1);
        assertThat(requested.pendingRefund).isEqualTo(Units.og(1));
        assertThat(requested.validRefundsLength).isEqualTo(big(1));
        long unlock = requested.refunds.get(0).createdAt.longValueExact() + LOCK_TIME.longValueExact();

        // Unlock is inclusive: at exactly createdAt + lockTime the refund is paid out.
        f.d.chain().setNextBlockTimestamp(unlock);
        TransactionReceipt r = ledger.retrieveFund(List.of(p1.getAddress()), SERVICE).send();
        assertThat(f.blockTime(r)).isEqualTo(unlock);

        AccountDetails after = f.account(owner, p1);
        assertThat(after.balance).isZero();
        assertThat(after.pendingRefund).isZero();
        assertThat(after.validRefundsLength).isZero();
        assertThat(f.ledgerOf(owner).availableBalance).isEqualTo(Units.og(5));
        assertThat(f.ledgerOf(owner).totalBalance).isEqualTo(Units.og(5));
        var events = FineTuningServing.getBalanceUpdatedEvents(r);
        assertThat(events).hasSize(1);
        assertThat(events.get(0).amount).isZero();
        assertThat(events.get(0).pendingRefund).isZero();
    }

    @Test
    void f07_refundArraySlotIsReused() throws Exception {
        LedgerManager ledger = f.ledger(user1);
        ledger.retrieveFund(List.of(p1.getAddress()), SERVICE).send();
        AccountDetails a = f.account(user1, p1);
        assertThat(a.refunds).hasSize(1);
        assertThat(a.pendingRefund).isEqualTo(Units.og(2));

        // A 3 0G top-up cancels the whole 2 0G refund and sends 1 0G of new ETH.
        BigInteger availableBefore = f.ledgerOf(user1).availableBalance;
        ledger.transferFund(p1.getAddress(), SERVICE, Units.og(3)).send();
        a = f.account(user1, p1);
        assertThat(a.balance).isEqualTo(Units.og(3));
        assertThat(a.pendingRefund).isZero();
        assertThat(a.validRefundsLength).isZero();
        assertThat(f.ledgerOf(user1).availableBalance).isEqualTo(availableBefore.subtract(Units.og(1)));

        ledger.retrieveFund(List.of(p1.getAddress()), SERVICE).send();
        a = f.account(user1, p1);
        assertThat(a.refunds).hasSize(1);
        assertThat(a.validRefundsLength).isEqualTo(big(1));
        assertThat(a.pendingRefund).isEqualTo(Units.og(3));
        assertThat(a.refunds.get(0).amount).isEqualTo(Units.og(3));
        assertThat(a.refunds.get(0).index).isZero();
    }

    @Test
    void f08_getAndUpdateService() throws Exception {
        Service s = f.ft(owner).getService(p1.getAddress()).send();
        assertThat(s.provider).isEqualToIgnoringCase(p1.getAddress());
        assertThat(s.url).isEqualTo(FineTuningFixture.URL);
        assertQuota(s.quota);
        assertThat(s.pricePerToken).isEqualTo(big(100));
        assertThat(s.occupied).isFalse();
        assertThat(s.models).isEmpty();
        assertThat(s.teeSignerAddress).isEqualToIgnoringCase(f.teeAddress);
        assertThat(s.teeSignerAcknowledged).isFalse();

        TransactionReceipt r = f.ft(p1).addOrUpdateService("https://p1.example/v2", FineTuningFixture.quota(),
                big(200), true, List.of("Qwen2.5-0.5B-Instruct", "distilbert-base"), f.teeAddress, BigInteger.ZERO)
                .send();
        var events = FineTuningServing.getServiceUpdatedEvents(r);
        assertThat(events).hasSize(1);
        var e = events.get(0);
        assertThat(e.provider).isEqualToIgnoringCase(p1.getAddress());
        assertThat(e.url).isEqualTo("https://p1.example/v2");
        assertQuota(e.quota);
        assertThat(e.pricePerToken).isEqualTo(big(200));
        assertThat(e.teeSignerAddress).isEqualToIgnoringCase(f.teeAddress);
        assertThat(e.occupied).isTrue();
        assertThat(FineTuningServing.getProviderStakedEvents(r)).isEmpty();

        Service updated = f.ft(owner).getService(p1.getAddress()).send();
        assertThat(updated.url).isEqualTo("https://p1.example/v2");
        assertThat(updated.pricePerToken).isEqualTo(big(200));
        assertThat(updated.occupied).isTrue();
        assertThat(updated.models).containsExactly("Qwen2.5-0.5B-Instruct", "distilbert-base");
    }

    private static void assertQuota(FineTuningServing.Quota q) {
        assertThat(q.cpuCount).isEqualTo(big(8));
        assertThat(q.nodeMemory).isEqualTo(big(32));
        assertThat(q.gpuCount).isEqualTo(big(1));
        assertThat(q.nodeStorage).isEqualTo(big(50_000));
        assertThat(q.gpuType).isEqualTo("H100");
    }

    @Test
    void f09_removeService() throws Exception {
        TransactionReceipt r = f.ft(p1).removeService().send();
        var removed = FineTuningServing.getServiceRemovedEvents(r);
        assertThat(removed).hasSize(1);
        assertThat(removed.get(0).provider).isEqualToIgnoringCase(p1.getAddress());

        @SuppressWarnings("unchecked")
        List<Service> services = f.ft(owner).getAllServices().send();
        assertThat(services).hasSize(1);
        assertThat(services.get(0).provider).isEqualToIgnoringCase(p2.getAddress());
        assertRevert(() -> f.ft(owner).getService(p1.getAddress()).send(), "ServiceNotExist", p1);
    }

    @Test
    void f10_acknowledgedSettlementPaysTheFullFee() throws Exception {
        TransactionReceipt ackR = f.ownerAck(p1);
        var ackEvents = FineTuningServing.getProviderTEESignerAcknowledgedEvents(ackR);
        assertThat(ackEvents).hasSize(1);
        assertThat(ackEvents.get(0).provider).isEqualToIgnoringCase(p1.getAddress());
        assertThat(ackEvents.get(0).teeSignerAddress).isEqualToIgnoringCase(f.teeAddress);
        assertThat(ackEvents.get(0).acknowledged).isTrue();

        TransactionReceipt added = f.addDeliverable(p1, owner, "task-1");
        var addedEvents = FineTuningServing.getDeliverableAddedEvents(added);
        assertThat(addedEvents).hasSize(1);
        assertThat(addedEvents.get(0).user).isEqualToIgnoringCase(owner.getAddress());
        assertThat(addedEvents.get(0).provider).isEqualToIgnoringCase(p1.getAddress());
        assertThat(addedEvents.get(0).deliverableId).isEqualTo("task-1");
        assertThat(addedEvents.get(0).modelRootHash).isEqualTo(ROOT);
        assertThat(addedEvents.get(0).timestamp).isEqualTo(big(f.blockTime(added)));

        TransactionReceipt acked = f.ack(owner, p1, "task-1");
        var ackedEvents = FineTuningServing.getDeliverableAcknowledgedEvents(acked);
        assertThat(ackedEvents).hasSize(1);
        assertThat(ackedEvents.get(0).user).isEqualToIgnoringCase(owner.getAddress());
        assertThat(ackedEvents.get(0).provider).isEqualToIgnoringCase(p1.getAddress());
        assertThat(ackedEvents.get(0).deliverableId).isEqualTo("task-1");
        assertThat(ackedEvents.get(0).timestamp).isEqualTo(big(f.blockTime(acked)));

        BigInteger providerEth = f.eth(p1.getAddress());
        BigInteger contractEth = f.eth(f.ftAddress);
        BigInteger ledgerTotal = f.ledgerOf(owner).totalBalance;
        BigInteger fee = big(10);
        TransactionReceipt r = f.settle(p1, f.acked("task-1", 1, fee, owner));

        var balance = FineTuningServing.getBalanceUpdatedEvents(r);
        assertThat(balance).hasSize(1);
        assertThat(balance.get(0).user).isEqualToIgnoringCase(owner.getAddress());
        assertThat(balance.get(0).provider).isEqualToIgnoringCase(p1.getAddress());
        assertThat(balance.get(0).amount).isEqualTo(Units.og(1).subtract(fee));
        assertThat(balance.get(0).pendingRefund).isZero();
        var settled = FineTuningServing.getFeesSettledEvents(r);
        assertThat(settled).hasSize(1);
        assertThat(settled.get(0).user).isEqualToIgnoringCase(owner.getAddress());
        assertThat(settled.get(0).provider).isEqualToIgnoringCase(p1.getAddress());
        assertThat(settled.get(0).deliverableId).isEqualTo("task-1");
        assertThat(settled.get(0).fee).isEqualTo(fee);
        assertThat(settled.get(0).acknowledged).isTrue();
        assertThat(settled.get(0).nonce).isEqualTo(big(1));
        var spent = LedgerManager.getFundSpentEvents(r);
        assertThat(spent).hasSize(1);
        assertThat(spent.get(0).user).isEqualToIgnoringCase(owner.getAddress());
        assertThat(spent.get(0).service).isEqualToIgnoringCase(f.ftAddress);
        assertThat(spent.get(0).amount).isEqualTo(fee);

        AccountDetails a = f.account(owner, p1);
        assertThat(a.balance).isEqualTo(Units.og(1).subtract(fee));
        assertThat(a.nonce).isEqualTo(big(1));
        Deliverable dl = f.ft(owner).getDeliverable(owner.getAddress(), p1.getAddress(), "task-1").send();
        assertThat(dl.settled).isTrue();
        assertThat(dl.acknowledged).isTrue();
        assertThat(dl.encryptedSecret).isEqualTo(SECRET);
        assertThat(dl.modelRootHash).isEqualTo(ROOT);
        assertThat(f.eth(p1.getAddress())).isEqualTo(providerEth.add(fee).subtract(gasCost(r)));
        assertThat(f.eth(f.ftAddress)).isEqualTo(contractEth.subtract(fee));
        assertThat(f.ledgerOf(owner).totalBalance).isEqualTo(ledgerTotal.subtract(fee));
        assertThat(f.ledgerOf(owner).availableBalance).isEqualTo(Units.og(4));
    }

    @Test
    void f11_settlingTheSameInputTwiceReverts() throws Exception {
        f.ownerAck(p1);
        f.addAcked(p1, owner, "task-1");
        VerifierInput in = f.acked("task-1", 1, big(10), owner);
        f.settle(p1, in);

        assertInvalidInput(() -> f.settle(p1, in), "nonce should larger than the current nonce");
        assertRevert(() -> f.settle(p1, f.acked("task-1", 2, big(10), owner)), "DeliverableAlreadySettled", "task-1");
        assertThat(f.account(owner, p1).nonce).isEqualTo(big(1));
        assertThat(f.balance(owner, p1)).isEqualTo(Units.og(1).subtract(big(10)));
    }

    @Test
    void f12_taskFeeAboveTheBalanceReverts() throws Exception {
        f.ownerAck(p1);
        f.addAcked(p1, owner, "task-1");
        BigInteger balance = f.balance(owner, p1);
        assertInvalidInput(() -> f.settle(p1, f.acked("task-1", 1, balance.add(BigInteger.ONE), owner)),
                "insufficient balance");
        assertThat(f.balance(owner, p1)).isEqualTo(balance);
        assertThat(f.account(owner, p1).nonce).isZero();
    }

    @Test
    void f13_acknowledgedDeliverableNeedsASecret() throws Exception {
        f.ownerAck(p1);
        f.addAcked(p1, owner, "task-1");
        assertRevert(() -> f.settle(p1, f.penalty("task-1", 1, big(10), owner)), "SecretShouldNotBeEmpty");
        assertThat(f.ft(owner).getDeliverable(owner.getAddress(), p1.getAddress(), "task-1").send().settled)
                .isFalse();
    }

    @Test
    void f14_unacknowledgedSettlementPaysThePenaltyShare() throws Exception {
        f.ownerAck(p1);
        f.addDeliverable(p1, owner, "task-1");
        BigInteger providerEth = f.eth(p1.getAddress());
        TransactionReceipt r = f.settle(p1, f.penalty("task-1", 1, big(10), owner));

        BigInteger fee = big(10 * 30 / 100);
        var balance = FineTuningServing.getBalanceUpdatedEvents(r);
        assertThat(balance).hasSize(1);
        assertThat(balance.get(0).user).isEqualToIgnoringCase(owner.getAddress());
        assertThat(balance.get(0).provider).isEqualToIgnoringCase(p1.getAddress());
        assertThat(balance.get(0).amount).isEqualTo(Units.og(1).subtract(big(3)));
        assertThat(balance.get(0).pendingRefund).isZero();
        var settled = FineTuningServing.getFeesSettledEvents(r);
        assertThat(settled).hasSize(1);
        assertThat(settled.get(0).fee).isEqualTo(fee);
        assertThat(settled.get(0).acknowledged).isFalse();
        assertThat(settled.get(0).nonce).isEqualTo(big(1));
        assertThat(f.eth(p1.getAddress())).isEqualTo(providerEth.add(fee).subtract(gasCost(r)));

        Deliverable dl = f.ft(owner).getDeliverable(owner.getAddress(), p1.getAddress(), "task-1").send();
        assertThat(dl.settled).isTrue();
        assertThat(dl.acknowledged).isFalse();
        assertThat(dl.encryptedSecret).isEmpty();
    }

    @Test
    void f15_unacknowledgedDeliverableMustNotCarryASecret() throws Exception {
        f.ownerAck(p1);
        f.addDeliverable(p1, owner, "task-1");
        assertRevert(() -> f.settle(p1, f.acked("task-1", 1, big(10), owner)), "SecretShouldBeEmpty");
        assertThat(f.balance(owner, p1)).isEqualTo(Units.og(1));
    }

    @Test
    void f16_twentyDeliverablesFillTheRing() throws Exception {
        for (int i = 0; i < 20; i++) {
            f.addAcked(p1, owner, "task-" + i);
        }
        @SuppressWarnings("unchecked")
        List<Deliverable> list = f.ft(owner).getDeliverables(owner.getAddress(), p1.getAddress()).send();
        assertThat(list).hasSize(20);
        assertThat(list).extracting(dl -> dl.id)
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 20).mapToObj(i -> "task-" + i).toList());
        assertThat(list).allSatisfy(dl -> {
            assertThat(dl.acknowledged).isTrue();
            assertThat(dl.settled).isFalse();
        });
        AccountDetails a = f.account(owner, p1);
        assertThat(a.deliverablesCount).isEqualTo(big(20));
        assertThat(a.deliverablesHead).isZero();
        assertThat(a.deliverables).hasSize(20);
    }

    @Test
    void f17_ringBufferEvictsSettledOldest() throws Exception {
        f.ownerAck(p1);
        for (int i = 0; i < 20; i++) {
            f.addAcked(p1, owner, "task-" + i);
        }
        f.settle(p1, f.acked("task-0", 1, big(10), owner));
        f.settle(p1, f.acked("task-1", 2, big(10), owner));

        TransactionReceipt r20 = f.addDeliverable(p1, owner, "task-20");
        assertEvicted(r20, "task-0", "task-20");
        f.ack(owner, p1, "task-20");
        AccountDetails a = f.account(owner, p1);
        assertThat(a.deliverablesCount).isEqualTo(big(20));
        assertThat(a.deliverablesHead).isEqualTo(big(1));

        TransactionReceipt r21 = f.addDeliverable(p1, owner, "task-21");
        assertEvicted(r21, "task-1", "task-21");
        f.ack(owner, p1, "task-21");
        a = f.account(owner, p1);
        assertThat(a.deliverablesCount).isEqualTo(big(20));
        assertThat(a.deliverablesHead).isEqualTo(big(2));

        FineTuningServing ft = f.ft(owner);
        assertRevert(() -> ft.getDeliverable(owner.getAddress(), p1.getAddress(), "task-0").send(),
                "DeliverableNotExists", "task-0");
        assertRevert(() -> ft.getDeliverable(owner.getAddress(), p1.getAddress(), "task-1").send(),
                "DeliverableNotExists", "task-1");
        Deliverable d20 = ft.getDeliverable(owner.getAddress(), p1.getAddress(), "task-20").send();
        assertThat(d20.id).isEqualTo("task-20");
        assertThat(d20.acknowledged).isTrue();
        assertThat(d20.settled).isFalse();
        assertThat(ft.getDeliverable(owner.getAddress(), p1.getAddress(), "task-21").send().id).isEqualTo("task-21");

        List<String> expected = new ArrayList<>();
        for (int i = 2; i < 22; i++) {
            expected.add("task-" + i);
        }
        assertThat(a.deliverables).extracting(dl -> dl.id).containsExactlyElementsOf(expected);
    }

    private void assertEvicted(TransactionReceipt r, String evicted, String added) {
        var events = FineTuningServing.getDeliverableEvictedEvents(r);
        assertThat(events).hasSize(1);
        var e = events.get(0);
        // provider comes first in this event
        assertThat(e.provider).isEqualToIgnoringCase(p1.getAddress());
        assertThat(e.user).isEqualToIgnoringCase(owner.getAddress());
        assertThat(e.evictedDeliverableId).isEqualTo(evicted);
        assertThat(e.newDeliverableId).isEqualTo(added);
        assertThat(e.timestamp).isEqualTo(big(f.blockTime(r)));
        assertThat(r.getLogs().get(0).getTopics().get(1).toLowerCase()).endsWith(addr(p1).substring(2));
        assertThat(r.getLogs().get(0).getTopics().get(2).toLowerCase()).endsWith(addr(owner).substring(2));
        var addedEvents = FineTuningServing.getDeliverableAddedEvents(r);
        assertThat(addedEvents).hasSize(1);
        assertThat(addedEvents.get(0).deliverableId).isEqualTo(added);
    }

    @Test
    void f18_fullExitDeletesTheAccount() throws Exception {
        TransactionReceipt refund = f.fullExit(owner, p1);

        var deleted = FineTuningServing.getAccountDeletedEvents(refund);
        assertThat(deleted).hasSize(1);
        assertThat(deleted.get(0).user).isEqualToIgnoringCase(owner.getAddress());
        assertThat(deleted.get(0).provider).isEqualToIgnoringCase(p1.getAddress());
        assertThat(deleted.get(0).refundedAmount).isZero();
        assertThat(f.ft(owner).accountExists(owner.getAddress(), p1.getAddress()).send()).isFalse();
        assertRevert(() -> f.ledgerOf(owner), "LedgerNotExists", owner);

        var all = f.ft(owner).getAllAccounts(big(0), big(0)).send();
        assertThat(all.component2()).isEqualTo(big(1));
        assertThat(all.component1()).hasSize(1);
        assertThat(all.component1().get(0).user).isEqualToIgnoringCase(user1.getAddress());
    }

    @Test
    void f19_plainEthIsRejected() throws Exception {
        BigInteger contractEth = f.eth(f.ftAddress);
        assertRevert(() -> f.d.chain().txManager(user1).execute(f.ftAddress, "0x", Units.og(1)),
                "DirectDepositsDisabled");
        assertThat(f.eth(f.ftAddress)).isEqualTo(contractEth);

        BigInteger available = f.ledgerOf(user1).availableBalance;
        f.ledger(user1).depositFund(Units.og(1)).send();
        assertThat(f.ledgerOf(user1).availableBalance).isEqualTo(available.add(Units.og(1)));
    }
}
