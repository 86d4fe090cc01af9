package zg.compute.devnet.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static zg.compute.devnet.contracts.InferenceFixture.INVALID_NONCE;
import static zg.compute.devnet.contracts.InferenceFixture.INVALID_SIGNATURE;
import static zg.compute.devnet.contracts.InferenceFixture.NO_TEE_SIGNER;
import static zg.compute.devnet.contracts.InferenceFixture.PARTIAL;
import static zg.compute.devnet.contracts.InferenceFixture.PROVIDER_MISMATCH;
import static zg.compute.devnet.contracts.InferenceFixture.SUCCESS;
import static zg.compute.devnet.contracts.InferenceFixture.statuses;
import static zg.compute.devnet.testing.Reverts.revertOf;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.devnet.testing.Reverts;
import zg.compute.protocol.contracts.DecodedRevert;
import zg.compute.protocol.contracts.bindings.InferenceServing;
import zg.compute.protocol.contracts.bindings.InferenceServing.Account;
import zg.compute.protocol.contracts.bindings.InferenceServing.Service;
import zg.compute.protocol.contracts.bindings.InferenceServing.ServiceParams;
import zg.compute.protocol.contracts.bindings.InferenceServing.TEESettlementData;
import zg.compute.protocol.contracts.bindings.LedgerManager;
import zg.compute.protocol.units.Units;

/**
 * contracts.md §10.2, scenarios I1–I29, against the real devnet ("inference-v1.0", lock time 3600 s).
 * Fixture: see {@link InferenceFixture}.
 */
@ExtendWith(DevnetExtension.class)
class InferenceScenariosTest {

    private static final BigInteger FEE = BigInteger.valueOf(50);
    private static final String OWNABLE = "Ownable: caller is not the owner";

    private Devnet d;
    private InferenceFixture f;
    private Credentials owner;
    private Credentials user1;
    private Credentials p1;
    private Credentials p2;

    @BeforeEach
    void setUp(Devnet devnet) throws Exception {
        d = devnet;
        f = new InferenceFixture(devnet).setUp();
        owner = f.owner;
        user1 = f.user1;
        p1 = f.provider1;
        p2 = f.provider2;
    }

    private InferenceServing inf(Credentials who) {
        return f.inf(who);
    }


    // ------------------------------------------------------------------ admin

    @Test
    void i01_ownerUpdatesLockTime() throws Exception {
        assertThat(inf(owner).lockTime().send()).isEqualTo(InferenceFixture.LOCK_TIME);
        TransactionReceipt r = inf(owner).updateLockTime(BigInteger.valueOf(172_800)).send();
        assertThat(inf(owner).lockTime().send()).isEqualTo(BigInteger.valueOf(172_800));
        var ev = InferenceServing.getLockTimeUpdatedEvents(r);
        assertThat(ev).hasSize(1);
        assertThat(ev.get(0).oldLockTime).isEqualTo(InferenceFixture.LOCK_TIME);
        assertThat(ev.get(0).newLockTime).isEqualTo(BigInteger.valueOf(172_800));
    }

    @Test
    void i02_ownerAcknowledgesTeeSigner() throws Exception {
        assertThat(inf(owner).getService(p1.getAddress()).send().teeSignerAcknowledged).isFalse();
        TransactionReceipt r = inf(owner).acknowledgeTEESignerByOwner(p1.getAddress()).send();
        var ev = InferenceServing.getProviderTEESignerAcknowledgedEvents(r);
        assertThat(ev).hasSize(1);
        assertThat(ev.get(0).provider).isEqualToIgnoringCase(p1.getAddress());
        assertThat(ev.get(0).teeSignerAddress).isEqualToIgnoringCase(f.tee);
        assertThat(ev.get(0).acknowledged).isTrue();
        assertThat(inf(owner).getService(p1.getAddress()).send().teeSignerAcknowledged).isTrue();
    }

    @Test
    void i03_ownerRevokesTeeSignerAcknowledgement() throws Exception {
        f.ackProvider1();
        TransactionReceipt r = inf(owner).revokeTEESignerAcknowledgement(p1.getAddress()).send();
        var ev = InferenceServing.getProviderTEESignerAcknowledgedEvents(r);
        assertThat(ev).hasSize(1);
        assertThat(ev.get(0).provider).isEqualToIgnoringCase(p1.getAddress());
        assertThat(ev.get(0).teeSignerAddress).isEqualToIgnoringCase(f.tee);
        assertThat(ev.get(0).acknowledged).isFalse();
        Service s = inf(owner).getService(p1.getAddress()).send();
        assertThat(s.teeSignerAcknowledged).isFalse();
        assertThat(s.teeSignerAddress).isEqualToIgnoringCase(f.tee);
    }

