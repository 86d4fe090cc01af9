package zg.compute.devnet.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static zg.compute.devnet.contracts.FineTuningFixture.EMPTY;
import static zg.compute.devnet.contracts.FineTuningFixture.LOCK_TIME;
import static zg.compute.devnet.contracts.FineTuningFixture.OTHER_KEY;
import static zg.compute.devnet.contracts.FineTuningFixture.OTHER_ROOT;
import static zg.compute.devnet.contracts.FineTuningFixture.ROOT;
import static zg.compute.devnet.contracts.FineTuningFixture.SECRET;
import static zg.compute.devnet.contracts.FineTuningFixture.SERVICE;
import static zg.compute.devnet.contracts.FineTuningFixture.STAKE;
import static zg.compute.devnet.contracts.FineTuningFixture.TEE;
import static zg.compute.devnet.contracts.FineTuningFixture.assertInvalidInput;
import static zg.compute.devnet.contracts.FineTuningFixture.assertNotOwner;
import static zg.compute.devnet.testing.Reverts.assertRevert;
import static zg.compute.devnet.contracts.FineTuningFixture.gasCost;
import static zg.compute.devnet.contracts.FineTuningFixture.withSignature;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.contracts.bindings.FineTuningServing;
import zg.compute.protocol.contracts.bindings.FineTuningServing.AccountDetails;
import zg.compute.protocol.contracts.bindings.FineTuningServing.Deliverable;
import zg.compute.protocol.contracts.bindings.FineTuningServing.Quota;
import zg.compute.protocol.contracts.bindings.FineTuningServing.VerifierInput;
import zg.compute.protocol.contracts.bindings.LedgerManager;
import zg.compute.protocol.eip712.Eip712Domain;
import zg.compute.protocol.units.Units;

/**
 * Fine-tuning behaviour beyond the reference scenarios: contracts.md §10.4 (serial rule, abandon,
 * the §7.5 permanent block, ring eviction) and every user- or provider-reachable revert of §4/§7,
 * including the settleFees check order of §7.3.
 */
@ExtendWith(DevnetExtension.class)
class FineTuningExtrasTest {

    private FineTuningFixture f;
    private Credentials owner;
    private Credentials user1;
    private Credentials p1;
    private Credentials p2;
    /** A provider wallet with no registered service. */
    private Credentials p3;
    /** A user with no ledger (free for test-specific funding). */
    private Credentials u5;
    /** An address that has nothing anywhere. */
    private Credentials stranger;

    @BeforeEach
    void setUp(Devnet devnet) throws Exception {
        f = new FineTuningFixture(devnet).standard();
        owner = f.owner;
        user1 = f.user1;
        p1 = f.p1;
        p2 = f.p2;
        p3 = devnet.account(4);
        u5 = devnet.account(5);
        stranger = devnet.account(6);
    }

    private static BigInteger big(long v) {
        return BigInteger.valueOf(v);
    }

    private FineTuningServing ft(Credentials c) {
        return f.ft(c);
    }

    private Deliverable deliverable(Credentials user, Credentials provider, String id) throws Exception {
        return ft(user).getDeliverable(user.getAddress(), provider.getAddress(), id).send();
    }