    @Test
    void i04_nonOwnerCannotAcknowledgeOrRevoke() throws Exception {
        Reverts.assertReason(() -> inf(user1).acknowledgeTEESignerByOwner(p1.getAddress()).send(), OWNABLE);
        Reverts.assertReason(() -> inf(p1).acknowledgeTEESignerByOwner(p1.getAddress()).send(), OWNABLE);
        f.ackProvider1();
        Reverts.assertReason(() -> inf(user1).revokeTEESignerAcknowledgement(p1.getAddress()).send(), OWNABLE);
        assertThat(inf(owner).getService(p1.getAddress()).send().teeSignerAcknowledged).isTrue();
    }

    @Test
    void i05_nonOwnerCannotUpdateLockTime() throws Exception {
        Reverts.assertReason(() -> inf(user1).updateLockTime(BigInteger.valueOf(172_800)).send(), OWNABLE);
        assertThat(inf(owner).lockTime().send()).isEqualTo(InferenceFixture.LOCK_TIME);
    }

    // ------------------------------------------------------------------ accounts

    @Test
    void i06_extraTransferAddsToBalance() throws Exception {
        BigInteger extra = Units.og(5 - 1).divide(BigInteger.valueOf(3));
        BigInteger availableBefore = f.ledgerOf(owner).availableBalance;
        TransactionReceipt r = f.transfer(owner, p1, extra);
        BigInteger expected = Units.og(1).add(extra);
        assertThat(f.balance(owner, p1)).isEqualTo(expected);
        assertThat(f.account(owner, p1).pendingRefund).isZero();
        var ev = InferenceServing.getBalanceUpdatedEvents(r);
        assertThat(ev).hasSize(1);
        assertThat(ev.get(0).amount).isEqualTo(expected);
        LedgerManager.Ledger l = f.ledgerOf(owner);
        assertThat(l.availableBalance).isEqualTo(availableBefore.subtract(extra));
        assertThat(l.totalBalance).isEqualTo(Units.og(5));
    }

    @Test
    void i07_getAllAccounts() throws Exception {
        var page = inf(owner).getAllAccounts(BigInteger.ZERO, BigInteger.ZERO).send();
        assertThat(page.component2()).isEqualTo(BigInteger.TWO);
        List<Account> accounts = page.component1();
        assertThat(accounts).hasSize(2);
        assertThat(accounts).extracting(a -> a.user.toLowerCase())
                .containsExactlyInAnyOrder(owner.getAddress().toLowerCase(), user1.getAddress().toLowerCase());
        for (Account a : accounts) {
            assertThat(a.provider).isEqualToIgnoringCase(p1.getAddress());
            assertThat(a.balance).isEqualTo(a.user.equalsIgnoreCase(owner.getAddress()) ? Units.og(1) : Units.og(2));
            assertThat(a.acknowledged).isTrue();
            assertThat(a.nonce).isZero();
            assertThat(a.pendingRefund).isZero();
        }
    }

    @Test
    void i08_accountsByProviderAndByUserWithPagination() throws Exception {
        f.transfer(owner, p2, Units.og(1));

        var byP1 = inf(owner).getAccountsByProvider(p1.getAddress(), BigInteger.ZERO, BigInteger.ZERO).send();
        assertThat(byP1.component2()).isEqualTo(BigInteger.TWO);
        assertThat(users(byP1.component1())).containsExactlyInAnyOrder(lc(owner), lc(user1));
        var byP2 = inf(owner).getAccountsByProvider(p2.getAddress(), BigInteger.ZERO, BigInteger.ZERO).send();
        assertThat(byP2.component2()).isEqualTo(BigInteger.ONE);
        assertThat(users(byP2.component1())).containsExactly(lc(owner));
        assertThat(byP2.component1().get(0).balance).isEqualTo(Units.og(1));

        var byOwner = inf(owner).getAccountsByUser(owner.getAddress(), BigInteger.ZERO, BigInteger.ZERO).send();
        assertThat(byOwner.component2()).isEqualTo(BigInteger.TWO);
        assertThat(byOwner.component1()).extracting(a -> a.provider.toLowerCase())
                .containsExactlyInAnyOrder(lc(p1), lc(p2));
        var byUser1 = inf(owner).getAccountsByUser(user1.getAddress(), BigInteger.ZERO, BigInteger.ZERO).send();
        assertThat(byUser1.component2()).isEqualTo(BigInteger.ONE);
        assertThat(byUser1.component1()).extracting(a -> a.provider.toLowerCase()).containsExactly(lc(p1));

        var first = inf(owner).getAccountsByProvider(p1.getAddress(), BigInteger.ZERO, BigInteger.ONE).send();
        var second = inf(owner).getAccountsByProvider(p1.getAddress(), BigInteger.ONE, BigInteger.ONE).send();
        assertThat(first.component1()).hasSize(1);
        assertThat(second.component1()).hasSize(1);
        assertThat(first.component2()).isEqualTo(BigInteger.TWO);
        assertThat(second.component2()).isEqualTo(BigInteger.TWO);
        assertThat(first.component1().get(0).user).isNotEqualToIgnoringCase(second.component1().get(0).user);
        assertThat(Set.of(lc(first.component1().get(0).user), lc(second.component1().get(0).user)))
                .containsExactlyInAnyOrder(lc(owner), lc(user1));
        var beyond = inf(owner).getAccountsByProvider(p1.getAddress(), BigInteger.TWO, BigInteger.ONE).send();
        assertThat(beyond.component1()).isEmpty();
        assertThat(beyond.component2()).isEqualTo(BigInteger.TWO);
    }

    @Test
    void i09_batchAccountsByUsersFromProvider() throws Exception {
        String unknown = d.account(9).getAddress();
        @SuppressWarnings("unchecked")
        List<Account> batch = inf(p1).getBatchAccountsByUsers(
                List.of(owner.getAddress(), user1.getAddress(), unknown)).send();
        assertThat(batch).hasSize(3);
        assertThat(batch.get(0).user).isEqualToIgnoringCase(owner.getAddress());
        assertThat(batch.get(0).provider).isEqualToIgnoringCase(p1.getAddress());
        assertThat(batch.get(0).balance).isEqualTo(Units.og(1));
        assertThat(batch.get(1).user).isEqualToIgnoringCase(user1.getAddress());
        assertThat(batch.get(1).balance).isEqualTo(Units.og(2));
        Account zero = batch.get(2);
        assertThat(new BigInteger(zero.user.substring(2), 16)).isZero();
        assertThat(new BigInteger(zero.provider.substring(2), 16)).isZero();
        assertThat(zero.balance).isZero();
        assertThat(zero.nonce).isZero();
        assertThat(zero.acknowledged).isFalse();
        assertThat(zero.refunds).isEmpty();

        // provider = msg.sender: provider2 has no accounts for these users.
        @SuppressWarnings("unchecked")
        List<Account> fromP2 = inf(p2).getBatchAccountsByUsers(List.of(owner.getAddress())).send();
        assertThat(fromP2.get(0).balance).isZero();
        assertThat(new BigInteger(fromP2.get(0).user.substring(2), 16)).isZero();
    }

    @Test
    void i10_limitTooLarge() throws Exception {
        DecodedRevert byProvider = revertOf(() -> inf(owner)
                .getAccountsByProvider(p1.getAddress(), BigInteger.ZERO, BigInteger.valueOf(51)).send());
        assertThat(byProvider.toString()).isEqualTo("LimitTooLarge(51, 50)");
        DecodedRevert byUser = revertOf(() -> inf(owner)
                .getAccountsByUser(owner.getAddress(), BigInteger.ZERO, BigInteger.valueOf(51)).send());
        assertThat(byUser.toString()).isEqualTo("LimitTooLarge(51, 50)");
        // 50 itself is allowed
        assertThat(inf(owner).getAccountsByUser(owner.getAddress(), BigInteger.ZERO, BigInteger.valueOf(50))
                .send().component2()).isEqualTo(BigInteger.ONE);
    }

    @Test
    void i11_retrieveWaitRetrieveEmptiesTheSubAccount() throws Exception {
        TransactionReceipt req = f.retrieve(user1, p1);
        Account a = f.account(user1, p1);
        assertThat(a.pendingRefund).isEqualTo(Units.og(2));
        assertThat(a.validRefundsLength).isEqualTo(BigInteger.ONE);
        var rr = InferenceServing.getRefundRequestedEvents(req);
        assertThat(rr).hasSize(1);
        assertThat(rr.get(0).index).isZero();
        long createdAt = a.refunds.get(0).createdAt.longValueExact();
        assertThat(rr.get(0).timestamp.longValueExact()).isEqualTo(createdAt);

        d.chain().setNextBlockTimestamp(createdAt + InferenceFixture.LOCK_TIME.longValueExact());
        TransactionReceipt collect = f.retrieve(user1, p1);
        Account after = f.account(user1, p1);
        assertThat(after.balance).isZero();
        assertThat(after.pendingRefund).isZero();
        assertThat(after.validRefundsLength).isZero();
        var bu = InferenceServing.getBalanceUpdatedEvents(collect);
        assertThat(bu).hasSize(1);
        assertThat(bu.get(0).amount).isZero();
        assertThat(bu.get(0).pendingRefund).isZero();
        LedgerManager.Ledger l = f.ledgerOf(user1);
        assertThat(l.availableBalance).isEqualTo(Units.og(10));
        assertThat(l.totalBalance).isEqualTo(Units.og(10));
    }