    private static List<String> ids(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> "d" + i).toList();
    }

    private void fillRing(Credentials user, Credentials provider) throws Exception {
        for (String id : ids(0, 20)) {
            f.addAcked(provider, user, id);
        }
    }

    private TransactionReceipt abandon(Credentials provider, Credentials user, String id) throws Exception {
        return ft(provider).abandonDeliverable(user.getAddress(), id).send();
    }

    // ================================================================== serial rule and acknowledgement

    @Test
    void serialRule_latestDeliverableMustBeAcknowledged() throws Exception {
        f.addDeliverable(p1, owner, "d1");
        assertRevert(() -> f.addDeliverable(p1, owner, "d2"), "PreviousDeliverableNotAcknowledged", "d1");

        // Acknowledged is enough, settled is not required.
        f.ack(owner, p1, "d1");
        f.addDeliverable(p1, owner, "d2");
        assertThat(deliverable(owner, p1, "d1").settled).isFalse();
        assertRevert(() -> f.addDeliverable(p1, owner, "d3"), "PreviousDeliverableNotAcknowledged", "d2");

        // The rule is per (user, provider) pair.
        f.addDeliverable(p1, user1, "u1-d1");
        f.ledger(owner).transferFund(p2.getAddress(), SERVICE, Units.og(1)).send();
        f.addDeliverable(p2, owner, "p2-d1");

        AccountDetails a = f.account(owner, p1);
        assertThat(a.deliverablesCount).isEqualTo(big(2));
        assertThat(a.deliverables).extracting(d -> d.id).containsExactly("d1", "d2");
    }

    @Test
    void acknowledgeDeliverable_anyUnsettledOneRepeatably() throws Exception {
        f.addAcked(p1, owner, "d1");
        f.addDeliverable(p1, owner, "d2");

        // Not only the latest, and it can be repeated (emitting again).
        for (int i = 0; i < 2; i++) {
            TransactionReceipt r = f.ack(owner, p1, "d1");
            var events = FineTuningServing.getDeliverableAcknowledgedEvents(r);
            assertThat(events).hasSize(1);
            assertThat(events.get(0).user).isEqualToIgnoringCase(owner.getAddress());
            assertThat(events.get(0).provider).isEqualToIgnoringCase(p1.getAddress());
            assertThat(events.get(0).deliverableId).isEqualTo("d1");
            assertThat(events.get(0).timestamp).isEqualTo(big(f.blockTime(r)));
        }
        assertThat(deliverable(owner, p1, "d1").acknowledged).isTrue();
        assertThat(deliverable(owner, p1, "d2").acknowledged).isFalse();

        assertRevert(() -> f.ack(owner, p1, "nope"), "DeliverableNotExists", "nope");
        assertRevert(() -> f.ack(stranger, p1, "d1"), "AccountNotExists", stranger, p1);
        assertRevert(() -> f.ack(owner, p2, "d1"), "AccountNotExists", owner, p2);
        // The provider cannot acknowledge on the user's behalf: msg.sender is the user.
        assertRevert(() -> ft(p1).acknowledgeDeliverable(owner.getAddress(), "d2").send(), "AccountNotExists",
                p1, owner);

        f.ownerAck(p1);
        f.settle(p1, f.acked("d1", 1, big(10), owner));
        assertRevert(() -> f.ack(owner, p1, "d1"), "CannotAcknowledgeSettledDeliverable", "d1");
    }

    // ================================================================== abandonDeliverable

    @Test
    void abandonDeliverable_unblocksTheSerialRuleWithoutFeeOrNonce() throws Exception {
        f.ownerAck(p1);
        f.addAcked(p1, owner, "d0");
        f.settle(p1, f.acked("d0", 4, big(10), owner));
        f.addDeliverable(p1, owner, "d1");
        assertRevert(() -> f.addDeliverable(p1, owner, "d2"), "PreviousDeliverableNotAcknowledged", "d1");

        AccountDetails before = f.account(owner, p1);
        BigInteger contractEth = f.eth(f.ftAddress);
        BigInteger providerEth = f.eth(p1.getAddress());
        LedgerManager.Ledger ledgerBefore = f.ledgerOf(owner);

        TransactionReceipt r = abandon(p1, owner, "d1");
        var events = FineTuningServing.getDeliverableAbandonedEvents(r);
        assertThat(events).hasSize(1);
        assertThat(events.get(0).user).isEqualToIgnoringCase(owner.getAddress());
        assertThat(events.get(0).provider).isEqualToIgnoringCase(p1.getAddress());
        assertThat(events.get(0).deliverableId).isEqualTo("d1");
        assertThat(events.get(0).timestamp).isEqualTo(big(f.blockTime(r)));
        assertThat(r.getLogs()).hasSize(1);
        assertThat(FineTuningServing.getFeesSettledEvents(r)).isEmpty();
        assertThat(FineTuningServing.getBalanceUpdatedEvents(r)).isEmpty();
        assertThat(LedgerManager.getFundSpentEvents(r)).isEmpty();

        Deliverable d1 = deliverable(owner, p1, "d1");
        assertThat(d1.acknowledged).isTrue();
        assertThat(d1.settled).isTrue();
        assertThat(d1.encryptedSecret).isEmpty();
        AccountDetails after = f.account(owner, p1);
        assertThat(after.nonce).isEqualTo(before.nonce).isEqualTo(big(4));
        assertThat(after.balance).isEqualTo(before.balance);
        assertThat(f.eth(f.ftAddress)).isEqualTo(contractEth);
        assertThat(f.eth(p1.getAddress())).isEqualTo(providerEth.subtract(gasCost(r)));
        assertThat(f.ledgerOf(owner).totalBalance).isEqualTo(ledgerBefore.totalBalance);

        f.addDeliverable(p1, owner, "d2");
        assertThat(f.account(owner, p1).deliverables).extracting(d -> d.id).containsExactly("d0", "d1", "d2");
        // Abandoned counts as settled for settlement and acknowledgement.
        assertRevert(() -> f.settle(p1, f.acked("d1", 5, big(10), owner)), "DeliverableAlreadySettled", "d1");
        assertRevert(() -> f.ack(owner, p1, "d1"), "CannotAcknowledgeSettledDeliverable", "d1");
    }

    @Test
    void abandonDeliverable_rejectsSettledUnknownAndForeignDeliverables() throws Exception {
        f.ownerAck(p1);
        f.addAcked(p1, owner, "d1");
        f.settle(p1, f.acked("d1", 1, big(10), owner));
        assertRevert(() -> abandon(p1, owner, "d1"), "CannotAbandonSettledDeliverable", "d1");

        f.addDeliverable(p1, owner, "d2");
        abandon(p1, owner, "d2");
        assertRevert(() -> abandon(p1, owner, "d2"), "CannotAbandonSettledDeliverable", "d2");

        assertRevert(() -> abandon(p1, owner, "nope"), "DeliverableNotExists", "nope");
        assertRevert(() -> abandon(p2, owner, "d2"), "AccountNotExists", owner, p2);
        // The user cannot abandon: msg.sender is the provider.
        assertRevert(() -> ft(owner).abandonDeliverable(owner.getAddress(), "d2").send(), "AccountNotExists",
                owner, owner);
    }

    // ================================================================== §7.5 permanent block

    @Test
    void penaltySettlement_blocksThePairUntilTheAccountIsDeleted() throws Exception {
        f.ownerAck(p1);
        f.addDeliverable(p1, owner, "d1");
        f.settle(p1, f.penalty("d1", 1, big(10), owner));

        assertRevert(() -> f.ack(owner, p1, "d1"), "CannotAcknowledgeSettledDeliverable", "d1");
        assertRevert(() -> abandon(p1, owner, "d1"), "CannotAbandonSettledDeliverable", "d1");
        assertRevert(() -> f.addDeliverable(p1, owner, "d2"), "PreviousDeliverableNotAcknowledged", "d1");

        // Neither time nor a top-up (which re-acknowledges the account) helps.
        f.d.chain().increaseTime(8 * 24 * 3600);
        f.ledger(owner).transferFund(p1.getAddress(), SERVICE, Units.og(1)).send();
        assertRevert(() -> f.addDeliverable(p1, owner, "d2"), "PreviousDeliverableNotAcknowledged", "d1");
        assertRevert(() -> f.ack(owner, p1, "d1"), "CannotAcknowledgeSettledDeliverable", "d1");

        // Other pairs are unaffected.
        f.addDeliverable(p1, user1, "d2");

        // The only way out: the account is deleted (full ledger withdrawal) and funded again.
        f.fullExit(owner, p1);
        assertThat(ft(owner).accountExists(owner.getAddress(), p1.getAddress()).send()).isFalse();
        f.ledger(owner).addLedger("", Units.og(3)).send();
        f.ledger(owner).transferFund(p1.getAddress(), SERVICE, Units.og(1)).send();
        f.addDeliverable(p1, owner, "d2");
        AccountDetails a = f.account(owner, p1);
        assertThat(a.nonce).isEqualTo(big(1));
        assertThat(a.deliverables).extracting(d -> d.id).containsExactly("d2");
    }

    // ================================================================== the 20-slot ring

    @Test
    void fullRing_cannotEvictAnUnsettledOldest_evenIfAcknowledged() throws Exception {
        fillRing(owner, p1);
        assertRevert(() -> f.addDeliverable(p1, owner, "d20"), "CannotEvictUnsettledDeliverable", "d0");

        f.ownerAck(p1);
        f.settle(p1, f.acked("d0", 1, big(10), owner));
        f.addAcked(p1, owner, "d20");
        assertRevert(() -> f.addDeliverable(p1, owner, "d21"), "CannotEvictUnsettledDeliverable", "d1");

        // Settling a younger entry does not help; only the oldest counts.
        f.settle(p1, f.acked("d5", 2, big(10), owner));
        assertRevert(() -> f.addDeliverable(p1, owner, "d21"), "CannotEvictUnsettledDeliverable", "d1");

        // An abandoned oldest is settled, so it can be evicted.
        abandon(p1, owner, "d1");
        TransactionReceipt r = f.addDeliverable(p1, owner, "d21");
        var evicted = FineTuningServing.getDeliverableEvictedEvents(r);
        assertThat(evicted).hasSize(1);
        assertThat(evicted.get(0).provider).isEqualToIgnoringCase(p1.getAddress());
        assertThat(evicted.get(0).user).isEqualToIgnoringCase(owner.getAddress());
        assertThat(evicted.get(0).evictedDeliverableId).isEqualTo("d1");
        assertThat(evicted.get(0).newDeliverableId).isEqualTo("d21");

        AccountDetails a = f.account(owner, p1);
        assertThat(a.deliverablesHead).isEqualTo(big(2));
        assertThat(a.deliverablesCount).isEqualTo(big(20));
        assertThat(a.deliverables).extracting(d -> d.id).containsExactlyElementsOf(ids(2, 22));
    }

    @Test
    void fullRing_serialRuleLooksAtTheWrappedLatestBeforeEviction() throws Exception {
        fillRing(owner, p1);
        abandon(p1, owner, "d0");
        f.addDeliverable(p1, owner, "d20"); // head = 1, latest at slot 0
        assertThat(f.account(owner, p1).deliverablesHead).isEqualTo(big(1));

        // Both the serial rule (d20 unacknowledged) and eviction (d1 unsettled) would fail: serial first.
        assertRevert(() -> f.addDeliverable(p1, owner, "d21"), "PreviousDeliverableNotAcknowledged", "d20");
        f.ack(owner, p1, "d20");
        assertRevert(() -> f.addDeliverable(p1, owner, "d21"), "CannotEvictUnsettledDeliverable", "d1");
        abandon(p1, owner, "d1");
        f.addDeliverable(p1, owner, "d21");
        assertRevert(() -> f.addDeliverable(p1, owner, "d22"), "PreviousDeliverableNotAcknowledged", "d21");

        // An evicted id is free again.
        f.ack(owner, p1, "d21");
        abandon(p1, owner, "d2");
        f.addDeliverable(p1, owner, "d0");
        @SuppressWarnings("unchecked")
        List<Deliverable> list = ft(owner).getDeliverables(owner.getAddress(), p1.getAddress()).send();
        List<String> expected = new ArrayList<>(ids(3, 22));
        expected.add("d0");
        assertThat(list).extracting(d -> d.id).containsExactlyElementsOf(expected);
        assertThat(deliverable(owner, p1, "d0").settled).isFalse();
        assertThat(deliverable(owner, p1, "d0").acknowledged).isFalse();
    }

    // ================================================================== addDeliverable arguments

    @Test
    void addDeliverable_idLengthMustBe1To256Bytes() throws Exception {
        assertRevert(() -> f.addDeliverable(p1, owner, ""), "DeliverableIdInvalidLength", 0);
        assertRevert(() -> f.addDeliverable(p1, owner, "a".repeat(257)), "DeliverableIdInvalidLength", 257);
        // Length is in UTF-8 bytes: 129 × "é" = 258 bytes.
        assertRevert(() -> f.addDeliverable(p1, owner, "é".repeat(129)), "DeliverableIdInvalidLength", 258);
        // Checked before the account.
        assertRevert(() -> f.addDeliverable(stranger, owner, ""), "DeliverableIdInvalidLength", 0);
        assertRevert(() -> f.addDeliverable(stranger, owner, "x"), "AccountNotExists", owner, stranger);

        String max = "a".repeat(256);
        f.addAcked(p1, owner, max);
        f.addDeliverable(p1, owner, "é".repeat(128));
        assertThat(deliverable(owner, p1, max).id).isEqualTo(max);
        assertThat(deliverable(owner, p1, "é".repeat(128)).id).isEqualTo("é".repeat(128));
    }

    @Test
    void addDeliverable_needsTheAccountButNoRegisteredService() throws Exception {
        assertRevert(() -> f.addDeliverable(p3, owner, "d1"), "AccountNotExists", owner, p3);
        f.ledger(owner).transferFund(p3.getAddress(), SERVICE, Units.og(1)).send();
        assertRevert(() -> ft(owner).getService(p3.getAddress()).send(), "ServiceNotExist", p3);

        TransactionReceipt r = f.addDeliverable(p3, owner, "d1");
        var added = FineTuningServing.getDeliverableAddedEvents(r);
        assertThat(added).hasSize(1);
        assertThat(added.get(0).provider).isEqualToIgnoringCase(p3.getAddress());
        Deliverable d = deliverable(owner, p3, "d1");
        assertThat(d.modelRootHash).isEqualTo(ROOT);
        assertThat(d.encryptedSecret).isEmpty();
        assertThat(d.acknowledged).isFalse();
        assertThat(d.settled).isFalse();
        assertThat(d.timestamp).isEqualTo(big(f.blockTime(r)));
    }

    @Test
    void addDeliverable_rejectsALiveDuplicateId() throws Exception {
        f.addDeliverable(p1, owner, "d1");
        // The duplicate check comes before the serial rule.
        assertRevert(() -> f.addDeliverable(p1, owner, "d1"), "DeliverableAlreadyExists", "d1");
        f.ack(owner, p1, "d1");
        assertRevert(() -> f.addDeliverable(p1, owner, "d1"), "DeliverableAlreadyExists", "d1");
        abandon(p1, owner, "d1");
        assertRevert(() -> f.addDeliverable(p1, owner, "d1"), "DeliverableAlreadyExists", "d1");

        // Ids are per account.
        f.addDeliverable(p1, user1, "d1");
        assertThat(deliverable(user1, p1, "d1").id).isEqualTo("d1");
    }

    @Test
    void views_rejectMissingAccountsServicesAndDeliverables() throws Exception {
        FineTuningServing ft = ft(owner);
        assertRevert(() -> ft.getAccount(stranger.getAddress(), p1.getAddress()).send(), "AccountNotExists",
                stranger, p1);
        assertRevert(() -> ft.getPendingRefund(stranger.getAddress(), p1.getAddress()).send(), "AccountNotExists",
                stranger, p1);
        assertRevert(() -> ft.getDeliverables(stranger.getAddress(), p1.getAddress()).send(), "AccountNotExists",
                stranger, p1);
        assertRevert(() -> ft.getDeliverable(stranger.getAddress(), p1.getAddress(), "d1").send(),
                "AccountNotExists", stranger, p1);
        assertRevert(() -> ft.getDeliverable(owner.getAddress(), p1.getAddress(), "d1").send(),
                "DeliverableNotExists", "d1");
        assertRevert(() -> ft.getService(p3.getAddress()).send(), "ServiceNotExist", p3);
        assertThat(ft.accountExists(stranger.getAddress(), p1.getAddress()).send()).isFalse();
        assertThat(ft.accountExists(owner.getAddress(), p1.getAddress()).send()).isTrue();
        assertThat(ft.getPendingRefund(owner.getAddress(), p1.getAddress()).send()).isZero();
        @SuppressWarnings("unchecked")
        List<Deliverable> none = ft.getDeliverables(owner.getAddress(), p1.getAddress()).send();
        assertThat(none).isEmpty();
    }

    // ================================================================== settleFees, §7.3 check order

    /** An input that would fail every later check: wrong nonce, fee above the balance, unknown id. */
    private VerifierInput hopeless(Credentials user) {
        return withSignature("nope", EMPTY, OTHER_ROOT, 0, Units.og(1_000), user, new byte[65]);
    }

    @Test
    void settleFees_check1_accountMustExist() {
        assertRevert(() -> f.settle(p1, hopeless(stranger)), "AccountNotExists", stranger, p1);
        // Before the service check: p3 has no service either.
        assertRevert(() -> f.settle(p3, hopeless(owner)), "AccountNotExists", owner, p3);
    }

    @Test
    void settleFees_check2_serviceMustExist() throws Exception {
        f.ledger(owner).transferFund(p3.getAddress(), SERVICE, Units.og(1)).send();
        f.addAcked(p3, owner, "d1");
        assertRevert(() -> f.settle(p3, hopeless(owner)), "ServiceNotExist", p3);
        assertRevert(() -> f.settle(p3, f.acked("d1", 1, big(10), owner)), "ServiceNotExist", p3);

        // A removed service leaves its sub-accounts, which then cannot be settled.
        f.ownerAck(p1);
        f.addAcked(p1, owner, "d1");
        ft(p1).removeService().send();
        assertRevert(() -> f.settle(p1, f.acked("d1", 1, big(10), owner)), "ServiceNotExist", p1);
        assertThat(f.balance(owner, p1)).isEqualTo(Units.og(1));
    }

    @Test
    void settleFees_check3_teeSignerMustBeAcknowledged() throws Exception {
        f.addAcked(p1, owner, "d1");
        VerifierInput good = f.acked("d1", 1, big(10), owner);
        // New service: not acknowledged by the owner; the check comes before the nonce.
        assertInvalidInput(() -> f.settle(p1, hopeless(owner)), "TEE signer not acknowledged");
        assertInvalidInput(() -> f.settle(p1, good), "TEE signer not acknowledged");

        f.ownerAck(p1);
        TransactionReceipt revoked = ft(owner).revokeTEESignerAcknowledgement(p1.getAddress()).send();
        var events = FineTuningServing.getProviderTEESignerAcknowledgedEvents(revoked);
        assertThat(events).hasSize(1);
        assertThat(events.get(0).provider).isEqualToIgnoringCase(p1.getAddress());
        assertThat(events.get(0).teeSignerAddress).isEqualToIgnoringCase(f.teeAddress);
        assertThat(events.get(0).acknowledged).isFalse();
        assertInvalidInput(() -> f.settle(p1, good), "TEE signer not acknowledged");

        f.ownerAck(p1);
        f.settle(p1, good);

        // A zero TEE signer fails even when the owner acknowledged it.
        f.ledger(owner).transferFund(p2.getAddress(), SERVICE, Units.og(1)).send();
        f.addAcked(p2, owner, "d1");
        ft(p2).addOrUpdateService(FineTuningFixture.URL, FineTuningFixture.quota(), big(100), false, List.of(),
                "0x0000000000000000000000000000000000000000", BigInteger.ZERO).send();
        f.ownerAck(p2);
        assertThat(ft(owner).getService(p2.getAddress()).send().teeSignerAcknowledged).isTrue();
        assertInvalidInput(() -> f.settle(p2, f.acked("d1", 1, big(10), owner)), "TEE signer not acknowledged");
    }

    @Test
    void settleFees_check3_userLevelAcknowledgement() throws Exception {
        f.ownerAck(p1);
        assertRevert(() -> ft(owner).acknowledgeTEESigner(p1.getAddress(), false).send(),
                "CannotRevokeWithNonZeroBalance", owner, p1, Units.og(1));
        assertRevert(() -> ft(stranger).acknowledgeTEESigner(p1.getAddress(), true).send(), "AccountNotExists",
                stranger, p1);

        // Spend the whole balance, then the user may revoke.
        f.addAcked(p1, owner, "d1");
        f.settle(p1, f.acked("d1", 1, Units.og(1), owner));
        assertThat(f.balance(owner, p1)).isZero();
        ft(owner).acknowledgeTEESigner(p1.getAddress(), false).send();
        assertThat(f.account(owner, p1).acknowledged).isFalse();

        f.addAcked(p1, owner, "d2");
        VerifierInput zeroFee = f.acked("d2", 2, BigInteger.ZERO, owner);
        assertInvalidInput(() -> f.settle(p1, zeroFee), "TEE signer not acknowledged");

        // Any transferFund (even of 0) re-acknowledges the sub-account.
        f.ledger(owner).transferFund(p1.getAddress(), SERVICE, BigInteger.ZERO).send();
        assertThat(f.account(owner, p1).acknowledged).isTrue();
        f.settle(p1, zeroFee);
        assertThat(f.account(owner, p1).nonce).isEqualTo(big(2));
    }

    @Test
    void settleFees_check4_nonceMustIncrease() throws Exception {
        f.ownerAck(p1);
        f.addAcked(p1, owner, "d1");
        assertInvalidInput(() -> f.settle(p1, hopeless(owner)), "nonce should larger than the current nonce");
        assertInvalidInput(() -> f.settle(p1, f.acked("d1", 0, big(10), owner)),
                "nonce should larger than the current nonce");

        // Nonces need not be contiguous.
        f.settle(p1, f.acked("d1", 5, big(10), owner));
        f.addAcked(p1, owner, "d2");
        assertInvalidInput(() -> f.settle(p1, f.acked("d2", 5, big(10), owner)),
                "nonce should larger than the current nonce");
        assertInvalidInput(() -> f.settle(p1, f.acked("d2", 3, big(10), owner)),
                "nonce should larger than the current nonce");
        f.settle(p1, f.acked("d2", 6, big(10), owner));
        assertThat(f.account(owner, p1).nonce).isEqualTo(big(6));
    }

    @Test
    void settleFees_check5_balanceIsComparedWithTheFullTaskFeeEvenForAPenalty() throws Exception {
        f.ownerAck(p1);
        f.addDeliverable(p1, owner, "d1");
        BigInteger balance = f.balance(owner, p1);
        // 30 % of balance + 1 would fit, but the full fee is compared.
        assertInvalidInput(() -> f.settle(p1, f.penalty("d1", 1, balance.add(BigInteger.ONE), owner)),
                "insufficient balance");
        // Before the deliverable lookup.
        VerifierInput unknown = withSignature("nope", EMPTY, OTHER_ROOT, 1, balance.add(BigInteger.ONE), owner,
                new byte[65]);
        assertInvalidInput(() -> f.settle(p1, unknown), "insufficient balance");
        assertThat(f.account(owner, p1).nonce).isZero();

        // taskFee == balance is fine; 30 % of it is charged.
        TransactionReceipt r = f.settle(p1, f.penalty("d1", 1, balance, owner));
        BigInteger fee = balance.multiply(big(30)).divide(big(100));
        assertThat(FineTuningServing.getFeesSettledEvents(r).get(0).fee).isEqualTo(fee);
        assertThat(f.balance(owner, p1)).isEqualTo(balance.subtract(fee));
    }

    @Test
    void settleFees_check6_deliverableMustExist() throws Exception {
        f.ownerAck(p1);
        f.addAcked(p1, owner, "d1");
        VerifierInput in = withSignature("nope", EMPTY, OTHER_ROOT, 1, big(10), owner, new byte[65]);
        assertRevert(() -> f.settle(p1, in), "DeliverableNotExists", "nope");
        assertRevert(() -> f.settle(p1, f.acked("nope", 1, big(10), owner)), "DeliverableNotExists", "nope");
    }

    @Test
    void settleFees_check7_deliverableMustNotBeSettled() throws Exception {
        f.ownerAck(p1);
        f.addDeliverable(p1, owner, "d1");
        abandon(p1, owner, "d1");
        VerifierInput in = withSignature("d1", SECRET, OTHER_ROOT, 1, big(10), owner, new byte[65]);
        assertRevert(() -> f.settle(p1, in), "DeliverableAlreadySettled", "d1");
        assertRevert(() -> f.settle(p1, f.penalty("d1", 1, big(10), owner)), "DeliverableAlreadySettled", "d1");
        assertThat(f.account(owner, p1).nonce).isZero();
    }

    @Test
    void settleFees_check8_modelRootHashMustMatch() throws Exception {
        f.ownerAck(p1);
        f.addAcked(p1, owner, "d1");
        VerifierInput badSig = withSignature("d1", SECRET, OTHER_ROOT, 1, big(10), owner, new byte[65]);
        assertInvalidInput(() -> f.settle(p1, badSig), "model root hash mismatch");
        // Even when correctly signed over the wrong root.
        assertInvalidInput(() -> f.settle(p1, f.input("d1", SECRET, OTHER_ROOT, 1, big(10), owner)),
                "model root hash mismatch");
    }

    @Test
    void settleFees_check9_signatureMustBeTheTeeSignersOverExactlyTheseFields() throws Exception {
        f.ownerAck(p1);
        f.addAcked(p1, owner, "d1");
        String user = owner.getAddress();
        Eip712Domain dom = f.domain();
        BigInteger fee = big(10);
        byte[] good = f.sign(TEE, dom, "d1", SECRET, ROOT, 1, fee, user);

        List<byte[]> wrong = List.of(
                f.sign(OTHER_KEY, dom, "d1", SECRET, ROOT, 1, fee, user),
                f.sign(p1.getEcKeyPair(), dom, "d1", SECRET, ROOT, 1, fee, user),
                f.sign(TEE, dom, "d1", SECRET, ROOT, 1, fee.add(BigInteger.ONE), user),
                f.sign(TEE, dom, "d1", SECRET, ROOT, 2, fee, user),
                f.sign(TEE, dom, "d2", SECRET, ROOT, 1, fee, user),
                f.sign(TEE, dom, "d1", Numeric.hexStringToByteArray("0x01"), ROOT, 1, fee, user),
                f.sign(TEE, dom, "d1", SECRET, ROOT, 1, fee, user1.getAddress()),
                f.sign(TEE, Eip712Domain.inference(f.chainId, f.ftAddress), "d1", SECRET, ROOT, 1, fee, user),
                f.sign(TEE, Eip712Domain.fineTuning(16661, f.ftAddress), "d1", SECRET, ROOT, 1, fee, user),
                f.sign(TEE, Eip712Domain.fineTuning(f.chainId, f.d.contracts().inference().proxy()), "d1", SECRET,
                        ROOT, 1, fee, user),
                new byte[65],
                Arrays.copyOf(good, 64));
        for (byte[] sig : wrong) {
            VerifierInput in = withSignature("d1", SECRET, ROOT, 1, fee, owner, sig);
            assertInvalidInput(() -> f.settle(p1, in), "TEE settlement validation failed");
        }
        // The signature is checked before the secret rule.
        VerifierInput emptySecretBadSig = withSignature("d1", EMPTY, ROOT, 1, fee, owner, new byte[65]);
        assertInvalidInput(() -> f.settle(p1, emptySecretBadSig), "TEE settlement validation failed");

        // A high-s twin of the valid signature is rejected as malleable.
        BigInteger n = new BigInteger("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16);
        byte[] highS = good.clone();
        byte[] s = Numeric.toBytesPadded(n.subtract(new BigInteger(1, Arrays.copyOfRange(good, 32, 64))), 32);
        System.arraycopy(s, 0, highS, 32, 32);
        highS[64] = (byte) (good[64] == 27 ? 28 : 27);
        VerifierInput malleable = withSignature("d1", SECRET, ROOT, 1, fee, owner, highS);
        assertInvalidInput(() -> f.settle(p1, malleable), "TEE settlement validation failed");

        // None of the failures consumed anything.
        AccountDetails a = f.account(owner, p1);
        assertThat(a.nonce).isZero();
        assertThat(a.balance).isEqualTo(Units.og(1));
        f.settle(p1, withSignature("d1", SECRET, ROOT, 1, fee, owner, good));
        assertThat(f.balance(owner, p1)).isEqualTo(Units.og(1).subtract(fee));
    }

    @Test
    void settleFees_check10_secretMustMatchTheAcknowledgement() throws Exception {
        f.ownerAck(p1);
        f.addAcked(p1, owner, "acked");
        f.addDeliverable(p1, user1, "unacked");
        assertRevert(() -> f.settle(p1, f.penalty("acked", 1, big(10), owner)), "SecretShouldNotBeEmpty");
        assertRevert(() -> f.settle(p1, f.acked("unacked", 1, big(10), user1)), "SecretShouldBeEmpty");
        assertThat(f.account(owner, p1).nonce).isZero();
        assertThat(f.account(user1, p1).nonce).isZero();

        f.settle(p1, f.acked("acked", 1, big(10), owner));
        f.settle(p1, f.penalty("unacked", 1, big(10), user1));
        assertThat(deliverable(owner, p1, "acked").encryptedSecret).isEqualTo(SECRET);
        assertThat(deliverable(user1, p1, "unacked").encryptedSecret).isEmpty();
    }

    @Test
    void settleFees_zeroFeeFloorRoundingAndCurrentPenaltyPercentage() throws Exception {
        f.ownerAck(p1);
        f.ownerAck(p2);
        // Fee 0 is allowed: nonce consumed, spendFund(0) still called, balance unchanged.
        f.addAcked(p1, owner, "d1");
        TransactionReceipt zero = f.settle(p1, f.acked("d1", 1, BigInteger.ZERO, owner));
        assertThat(FineTuningServing.getFeesSettledEvents(zero).get(0).fee).isZero();
        var spent = LedgerManager.getFundSpentEvents(zero);
        assertThat(spent).hasSize(1);
        assertThat(spent.get(0).amount).isZero();
        var bu = FineTuningServing.getBalanceUpdatedEvents(zero);
        assertThat(bu).hasSize(1);
        assertThat(bu.get(0).amount).isEqualTo(Units.og(1));
        assertThat(f.account(owner, p1).nonce).isEqualTo(big(1));

        // Penalty is floor(taskFee * penalty / 100): 7 * 30 / 100 = 2.
        f.addDeliverable(p1, user1, "d1");
        TransactionReceipt floor = f.settle(p1, f.penalty("d1", 1, big(7), user1));
        assertThat(FineTuningServing.getFeesSettledEvents(floor).get(0).fee).isEqualTo(big(2));
        assertThat(f.balance(user1, p1)).isEqualTo(Units.og(2).subtract(big(2)));

        // The percentage in force at settlement time applies.
        ft(owner).updatePenaltyPercentage(big(100)).send();
        f.addDeliverable(p1, owner, "d2");
        TransactionReceipt all = f.settle(p1, f.penalty("d2", 2, big(10), owner));
        assertThat(FineTuningServing.getFeesSettledEvents(all).get(0).fee).isEqualTo(big(10));

        ft(owner).updatePenaltyPercentage(BigInteger.ZERO).send();
        f.ledger(owner).transferFund(p2.getAddress(), SERVICE, Units.og(1)).send();
        f.addDeliverable(p2, owner, "d1");
        TransactionReceipt none = f.settle(p2, f.penalty("d1", 1, big(10), owner));
        assertThat(FineTuningServing.getFeesSettledEvents(none).get(0).fee).isZero();
        assertThat(f.balance(owner, p2)).isEqualTo(Units.og(1));
    }

    // ================================================================== settlement debit, §5.2

    @Test
    void settlementDebit_takesTheFreePoolFirstThenRefundsNewestFirst() throws Exception {
        LedgerManager ledger = f.ledger(u5);
        List<String> ps = List.of(p1.getAddress());
        ledger.addLedger("", Units.og(10)).send();
        ledger.transferFund(p1.getAddress(), SERVICE, Units.og(6)).send();
        ledger.retrieveFund(ps, SERVICE).send(); // refunds [6]
        ledger.transferFund(p1.getAddress(), SERVICE, Units.og(3)).send(); // cancels 3 → [3], free 3
        ledger.retrieveFund(ps, SERVICE).send(); // [3, 3]
        ledger.transferFund(p1.getAddress(), SERVICE, Units.og(1)).send(); // cancels 1 LIFO → [3, 2], free 1

        AccountDetails a = f.account(u5, p1);
        assertThat(a.balance).isEqualTo(Units.og(6));
        assertThat(a.pendingRefund).isEqualTo(Units.og(5));
        assertThat(a.validRefundsLength).isEqualTo(big(2));
        assertThat(a.refunds.subList(0, 2)).extracting(r -> r.amount).containsExactly(Units.og(3), Units.og(2));
        assertThat(f.ledgerOf(u5).availableBalance).isEqualTo(Units.og(4));
        assertThat(f.ledgerOf(u5).totalBalance).isEqualTo(Units.og(10));

        f.ownerAck(p1);
        // 0.5 fits in the free pool (1): refunds untouched.
        f.addAcked(p1, u5, "d1");
        TransactionReceipt r1 = f.settle(p1, f.acked("d1", 1, Units.parseOg("0.5"), u5));
        var e1 = FineTuningServing.getBalanceUpdatedEvents(r1).get(0);
        assertThat(e1.amount).isEqualTo(Units.parseOg("5.5"));
        assertThat(e1.pendingRefund).isEqualTo(Units.og(5));
        a = f.account(u5, p1);
        assertThat(a.validRefundsLength).isEqualTo(big(2));
        assertThat(a.refunds.subList(0, 2)).extracting(r -> r.amount).containsExactly(Units.og(3), Units.og(2));

        // 3.5 = free 0.5 + 3 from refunds: the newest (2) goes entirely, the older is cut from 3 to 2.
        f.addAcked(p1, u5, "d2");
        TransactionReceipt r2 = f.settle(p1, f.acked("d2", 2, Units.parseOg("3.5"), u5));
        var e2 = FineTuningServing.getBalanceUpdatedEvents(r2).get(0);
        assertThat(e2.amount).isEqualTo(Units.og(2));
        assertThat(e2.pendingRefund).isEqualTo(Units.og(2));
        a = f.account(u5, p1);
        assertThat(a.balance).isEqualTo(Units.og(2));
        assertThat(a.pendingRefund).isEqualTo(Units.og(2));
        assertThat(a.validRefundsLength).isEqualTo(big(1));
        assertThat(a.refunds.get(0).amount).isEqualTo(Units.og(2));
        assertThat(f.ledgerOf(u5).totalBalance).isEqualTo(Units.og(6));
        assertThat(f.ledgerOf(u5).availableBalance).isEqualTo(Units.og(4));

        // The surviving refund matures normally.
        f.d.chain().increaseTime(LOCK_TIME.longValueExact());
        ledger.retrieveFund(ps, SERVICE).send();
        a = f.account(u5, p1);
        assertThat(a.balance).isZero();
        assertThat(a.pendingRefund).isZero();
        assertThat(f.ledgerOf(u5).availableBalance).isEqualTo(Units.og(6));
    }

    @Test
    void retrieveFund_sixthActiveRefundIsTooManyRefunds() throws Exception {
        LedgerManager ledger = f.ledger(u5);
        List<String> ps = List.of(p1.getAddress());
        ledger.addLedger("", Units.og(10)).send();
        ledger.transferFund(p1.getAddress(), SERVICE, Units.og(8)).send();
        TransactionReceipt first = ledger.retrieveFund(ps, SERVICE).send();
        assertRefundRequested(first, 0);
        // Nothing free: no new refund, but RefundRequested still fires for the last one.
        TransactionReceipt again = ledger.retrieveFund(ps, SERVICE).send();
        assertRefundRequested(again, 0);
        assertThat(f.account(u5, p1).validRefundsLength).isEqualTo(big(1));

        // Each partial cancel frees part of the newest refund; the next retrieve turns it into a new refund.
        String[] cancels = {"4", "2", "1", "0.5"};
        for (int i = 0; i < cancels.length; i++) {
            ledger.transferFund(p1.getAddress(), SERVICE, Units.parseOg(cancels[i])).send();
            assertRefundRequested(ledger.retrieveFund(ps, SERVICE).send(), i + 1);
        }
        AccountDetails a = f.account(u5, p1);
        assertThat(a.validRefundsLength).isEqualTo(big(5));
        assertThat(a.pendingRefund).isEqualTo(Units.og(8));
        assertThat(a.refunds.subList(0, 5)).extracting(r -> r.amount).containsExactly(Units.og(4), Units.og(2),
                Units.og(1), Units.parseOg("0.5"), Units.parseOg("0.5"));

        ledger.transferFund(p1.getAddress(), SERVICE, Units.parseOg("0.25")).send();
        assertRevert(() -> ledger.retrieveFund(ps, SERVICE).send(), "TooManyRefunds", u5, p1);
        assertThat(f.account(u5, p1).validRefundsLength).isEqualTo(big(5));
    }

    private void assertRefundRequested(TransactionReceipt r, int index) {
        var events = FineTuningServing.getRefundRequestedEvents(r);
        assertThat(events).hasSize(1);
        assertThat(events.get(0).user).isEqualToIgnoringCase(u5.getAddress());
        assertThat(events.get(0).provider).isEqualToIgnoringCase(p1.getAddress());
        assertThat(events.get(0).index).isEqualTo(big(index));
        assertThat(events.get(0).timestamp).isEqualTo(big(f.blockTime(r)));
    }

    // ================================================================== account deletion

    @Test
    void deleteAccount_viaFullWithdrawal_clearsEveryDeliverableAndKeepsTheNonce() throws Exception {
        f.ownerAck(p1);
        fillRing(owner, p1);
        f.settle(p1, f.acked("d0", 1, big(10), owner));
        abandon(p1, owner, "d1");
        f.settle(p1, f.acked("d2", 7, big(10), owner));
        f.addAcked(p1, owner, "d20");
        f.addAcked(p1, owner, "d21"); // wrapped: head = 2, live ids d2..d21
        AccountDetails before = f.account(owner, p1);
        assertThat(before.deliverablesHead).isEqualTo(big(2));

        TransactionReceipt exit = f.fullExit(owner, p1);
        var deleted = FineTuningServing.getAccountDeletedEvents(exit);
        assertThat(deleted).hasSize(1);
        assertThat(deleted.get(0).user).isEqualToIgnoringCase(owner.getAddress());
        assertThat(deleted.get(0).provider).isEqualToIgnoringCase(p1.getAddress());
        assertThat(deleted.get(0).refundedAmount).isZero();
        FineTuningServing ft = ft(owner);
        assertThat(ft.accountExists(owner.getAddress(), p1.getAddress()).send()).isFalse();
        assertRevert(() -> ft.getAccount(owner.getAddress(), p1.getAddress()).send(), "AccountNotExists", owner,
                p1);
        assertRevert(() -> f.addDeliverable(p1, owner, "d22"), "AccountNotExists", owner, p1);
        assertThat(ft.getAccountsByUser(owner.getAddress(), big(0), big(0)).send().component2()).isZero();

        f.ledger(owner).addLedger("", Units.og(3)).send();
        f.ledger(owner).transferFund(p1.getAddress(), SERVICE, Units.og(1)).send();
        AccountDetails after = f.account(owner, p1);
        assertThat(after.nonce).isEqualTo(big(7));
        assertThat(after.balance).isEqualTo(Units.og(1));
        assertThat(after.pendingRefund).isZero();
        assertThat(after.validRefundsLength).isZero();
        assertThat(after.refunds).isEmpty();
        assertThat(after.deliverablesCount).isZero();
        assertThat(after.deliverablesHead).isZero();
        assertThat(after.deliverables).isEmpty();
        assertThat(after.acknowledged).isTrue();
        for (String id : ids(0, 22)) {
            assertRevert(() -> ft.getDeliverable(owner.getAddress(), p1.getAddress(), id).send(),
                    "DeliverableNotExists", id);
        }

        // Every old id (including the wrapped slots) is free again, and the old nonce stays burnt.
        f.addAcked(p1, owner, "d21");
        f.addAcked(p1, owner, "d2");
        assertThat(deliverable(owner, p1, "d2").settled).isFalse();
        assertInvalidInput(() -> f.settle(p1, f.acked("d2", 7, big(10), owner)),
                "nonce should larger than the current nonce");
        f.settle(p1, f.acked("d2", 8, big(10), owner));
    }

    // ================================================================== admin

    @Test
    void initialize_onlyOnce_onProxyAndImplementation() throws Exception {
        String ledgerAddr = f.d.contracts().ledger().proxy();
        FineTuningServing ft = ft(owner);
        assertThat(ft.initialized().send()).isTrue();
        assertRevert(() -> ft.initialize(LOCK_TIME, ledgerAddr, owner.getAddress(), big(30)).send(),
                "AlreadyInitialized");
        assertRevert(() -> ft(stranger).initialize(LOCK_TIME, ledgerAddr, stranger.getAddress(), big(30)).send(),
                "AlreadyInitialized");

        FineTuningServing impl = FineTuningServing.load(f.d.contracts().fineTuning().implementation(),
                f.d.chain().web3j(), f.d.chain().txManager(stranger), f.d.chain().gasProvider());
        assertRevert(() -> impl.initialize(LOCK_TIME, ledgerAddr, stranger.getAddress(), big(30)).send(),
                "AlreadyInitialized");
        assertThat(ft.owner().send()).isEqualToIgnoringCase(owner.getAddress());
        assertThat(ft.ledgerAddress().send()).isEqualToIgnoringCase(ledgerAddr);
    }

    @Test
    void updateLockTime_rangeAndEventOnlyOnChange() throws Exception {
        FineTuningServing ft = ft(owner);
        assertThat(ft.MIN_LOCKTIME().send()).isEqualTo(big(3_600));
        assertThat(ft.MAX_LOCKTIME().send()).isEqualTo(big(604_800));

        TransactionReceipt same = ft.updateLockTime(LOCK_TIME).send();
        assertThat(same.getLogs()).isEmpty();
        TransactionReceipt changed = ft.updateLockTime(big(7_200)).send();
        var events = FineTuningServing.getLockTimeUpdatedEvents(changed);
        assertThat(events).hasSize(1);
        assertThat(events.get(0).oldLockTime).isEqualTo(LOCK_TIME);
        assertThat(events.get(0).newLockTime).isEqualTo(big(7_200));
        assertThat(ft.updateLockTime(big(7_200)).send().getLogs()).isEmpty();

        assertRevert(() -> ft.updateLockTime(big(3_599)).send(), "LockTimeOutOfRange", 3_599);
        assertRevert(() -> ft.updateLockTime(big(604_801)).send(), "LockTimeOutOfRange", 604_801);
        assertRevert(() -> ft.updateLockTime(BigInteger.ZERO).send(), "LockTimeOutOfRange", 0);
        assertThat(ft.lockTime().send()).isEqualTo(big(7_200));
        var max = FineTuningServing.getLockTimeUpdatedEvents(ft.updateLockTime(big(604_800)).send());
        assertThat(max).hasSize(1);
        assertThat(max.get(0).oldLockTime).isEqualTo(big(7_200));
        assertThat(ft.lockTime().send()).isEqualTo(big(604_800));
    }

    @Test
    void updatePenaltyPercentage_atMost100_withoutEvent() throws Exception {
        FineTuningServing ft = ft(owner);
        assertRevert(() -> ft.updatePenaltyPercentage(big(101)).send(), "PenaltyPercentageTooHigh", 101);
        assertThat(ft.penaltyPercentage().send()).isEqualTo(big(30));
        assertThat(ft.updatePenaltyPercentage(big(100)).send().getLogs()).isEmpty();
        assertThat(ft.penaltyPercentage().send()).isEqualTo(big(100));
        assertThat(ft.updatePenaltyPercentage(BigInteger.ZERO).send().getLogs()).isEmpty();
        assertThat(ft.penaltyPercentage().send()).isZero();
    }

    @Test
    void ownerAcknowledgement_requiresOwnerAndService() throws Exception {
        FineTuningServing ft = ft(owner);
        assertRevert(() -> ft.acknowledgeTEESignerByOwner(p3.getAddress()).send(), "ServiceNotExist", p3);
        assertRevert(() -> ft.revokeTEESignerAcknowledgement(p3.getAddress()).send(), "ServiceNotExist", p3);
        assertNotOwner(() -> ft(p1).acknowledgeTEESignerByOwner(p1.getAddress()).send());
        assertNotOwner(() -> ft(p1).revokeTEESignerAcknowledgement(p1.getAddress()).send());
        assertThat(ft.getService(p1.getAddress()).send().teeSignerAcknowledged).isFalse();
    }

    // ================================================================== list view bounds

    @Test
    void listViews_limitAndBatchCaps() throws Exception {
        FineTuningServing ft = ft(owner);
        assertRevert(() -> ft.getAllAccounts(big(0), big(51)).send(), "LimitTooLarge", 51);
        assertRevert(() -> ft.getAccountsByProvider(p1.getAddress(), big(0), big(51)).send(), "LimitTooLarge", 51);
        assertRevert(() -> ft.getAccountsByUser(user1.getAddress(), big(0), big(51)).send(), "LimitTooLarge", 51);
        assertThat(ft.getAllAccounts(big(0), big(50)).send().component1()).hasSize(2);

        List<String> fifty = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            fifty.add(String.format("0x%040x", i + 1));
        }
        fifty.set(0, owner.getAddress());
        @SuppressWarnings("unchecked")
        List<FineTuningServing.AccountSummary> batch = ft(p1).getBatchAccountsByUsers(fifty).send();
        assertThat(batch).hasSize(50);
        assertThat(batch.get(0).balance).isEqualTo(Units.og(1));
        List<String> fiftyOne = new ArrayList<>(fifty);
        fiftyOne.add(user1.getAddress());
        assertRevert(() -> ft(p1).getBatchAccountsByUsers(fiftyOne).send(), "BatchSizeTooLarge", 51, 50);
    }

    @Test
    void ledgerOnlyFunctions_rejectOtherCallers() throws Exception {
        FineTuningServing ft = ft(owner);
        String u = owner.getAddress();
        String p = p1.getAddress();
        assertRevert(() -> ft.addAccount(stranger.getAddress(), p, "", Units.og(1)).send(), "CallerNotLedger");
        assertRevert(() -> ft.depositFund(u, p, BigInteger.ZERO, Units.og(1)).send(), "CallerNotLedger");
        assertRevert(() -> ft.requestRefundAll(u, p).send(), "CallerNotLedger");
        assertRevert(() -> ft.processRefund(u, p).send(), "CallerNotLedger");
        assertRevert(() -> ft.deleteAccount(u, p).send(), "CallerNotLedger");
        assertThat(f.account(owner, p1).balance).isEqualTo(Units.og(1));
    }

    // ================================================================== provider services and stake

    @Test
    void stake_firstRegistrationNeeds100_updatesMustNotPay() throws Exception {
        assertRevert(() -> ft(p1).addOrUpdateService(FineTuningFixture.URL, FineTuningFixture.quota(), big(100),
                false, List.of(), f.teeAddress, BigInteger.ONE).send(), "CannotAddStakeWhenUpdating");
        assertRevert(() -> ft(p1).addOrUpdateService(FineTuningFixture.URL, FineTuningFixture.quota(), big(100),
                false, List.of(), f.teeAddress, STAKE).send(), "CannotAddStakeWhenUpdating");

        BigInteger below = STAKE.subtract(BigInteger.ONE);
        assertRevert(() -> ft(p3).addOrUpdateService(FineTuningFixture.URL, FineTuningFixture.quota(), big(100),
                false, List.of(), f.teeAddress, below).send(), "InsufficientStake", below, STAKE);
        assertRevert(() -> ft(p3).addOrUpdateService(FineTuningFixture.URL, FineTuningFixture.quota(), big(100),
                false, List.of(), f.teeAddress, BigInteger.ZERO).send(), "InsufficientStake", BigInteger.ZERO, STAKE);
        assertThat(ft(owner).MIN_PROVIDER_STAKE().send()).isEqualTo(STAKE);

        // More than the minimum is kept whole and returned whole.
        BigInteger stake = Units.og(150);
        TransactionReceipt r = ft(p3).addOrUpdateService(FineTuningFixture.URL, FineTuningFixture.quota(),
                big(100), false, List.of(), f.teeAddress, stake).send();
        var staked = FineTuningServing.getProviderStakedEvents(r);
        assertThat(staked).hasSize(1);
        assertThat(staked.get(0).provider).isEqualToIgnoringCase(p3.getAddress());
        assertThat(staked.get(0).amount).isEqualTo(stake);
        TransactionReceipt removed = ft(p3).removeService().send();
        assertThat(FineTuningServing.getProviderStakeReturnedEvents(removed).get(0).amount).isEqualTo(stake);
    }

    @Test
    void removeService_returnsTheStakeAndKeepsSubAccounts() throws Exception {
        BigInteger providerEth = f.eth(p1.getAddress());
        BigInteger contractEth = f.eth(f.ftAddress);
        TransactionReceipt r = ft(p1).removeService().send();

        List<Log> logs = r.getLogs();
        assertThat(logs).hasSize(2);
        var returned = FineTuningServing.getProviderStakeReturnedEvents(r);
        assertThat(returned).hasSize(1);
        assertThat(returned.get(0).provider).isEqualToIgnoringCase(p1.getAddress());
        assertThat(returned.get(0).amount).isEqualTo(STAKE);
        assertThat(returned.get(0).log.getLogIndex()).isLessThan(
                FineTuningServing.getServiceRemovedEvents(r).get(0).log.getLogIndex());
        assertThat(f.eth(p1.getAddress())).isEqualTo(providerEth.add(STAKE).subtract(gasCost(r)));
        assertThat(f.eth(f.ftAddress)).isEqualTo(contractEth.subtract(STAKE));

        assertRevert(() -> ft(p1).removeService().send(), "ServiceNotExist", p1);
        assertThat(f.account(owner, p1).balance).isEqualTo(Units.og(1));

        // The stake is gone, so registering again needs a new one; the new service starts unacknowledged.
        assertRevert(() -> ft(p1).addOrUpdateService(FineTuningFixture.URL, FineTuningFixture.quota(), big(100),
                false, List.of(), f.teeAddress, BigInteger.ZERO).send(), "InsufficientStake", BigInteger.ZERO, STAKE);
        f.register(p1, f.teeAddress);
        assertThat(ft(owner).getService(p1.getAddress()).send().teeSignerAcknowledged).isFalse();
    }

    @Test
    void addOrUpdateService_resetsTheOwnerAckOnlyWhenTheTeeSignerChanges() throws Exception {
        f.ownerAck(p1);
        Quota other = new Quota(big(16), big(64), big(2), big(100_000), "A100");
        TransactionReceipt r = ft(p1).addOrUpdateService("https://elsewhere", other, big(999), true,
                List.of("m1"), f.teeAddress, BigInteger.ZERO).send();
        var updated = FineTuningServing.getServiceUpdatedEvents(r).get(0);
        assertThat(updated.quota.gpuType).isEqualTo("A100");
        assertThat(updated.quota.gpuCount).isEqualTo(big(2));
        var s = ft(owner).getService(p1.getAddress()).send();
        assertThat(s.teeSignerAcknowledged).isTrue();
        assertThat(s.url).isEqualTo("https://elsewhere");
        assertThat(s.quota.cpuCount).isEqualTo(big(16));
        assertThat(s.models).containsExactly("m1");

        String newSigner = Credentials.create(OTHER_KEY).getAddress();
        TransactionReceipt changed = ft(p1).addOrUpdateService("https://elsewhere", other, big(999), true,
                List.of("m1"), newSigner, BigInteger.ZERO).send();
        assertThat(FineTuningServing.getServiceUpdatedEvents(changed).get(0).teeSignerAddress)
                .isEqualToIgnoringCase(newSigner);
        assertThat(FineTuningServing.getProviderTEESignerAcknowledgedEvents(changed)).isEmpty();
        s = ft(owner).getService(p1.getAddress()).send();
        assertThat(s.teeSignerAcknowledged).isFalse();
        assertThat(s.teeSignerAddress).isEqualToIgnoringCase(newSigner);

        // Settlement now needs the new signer's acknowledgement, then its signature.
        f.addAcked(p1, owner, "d1");
        assertInvalidInput(() -> f.settle(p1, f.acked("d1", 1, big(10), owner)), "TEE signer not acknowledged");
        f.ownerAck(p1);
        assertInvalidInput(() -> f.settle(p1, f.acked("d1", 1, big(10), owner)),
                "TEE settlement validation failed");
        byte[] sig = f.sign(OTHER_KEY, f.domain(), "d1", SECRET, ROOT, 1, big(10), owner.getAddress());
        f.settle(p1, withSignature("d1", SECRET, ROOT, 1, big(10), owner, sig));

        // Re-submitting the same signer keeps the acknowledgement.
        ft(p1).addOrUpdateService("https://elsewhere", other, big(1), false, List.of(), newSigner, BigInteger.ZERO)
                .send();
        assertThat(ft(owner).getService(p1.getAddress()).send().teeSignerAcknowledged).isTrue();
    }

    // ================================================================== plain ETH and ERC-165

    @Test
    void plainEth_isRejected() throws Exception {
        BigInteger contractEth = f.eth(f.ftAddress);
        assertRevert(() -> f.d.chain().txManager(p1).execute(f.ftAddress, "0x", Units.og(1)),
                "DirectDepositsDisabled");
        assertRevert(() -> f.d.chain().txManager(owner).execute(f.ftAddress, "0x", BigInteger.ZERO),
                "DirectDepositsDisabled");
        assertThat(f.eth(f.ftAddress)).isEqualTo(contractEth);
    }

    @Test
    void supportsInterface_IServingAndErc165Only() throws Exception {
        FineTuningServing ft = ft(owner);
        assertThat(ft.supportsInterface(Numeric.hexStringToByteArray("0x160841b1")).send()).isTrue();
        assertThat(ft.supportsInterface(Numeric.hexStringToByteArray("0x01ffc9a7")).send()).isTrue();
        assertThat(ft.supportsInterface(Numeric.hexStringToByteArray("0xffffffff")).send()).isFalse();
        assertThat(ft.supportsInterface(Numeric.hexStringToByteArray("0x12345678")).send()).isFalse();
    }
}