    @Test
    void i12_refundArraySlotIsReused() throws Exception {
        f.retrieve(user1, p1);
        Account a = f.account(user1, p1);
        assertThat(a.validRefundsLength).isEqualTo(BigInteger.ONE);
        assertThat(a.refunds).hasSize(1);

        d.chain().increaseTime(InferenceFixture.LOCK_TIME.longValueExact());
        f.retrieve(user1, p1);
        a = f.account(user1, p1);
        assertThat(a.validRefundsLength).isZero();
        assertThat(a.balance).isZero();

        f.transfer(user1, p1, Units.og(1));
        f.retrieve(user1, p1);
        a = f.account(user1, p1);
        assertThat(a.validRefundsLength).isEqualTo(BigInteger.ONE);
        assertThat(a.refunds).hasSize(1);
        assertThat(a.refunds.get(0).index).isZero();
        assertThat(a.refunds.get(0).amount).isEqualTo(Units.og(1));
        assertThat(a.refunds.get(0).processed).isFalse();
        assertThat(a.pendingRefund).isEqualTo(Units.og(1));
    }

    @Test
    void i13_partialCancelByTransfer() throws Exception {
        f.retrieve(user1, p1);
        BigInteger availableBefore = f.ledgerOf(user1).availableBalance;
        TransactionReceipt r = f.transfer(user1, p1, Units.parseOg("0.3"));
        Account a = f.account(user1, p1);
        assertThat(a.balance).isEqualTo(Units.og(2));
        assertThat(a.pendingRefund).isEqualTo(Units.parseOg("1.7"));
        assertThat(a.validRefundsLength).isEqualTo(BigInteger.ONE);
        assertThat(a.refunds.get(0).amount).isEqualTo(Units.parseOg("1.7"));
        var ev = InferenceServing.getBalanceUpdatedEvents(r);
        assertThat(ev).hasSize(1);
        assertThat(ev.get(0).amount).isEqualTo(Units.og(2));
        assertThat(ev.get(0).pendingRefund).isEqualTo(Units.parseOg("1.7"));
        // nothing new was sent: the 0.3 only un-requested part of the refund
        assertThat(f.ledgerOf(user1).availableBalance).isEqualTo(availableBefore);
    }

    // ------------------------------------------------------------------ services

    @Test
    void i14_getServiceAndGetAllServices() throws Exception {
        Service s = inf(owner).getService(p1.getAddress()).send();
        ServiceParams p = f.params1();
        assertThat(s.provider).isEqualToIgnoringCase(p1.getAddress());
        assertThat(s.serviceType).isEqualTo(p.serviceType);
        assertThat(s.url).isEqualTo(p.url);
        assertThat(s.inputPrice).isEqualTo(p.inputPrice);
        assertThat(s.outputPrice).isEqualTo(p.outputPrice);
        assertThat(s.updatedAt).isPositive();
        assertThat(s.model).isEqualTo(p.model);
        assertThat(s.verifiability).isEqualTo(p.verifiability);
        assertThat(s.additionalInfo).isEqualTo(p.additionalInfo);
        assertThat(s.teeSignerAddress).isEqualToIgnoringCase(f.tee);
        assertThat(s.teeSignerAcknowledged).isFalse();

        var all = inf(owner).getAllServices(BigInteger.ZERO, BigInteger.ZERO).send();
        assertThat(all.component2()).isEqualTo(BigInteger.TWO);
        assertThat(all.component1()).extracting(x -> x.provider.toLowerCase()).containsExactlyInAnyOrder(lc(p1), lc(p2));
        for (Service x : all.component1()) {
            assertThat(x.updatedAt).isPositive();
        }
        Service s2 = all.component1().stream().filter(x -> x.provider.equalsIgnoreCase(p2.getAddress())).findFirst()
                .orElseThrow();
        assertThat(s2.model).isEqualTo("qwen-7b");
        assertThat(s2.teeSignerAddress).isEqualToIgnoringCase(p2.getAddress());
        assertThat(inf(owner).serviceExists(p1.getAddress()).send()).isTrue();
        assertThat(inf(owner).serviceExists(d.account(9).getAddress()).send()).isFalse();
    }

    @Test
    void i15_updateServiceEmitsServiceUpdated() throws Exception {
        ServiceParams upd = new ServiceParams("RPC", "https://provider1.example/v2", "llama-13b", "TeeML",
                BigInteger.valueOf(200), BigInteger.valueOf(300), f.params1().additionalInfo, f.tee);
        TransactionReceipt r = inf(p1).addOrUpdateService(upd, BigInteger.ZERO).send();
        var ev = InferenceServing.getServiceUpdatedEvents(r);
        assertThat(ev).hasSize(1);
        var e = ev.get(0);
        assertThat(e.service).isEqualToIgnoringCase(p1.getAddress());
        assertThat(e.serviceType).isEqualTo("RPC");
        assertThat(e.url).isEqualTo("https://provider1.example/v2");
        assertThat(e.inputPrice).isEqualTo(BigInteger.valueOf(200));
        assertThat(e.outputPrice).isEqualTo(BigInteger.valueOf(300));
        assertThat(e.model).isEqualTo("llama-13b");
        assertThat(e.verifiability).isEqualTo("TeeML");
        long blockTs = d.chain().web3j().ethGetBlockByHash(r.getBlockHash(), false).send().getBlock().getTimestamp()
                .longValueExact();
        assertThat(e.updatedAt.longValueExact()).isEqualTo(blockTs);
        // no second stake event on update
        assertThat(InferenceServing.getProviderStakedEvents(r)).isEmpty();

        Service s = inf(owner).getService(p1.getAddress()).send();
        assertThat(s.serviceType).isEqualTo("RPC");
        assertThat(s.model).isEqualTo("llama-13b");
        assertThat(s.inputPrice).isEqualTo(BigInteger.valueOf(200));
        assertThat(s.outputPrice).isEqualTo(BigInteger.valueOf(300));
        assertThat(s.updatedAt.longValueExact()).isEqualTo(blockTs);
        assertThat(inf(owner).getAllServices(BigInteger.ZERO, BigInteger.ZERO).send().component2())
                .isEqualTo(BigInteger.TWO);
    }

    @Test
    void i16_removeService() throws Exception {
        TransactionReceipt r = inf(p1).removeService().send();
        var ev = InferenceServing.getServiceRemovedEvents(r);
        assertThat(ev).hasSize(1);
        assertThat(ev.get(0).service).isEqualToIgnoringCase(p1.getAddress());
        var all = inf(owner).getAllServices(BigInteger.ZERO, BigInteger.ZERO).send();
        assertThat(all.component2()).isEqualTo(BigInteger.ONE);
        assertThat(all.component1()).extracting(x -> x.provider.toLowerCase()).containsExactly(lc(p2));
        assertThat(inf(owner).serviceExists(p1.getAddress()).send()).isFalse();
        // sub-accounts are untouched
        assertThat(f.balance(user1, p1)).isEqualTo(Units.og(2));
    }

    @Test
    void i17_acknowledgementResetOnCriticalChangesOnly() throws Exception {
        f.ackProvider1();
        ServiceParams p = InferenceFixture.with(f.params1(), x -> {
            x.url = "https://moved.example";
            x.inputPrice = BigInteger.valueOf(999);
            x.outputPrice = BigInteger.valueOf(1999);
        });
        inf(p1).addOrUpdateService(p, BigInteger.ZERO).send();
        Service s = inf(owner).getService(p1.getAddress()).send();
        assertThat(s.url).isEqualTo("https://moved.example");
        assertThat(s.inputPrice).isEqualTo(BigInteger.valueOf(999));
        assertThat(s.outputPrice).isEqualTo(BigInteger.valueOf(1999));
        assertThat(s.teeSignerAcknowledged).as("url/price change keeps the acknowledgement").isTrue();

        ServiceParams model = InferenceFixture.with(p, x -> x.model = "llama-70b");
        inf(p1).addOrUpdateService(model, BigInteger.ZERO).send();
        s = inf(owner).getService(p1.getAddress()).send();
        assertThat(s.model).isEqualTo("llama-70b");
        assertThat(s.teeSignerAcknowledged).as("model change resets it").isFalse();
        assertThat(s.teeSignerAddress).isEqualToIgnoringCase(f.tee);

        f.ackProvider1();
        assertThat(ack()).isTrue();

        ServiceParams signer = InferenceFixture.with(model, x -> x.teeSignerAddress = d.account(7).getAddress());
        inf(p1).addOrUpdateService(signer, BigInteger.ZERO).send();
        s = inf(owner).getService(p1.getAddress()).send();
        assertThat(s.teeSignerAcknowledged).as("teeSigner change resets it").isFalse();
        assertThat(s.teeSignerAddress).isEqualToIgnoringCase(d.account(7).getAddress());
    }

    private boolean ack() throws Exception {
        return inf(owner).getService(p1.getAddress()).send().teeSignerAcknowledged;
    }

    // ------------------------------------------------------------------ TEE settlement

    @Test
    void i18_teeSettlementSuccess() throws Exception {
        f.ackProvider1();
        BigInteger nonce = f.nonce(0);
        BigInteger providerBefore = f.eth(p1);
        BigInteger totalBefore = f.ledgerOf(user1).totalBalance;
        TransactionReceipt r = f.settle(p1, f.item(user1, FEE, nonce));
        assertThat(r.isStatusOK()).isTrue();

        var results = InferenceFixture.results(r);
        assertThat(results).hasSize(1);
        assertThat(results.get(0).user).isEqualToIgnoringCase(user1.getAddress());
        assertThat(results.get(0).status.intValueExact()).isEqualTo(SUCCESS);
        assertThat(results.get(0).unsettledAmount).isZero();

        Account a = f.account(user1, p1);
        assertThat(a.balance).isEqualTo(Units.og(2).subtract(FEE));
        assertThat(a.nonce).isEqualTo(nonce);
        assertThat(f.ledgerOf(user1).totalBalance).isEqualTo(totalBefore.subtract(FEE));
        var bu = InferenceServing.getBalanceUpdatedEvents(r);
        assertThat(bu).hasSize(1);
        assertThat(bu.get(0).user).isEqualToIgnoringCase(user1.getAddress());
        assertThat(bu.get(0).provider).isEqualToIgnoringCase(p1.getAddress());
        assertThat(bu.get(0).amount).isEqualTo(Units.og(2).subtract(FEE));
        var spent = LedgerManager.getFundSpentEvents(r);
        assertThat(spent).hasSize(1);
        assertThat(spent.get(0).amount).isEqualTo(FEE);
        assertThat(f.eth(p1)).isEqualTo(providerBefore.add(FEE).subtract(InferenceFixture.gasCost(r)));
    }

    @Test
    void i19_batchOfTwoUsers() throws Exception {
        f.ackProvider1();
        BigInteger n = f.nonce(0);
        BigInteger contractBefore = d.chain().balanceOf(f.proxy);
        TransactionReceipt r = f.settle(p1, f.item(owner, FEE, n), f.item(user1, BigInteger.valueOf(70), n.add(BigInteger.ONE)));
        assertThat(statuses(r)).containsExactly(SUCCESS, SUCCESS);
        assertThat(f.balance(owner, p1)).isEqualTo(Units.og(1).subtract(FEE));
        assertThat(f.balance(user1, p1)).isEqualTo(Units.og(2).subtract(BigInteger.valueOf(70)));
        assertThat(f.account(owner, p1).nonce).isEqualTo(n);
        assertThat(f.account(user1, p1).nonce).isEqualTo(n.add(BigInteger.ONE));
        assertThat(LedgerManager.getFundSpentEvents(r)).extracting(e -> e.amount)
                .containsExactly(FEE, BigInteger.valueOf(70));
        assertThat(d.chain().balanceOf(f.proxy)).isEqualTo(contractBefore.subtract(BigInteger.valueOf(120)));
    }

    @Test
    void i20_feeAboveBalanceIsPartialAndConsumesTheNonce() throws Exception {
        f.ackProvider1();
        BigInteger n = f.nonce(0);
        BigInteger fee = Units.og(3);
        BigInteger providerBefore = f.eth(p1);
        TransactionReceipt r = f.settle(p1, f.item(user1, fee, n));
        var res = InferenceFixture.results(r);
        assertThat(res).hasSize(1);
        assertThat(res.get(0).status.intValueExact()).isEqualTo(PARTIAL);
        assertThat(res.get(0).unsettledAmount).isEqualTo(Units.og(1));
        Account a = f.account(user1, p1);
        assertThat(a.balance).isZero();
        assertThat(a.nonce).isEqualTo(n);
        assertThat(f.ledgerOf(user1).totalBalance).isEqualTo(Units.og(8));
        assertThat(f.eth(p1)).isEqualTo(providerBefore.add(Units.og(2)).subtract(InferenceFixture.gasCost(r)));
    }

    @Test
    void i21_mixedSuccessAndPartial() throws Exception {
        f.ackProvider1();
        BigInteger n = f.nonce(0);
        TransactionReceipt r = f.settle(p1, f.item(owner, Units.og(2), n), f.item(user1, FEE, n));
        var res = InferenceFixture.results(r);
        assertThat(statuses(r)).containsExactly(PARTIAL, SUCCESS);
        assertThat(res.get(0).unsettledAmount).isEqualTo(Units.og(1));
        assertThat(res.get(1).unsettledAmount).isZero();
        assertThat(f.balance(owner, p1)).isZero();
        assertThat(f.balance(user1, p1)).isEqualTo(Units.og(2).subtract(FEE));
        assertThat(f.account(owner, p1).nonce).isEqualTo(n);
        assertThat(f.account(user1, p1).nonce).isEqualTo(n);
    }

    @Test
    void i22_zeroSignatureChangesNothing() throws Exception {
        f.ackProvider1();
        BigInteger n = f.nonce(0);
        TEESettlementData bad = InferenceFixture.withSignature(f.item(user1, FEE, n), new byte[65]);
        TransactionReceipt r = f.settle(p1, bad);
        assertThat(r.isStatusOK()).isTrue();
        var res = InferenceFixture.results(r);
        assertThat(res.get(0).status.intValueExact()).isEqualTo(INVALID_SIGNATURE);
        assertThat(res.get(0).unsettledAmount).isEqualTo(FEE);
        Account a = f.account(user1, p1);
        assertThat(a.balance).isEqualTo(Units.og(2));
        assertThat(a.nonce).isZero();
        assertThat(LedgerManager.getFundSpentEvents(r)).isEmpty();
    }

    @Test
    void i23_sameNonceTwiceIsANoOp() throws Exception {
        f.ackProvider1();
        BigInteger n = f.nonce(0);
        TEESettlementData item = f.item(user1, FEE, n);
        assertThat(statuses(f.settle(p1, item))).containsExactly(SUCCESS);
        BigInteger providerBefore = f.eth(p1);
        TransactionReceipt again = f.settle(p1, item);
        var res = InferenceFixture.results(again);
        assertThat(res.get(0).status.intValueExact()).isEqualTo(INVALID_NONCE);
        assertThat(res.get(0).unsettledAmount).isEqualTo(FEE);
        assertThat(f.balance(user1, p1)).isEqualTo(Units.og(2).subtract(FEE));
        assertThat(f.account(user1, p1).nonce).isEqualTo(n);
        assertThat(f.eth(p1)).isEqualTo(providerBefore.subtract(InferenceFixture.gasCost(again)));
        // a lower nonce is rejected as well
        TransactionReceipt lower = f.settle(p1, f.item(user1, FEE, n.subtract(BigInteger.ONE)));
        assertThat(statuses(lower)).containsExactly(INVALID_NONCE);
    }

    @Test
    void i24_emptyBatchReverts() {
        DecodedRevert r = revertOf(() -> inf(p1).settleFeesWithTEE(List.of()).send());
        assertThat(r.toString()).isEqualTo("NoSettlementsProvided()");
    }

    @Test
    void i25_revokedServiceAcknowledgementGivesNoTeeSigner() throws Exception {
        f.ackProvider1();
        inf(owner).revokeTEESignerAcknowledgement(p1.getAddress()).send();
        BigInteger n = f.nonce(0);
        TransactionReceipt r = f.settle(p1, f.item(user1, FEE, n));
        var res = InferenceFixture.results(r);
        assertThat(res).hasSize(1);
        assertThat(res.get(0).user).isEqualToIgnoringCase(user1.getAddress());
        assertThat(res.get(0).status.intValueExact()).isEqualTo(NO_TEE_SIGNER);
        assertThat(res.get(0).unsettledAmount).isEqualTo(FEE);
        Account a = f.account(user1, p1);
        assertThat(a.balance).isEqualTo(Units.og(2));
        assertThat(a.nonce).isZero();
        // never acknowledged at all (provider2's own signer) is the same status
        f.transfer(user1, p2, Units.og(1));
        TEESettlementData forP2 = f.signed(user1.getAddress(), p2.getAddress(), FEE, n, p2.getEcKeyPair());
        assertThat(statuses(f.settle(p2, forP2))).containsExactly(NO_TEE_SIGNER);
        assertThat(f.balance(user1, p2)).isEqualTo(Units.og(1));
    }

    @Test
    void i26_providerMismatch() throws Exception {
        f.ackProvider1();
        inf(owner).acknowledgeTEESignerByOwner(p2.getAddress()).send();
        f.transfer(user1, p2, Units.og(1));
        BigInteger n = f.nonce(0);
        // an item naming provider2 (validly signed by provider2's signer) submitted by provider1
        TEESettlementData forP2 = f.signed(user1.getAddress(), p2.getAddress(), FEE, n, p2.getEcKeyPair());
        BigInteger p2Before = f.eth(p2);
        TransactionReceipt r = f.settle(p1, forP2);
        var res = InferenceFixture.results(r);
        assertThat(res.get(0).status.intValueExact()).isEqualTo(PROVIDER_MISMATCH);
        assertThat(res.get(0).unsettledAmount).isEqualTo(FEE);
        assertThat(f.balance(user1, p1)).isEqualTo(Units.og(2));
        assertThat(f.balance(user1, p2)).isEqualTo(Units.og(1));
        assertThat(f.account(user1, p1).nonce).isZero();
        assertThat(f.account(user1, p2).nonce).isZero();
        assertThat(f.eth(p2)).isEqualTo(p2Before);
    }

    @Test
    void i27_staticCallStatuses() throws Exception {
        f.ackProvider1();
        BigInteger n = f.nonce(0);
        assertThat(f.staticSettle(p1, List.of(f.item(user1, Units.og(3), n)))).containsExactly(PARTIAL);
        assertThat(f.staticSettle(p1, List.of(f.item(user1, FEE, n)))).containsExactly(SUCCESS);
        assertThat(f.staticSettle(p1, List.of(f.item(owner, Units.og(2), n), f.item(user1, FEE, n))))
                .containsExactly(PARTIAL, SUCCESS);
        // a static call changes nothing
        assertThat(f.account(user1, p1).nonce).isZero();
        assertThat(f.balance(user1, p1)).isEqualTo(Units.og(2));
        assertThat(f.balance(owner, p1)).isEqualTo(Units.og(1));
        // ...and the real transaction returns what the static call predicted
        assertThat(statuses(f.settle(p1, f.item(owner, Units.og(2), n), f.item(user1, FEE, n))))
                .containsExactly(PARTIAL, SUCCESS);
    }

    @Test
    void i28_fiftySettlementsInOneTransaction() throws Exception {
        f.ackProvider1();
        BigInteger base = f.nonce(0);
        BigInteger fee = BigInteger.valueOf(1_000);
        List<TEESettlementData> items = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            items.add(f.item(i % 2 == 0 ? owner : user1, fee, base.add(BigInteger.valueOf(i))));
        }
        TransactionReceipt r = f.settle(p1, items);
        assertThat(r.isStatusOK()).isTrue();
        System.out.printf("I28: 50 settlements used %s gas (%s per item)%n", r.getGasUsed(),
                r.getGasUsed().divide(BigInteger.valueOf(50)));
        assertThat(r.getGasUsed()).isLessThan(BigInteger.valueOf(2_000_000));
        assertThat(r.getGasUsed().divide(BigInteger.valueOf(50))).isLessThan(BigInteger.valueOf(50_000));
        assertThat(statuses(r)).hasSize(50).containsOnly(SUCCESS);
        BigInteger each = fee.multiply(BigInteger.valueOf(25));
        assertThat(f.balance(owner, p1)).isEqualTo(Units.og(1).subtract(each));
        assertThat(f.balance(user1, p1)).isEqualTo(Units.og(2).subtract(each));
        assertThat(f.account(owner, p1).nonce).isEqualTo(base.add(BigInteger.valueOf(48)));
        assertThat(f.account(user1, p1).nonce).isEqualTo(base.add(BigInteger.valueOf(49)));
    }

    @Test
    void i29_fullExitThroughTheLedgerDeletesTheAccounts() throws Exception {
        f.retrieve(owner, p1);
        d.chain().increaseTime(InferenceFixture.LOCK_TIME.longValueExact());
        f.retrieve(owner, p1);
        LedgerManager.Ledger l = f.ledgerOf(owner);
        assertThat(l.availableBalance).isEqualTo(Units.og(5));
        assertThat(l.totalBalance).isEqualTo(Units.og(5));

        BigInteger ethBefore = f.eth(owner);
        TransactionReceipt r = f.ledger(owner).refund(Units.og(5)).send();
        assertThat(f.eth(owner)).isEqualTo(ethBefore.add(Units.og(5)).subtract(InferenceFixture.gasCost(r)));
        var deleted = InferenceServing.getAccountDeletedEvents(r);
        assertThat(deleted).hasSize(1);
        assertThat(deleted.get(0).user).isEqualToIgnoringCase(owner.getAddress());
        assertThat(deleted.get(0).provider).isEqualToIgnoringCase(p1.getAddress());
        assertThat(deleted.get(0).refundedAmount).isZero();

        assertThat(inf(owner).accountExists(owner.getAddress(), p1.getAddress()).send()).isFalse();
        var all = inf(owner).getAllAccounts(BigInteger.ZERO, BigInteger.ZERO).send();
        assertThat(all.component2()).isEqualTo(BigInteger.ONE);
        assertThat(all.component1()).extracting(a -> a.user.toLowerCase()).containsExactly(lc(user1));
        assertThat(revertOf(() -> f.ledger(owner).getLedger(owner.getAddress()).send()).toString())
                .isEqualTo("LedgerNotExists(" + lc(owner) + ")");
    }

    // ------------------------------------------------------------------ helpers

    private static String lc(Credentials c) {
        return c.getAddress().toLowerCase();
    }

    private static String lc(String s) {
        return s.toLowerCase();
    }

    private static List<String> users(List<Account> accounts) {
        return accounts.stream().map(a -> a.user.toLowerCase()).toList();
    }
}
