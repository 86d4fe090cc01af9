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
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Sign;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.contracts.DecodedRevert;
import zg.compute.protocol.contracts.bindings.InferenceServing;
import zg.compute.protocol.contracts.bindings.InferenceServing.Account;
import zg.compute.protocol.contracts.bindings.InferenceServing.ServiceParams;
import zg.compute.protocol.contracts.bindings.InferenceServing.TEESettlementData;
import zg.compute.protocol.contracts.bindings.LedgerManager;
import zg.compute.protocol.eip712.DigestSigner;
import zg.compute.protocol.eip712.Eip712Domain;
import zg.compute.protocol.eip712.TeeSettlement;
import zg.compute.protocol.units.Units;

/**
 * contracts.md §10.4 extras for InferenceServing and every user/provider-reachable revert of §3,
 * on the real devnet. Fixture: {@link InferenceFixture}; extra actors are accounts 4–7.
 */
@ExtendWith(DevnetExtension.class)
class InferenceExtrasTest {

    private static final BigInteger FEE = BigInteger.valueOf(50);
    private static final BigInteger HUNDRED = Units.og(100);
    /** secp256k1 group order. */
    private static final BigInteger N = Sign.CURVE_PARAMS.getN();

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

    private static String lc(Credentials c) {
        return c.getAddress().toLowerCase();
    }

    // ------------------------------------------------------------------ stake

    @Test
    void stake_updateWithValueIsRejected() throws Exception {
        DecodedRevert r = revertOf(() -> inf(p1).addOrUpdateService(f.params1(), BigInteger.ONE).send());
        assertThat(r.toString()).isEqualTo("CannotAddStakeWhenUpdating()");
        r = revertOf(() -> inf(p1).addOrUpdateService(f.params1(), HUNDRED).send());
        assertThat(r.toString()).isEqualTo("CannotAddStakeWhenUpdating()");
        // an update without value is fine
        assertThat(inf(p1).addOrUpdateService(f.params1(), BigInteger.ZERO).send().isStatusOK()).isTrue();
    }

    @Test
    void stake_firstRegistrationBelowMinimumIsRejected() throws Exception {
        Credentials p = d.account(4);
        BigInteger justBelow = HUNDRED.subtract(BigInteger.ONE);
        DecodedRevert r = revertOf(() -> inf(p).addOrUpdateService(f.params2(), justBelow).send());
        assertThat(r.name()).isEqualTo("InsufficientStake");
        assertThat(r.args()).containsExactly(justBelow, HUNDRED);
        assertThat(revertOf(() -> inf(p).addOrUpdateService(f.params2(), BigInteger.ZERO).send()).toString())
                .isEqualTo("InsufficientStake(0, 100000000000000000000)");
        assertThat(inf(owner).serviceExists(p.getAddress()).send()).isFalse();
        assertThat(inf(owner).MIN_PROVIDER_STAKE().send()).isEqualTo(HUNDRED);
    }

    @Test
    void stake_aboveMinimumIsKeptAndReturnedByRemoveService() throws Exception {
        Credentials p = d.account(4);
        BigInteger stake = Units.og(150);
        BigInteger contractBefore = d.chain().balanceOf(f.proxy);
        TransactionReceipt reg = inf(p).addOrUpdateService(f.params2(), stake).send();
        var staked = InferenceServing.getProviderStakedEvents(reg);
        assertThat(staked).hasSize(1);
        assertThat(staked.get(0).provider).isEqualToIgnoringCase(p.getAddress());
        assertThat(staked.get(0).amount).isEqualTo(stake);
        assertThat(d.chain().balanceOf(f.proxy)).isEqualTo(contractBefore.add(stake));

        inf(owner).acknowledgeTEESignerByOwner(p.getAddress()).send();
        BigInteger ethBefore = f.eth(p);
        TransactionReceipt rm = inf(p).removeService().send();
        var returned = InferenceServing.getProviderStakeReturnedEvents(rm);
        assertThat(returned).hasSize(1);
        assertThat(returned.get(0).provider).isEqualToIgnoringCase(p.getAddress());
        assertThat(returned.get(0).amount).isEqualTo(stake);
        var removed = InferenceServing.getServiceRemovedEvents(rm);
        assertThat(removed).hasSize(1);
        assertThat(removed.get(0).service).isEqualToIgnoringCase(p.getAddress());
        assertThat(returned.get(0).log.getLogIndex()).isLessThan(removed.get(0).log.getLogIndex());
        assertThat(f.eth(p)).isEqualTo(ethBefore.add(stake).subtract(InferenceFixture.gasCost(rm)));
        assertThat(d.chain().balanceOf(f.proxy)).isEqualTo(contractBefore);
        assertThat(inf(owner).serviceExists(p.getAddress()).send()).isFalse();

        // the stake is gone, so registering again needs a new one
        assertThat(revertOf(() -> inf(p).addOrUpdateService(f.params2(), BigInteger.ZERO).send()).toString())
                .isEqualTo("InsufficientStake(0, 100000000000000000000)");
        TransactionReceipt again = inf(p).addOrUpdateService(f.params2(), HUNDRED).send();
        assertThat(InferenceServing.getProviderStakedEvents(again)).extracting(e -> e.amount).containsExactly(HUNDRED);
        // a re-registered service starts unacknowledged
        assertThat(inf(owner).getService(p.getAddress()).send().teeSignerAcknowledged).isFalse();
    }

    @Test
    void removeService_withoutServiceReverts() throws Exception {
        Credentials p = d.account(4);
        assertThat(revertOf(() -> inf(p).removeService().send()).toString())
                .isEqualTo("ServiceNotExist(" + lc(p) + ")");
        inf(p1).removeService().send();
        assertThat(revertOf(() -> inf(p1).removeService().send()).toString())
                .isEqualTo("ServiceNotExist(" + lc(p1) + ")");
    }

    @Test
    void additionalInfoTooLong() throws Exception {
        Credentials p = d.account(4);
        String tooLong = "x".repeat(4097);
        ServiceParams bad = InferenceFixture.with(f.params2(), x -> x.additionalInfo = tooLong);
        assertThat(revertOf(() -> inf(p).addOrUpdateService(bad, HUNDRED).send()).toString())
                .isEqualTo("AdditionalInfoTooLong()");
        assertThat(inf(owner).serviceExists(p.getAddress()).send()).isFalse();
        ServiceParams badUpdate = InferenceFixture.with(f.params1(), x -> x.additionalInfo = tooLong);
        assertThat(revertOf(() -> inf(p1).addOrUpdateService(badUpdate, BigInteger.ZERO).send()).toString())
                .isEqualTo("AdditionalInfoTooLong()");
        // the stake checks come first
        assertThat(revertOf(() -> inf(p).addOrUpdateService(bad, BigInteger.ONE).send()).toString())
                .isEqualTo("InsufficientStake(1, 100000000000000000000)");
        assertThat(revertOf(() -> inf(p1).addOrUpdateService(badUpdate, BigInteger.ONE).send()).toString())
                .isEqualTo("CannotAddStakeWhenUpdating()");
        // exactly 4096 bytes is allowed
        String max = "y".repeat(4096);
        inf(p).addOrUpdateService(InferenceFixture.with(f.params2(), x -> x.additionalInfo = max), HUNDRED).send();
        assertThat(inf(owner).getService(p.getAddress()).send().additionalInfo).isEqualTo(max);
    }

    @Test
    void everyCriticalFieldResetsTheOwnerAcknowledgement() throws Exception {
        List<java.util.function.Consumer<ServiceParams>> critical = List.of(
                x -> x.serviceType = "RPC",
                x -> x.model = "other-model",
                x -> x.verifiability = "OpML",
                x -> x.additionalInfo = "{\"region\":\"us\"}",
                x -> x.teeSignerAddress = d.account(7).getAddress());
        ServiceParams current = f.params1();
        for (var change : critical) {
            f.ackProvider1();
            current = InferenceFixture.with(current, change);
            inf(p1).addOrUpdateService(current, BigInteger.ZERO).send();
            assertThat(inf(owner).getService(p1.getAddress()).send().teeSignerAcknowledged).isFalse();
        }
        // re-submitting identical parameters keeps it
        f.ackProvider1();
        inf(p1).addOrUpdateService(current, BigInteger.ZERO).send();
        assertThat(inf(owner).getService(p1.getAddress()).send().teeSignerAcknowledged).isTrue();
    }

    // ------------------------------------------------------------------ settlement pools

    @Test
    void settlementDebitsFreePoolThenRefundsLifo() throws Exception {
        Credentials u = d.account(5);
        f.ackProvider1();
        f.ledger(u).addLedger("", Units.og(10)).send();
        f.transfer(u, p1, Units.og(6));
        f.retrieve(u, p1);                      // refunds [6]
        f.transfer(u, p1, Units.og(3));         // cancels 3 → [3], free 3
        f.retrieve(u, p1);                      // [3, 3]
        f.transfer(u, p1, Units.og(1));         // cancels 1 of the newest → [3, 2], free 1
        Account a = f.account(u, p1);
        assertThat(a.balance).isEqualTo(Units.og(6));
        assertThat(a.pendingRefund).isEqualTo(Units.og(5));
        assertThat(a.validRefundsLength).isEqualTo(BigInteger.TWO);
        assertThat(a.refunds.subList(0, 2)).extracting(r -> r.amount).containsExactly(Units.og(3), Units.og(2));
        assertThat(f.ledgerOf(u).availableBalance).isEqualTo(Units.og(4));

        TransactionReceipt r = f.settle(p1, f.item(u, Units.og(4), f.nonce(0)));
        assertThat(statuses(r)).containsExactly(SUCCESS);
        a = f.account(u, p1);
        assertThat(a.balance).isEqualTo(Units.og(2));
        assertThat(a.pendingRefund).isEqualTo(Units.og(2));
        assertThat(a.validRefundsLength).isEqualTo(BigInteger.ONE);
        assertThat(a.refunds.get(0).amount).isEqualTo(Units.og(2));
        var bu = InferenceServing.getBalanceUpdatedEvents(r);
        assertThat(bu).hasSize(1);
        assertThat(bu.get(0).amount).isEqualTo(Units.og(2));
        assertThat(bu.get(0).pendingRefund).isEqualTo(Units.og(2));
        assertThat(LedgerManager.getFundSpentEvents(r)).extracting(e -> e.amount).containsExactly(Units.og(4));
        assertThat(f.ledgerOf(u).totalBalance).isEqualTo(Units.og(6));
    }

    @Test
    void sixthActiveRefundIsTooManyRefunds() throws Exception {
        Credentials u = d.account(6);
        f.ledger(u).addLedger("", Units.og(10)).send();
        f.transfer(u, p1, Units.og(6));
        f.retrieve(u, p1);
        for (String x : List.of("1", "0.1", "0.01", "0.001")) {
            f.transfer(u, p1, Units.parseOg(x));   // partial cancel of the newest refund frees x
            f.retrieve(u, p1);                       // which becomes a new refund
        }
        Account a = f.account(u, p1);
        assertThat(a.validRefundsLength).isEqualTo(BigInteger.valueOf(5));
        assertThat(a.pendingRefund).isEqualTo(Units.og(6));
        f.transfer(u, p1, Units.parseOg("0.0001"));
        DecodedRevert r = revertOf(() -> f.retrieve(u, p1));
        assertThat(r.toString()).isEqualTo("TooManyRefunds(" + lc(u) + ", " + lc(p1) + ")");
        assertThat(f.account(u, p1).validRefundsLength).isEqualTo(BigInteger.valueOf(5));
    }

    @Test
    void refundRequestedIsEmittedEvenWithoutANewRefund() throws Exception {
        f.retrieve(user1, p1);
        TransactionReceipt second = f.retrieve(user1, p1);
        var ev = InferenceServing.getRefundRequestedEvents(second);
        assertThat(ev).hasSize(1);
        assertThat(ev.get(0).index).isZero();
        assertThat(f.account(user1, p1).validRefundsLength).isEqualTo(BigInteger.ONE);
    }

    @Test
    void maturityUsesTheCurrentLockTimeInclusively() throws Exception {
        f.retrieve(user1, p1);
        long createdAt = f.refundCreatedAt(user1, p1, 0);
        inf(owner).updateLockTime(BigInteger.valueOf(7200)).send();
        d.chain().setNextBlockTimestamp(createdAt + 7199);
        f.retrieve(user1, p1);
        assertThat(f.account(user1, p1).balance).as("one second early").isEqualTo(Units.og(2));
        d.chain().setNextBlockTimestamp(createdAt + 7200);
        f.retrieve(user1, p1);
        assertThat(f.account(user1, p1).balance).isZero();
        assertThat(f.ledgerOf(user1).availableBalance).isEqualTo(Units.og(10));
    }

    // ------------------------------------------------------------------ soft delete

    @Test
    void softDeleteKeepsNonceAndGenerationSoOldSignaturesCannotBeReplayed() throws Exception {
        Credentials u = d.account(5);
        f.ackProvider1();
        f.ledger(u).addLedger("first", Units.og(5)).send();
        f.transfer(u, p1, Units.og(2));
        inf(u).revokeAllTokens(p1.getAddress()).send();
        inf(u).revokeToken(p1.getAddress(), BigInteger.valueOf(3)).send();
        BigInteger n = f.nonce(0);
        TEESettlementData item = f.item(u, Units.og(1), n);
        assertThat(statuses(f.settle(p1, item))).containsExactly(SUCCESS);
        Account a = f.account(u, p1);
        assertThat(a.nonce).isEqualTo(n);
        assertThat(a.generation).isEqualTo(BigInteger.ONE);
        assertThat(a.additionalInfo).isEqualTo("first");

        // withdraw everything through the ledger: request, wait, collect, refund → ledger and sub-account deleted
        f.retrieve(u, p1);
        d.chain().increaseTime(InferenceFixture.LOCK_TIME.longValueExact());
        f.retrieve(u, p1);
        assertThat(f.ledgerOf(u).availableBalance).isEqualTo(Units.og(4));
        assertThat(f.ledgerOf(u).totalBalance).isEqualTo(Units.og(4));
        TransactionReceipt exit = f.ledger(u).refund(Units.og(4)).send();
        var deleted = InferenceServing.getAccountDeletedEvents(exit);
        assertThat(deleted).hasSize(1);
        assertThat(deleted.get(0).user).isEqualToIgnoringCase(u.getAddress());
        assertThat(deleted.get(0).provider).isEqualToIgnoringCase(p1.getAddress());
        assertThat(deleted.get(0).refundedAmount).isZero();
        assertThat(inf(owner).accountExists(u.getAddress(), p1.getAddress()).send()).isFalse();
        assertThat(revertOf(() -> f.account(u, p1)).toString())
                .isEqualTo("AccountNotExists(" + lc(u) + ", " + lc(p1) + ")");
        // a deleted account is "missing" for settlement: status 5
        assertThat(statuses(f.settle(p1, f.item(u, FEE, n.add(BigInteger.TEN))))).containsExactly(INVALID_SIGNATURE);

        // re-create it via the ledger
        f.ledger(u).addLedger("second", Units.og(5)).send();
        f.transfer(u, p1, Units.og(2));
        a = f.account(u, p1);
        assertThat(a.nonce).as("nonce survives the soft delete").isEqualTo(n);
        assertThat(a.generation).as("generation survives the soft delete").isEqualTo(BigInteger.ONE);
        assertThat(a.revokedBitmap).isZero();
        assertThat(a.balance).isEqualTo(Units.og(2));
        assertThat(a.pendingRefund).isZero();
        assertThat(a.validRefundsLength).isZero();
        assertThat(a.refunds).isEmpty();
        assertThat(a.acknowledged).isTrue();
        assertThat(a.additionalInfo).isEqualTo("second");

        // the old signature is dead
        TransactionReceipt replay = f.settle(p1, item);
        var res = InferenceFixture.results(replay);
        assertThat(res.get(0).status.intValueExact()).isEqualTo(INVALID_NONCE);
        assertThat(res.get(0).unsettledAmount).isEqualTo(Units.og(1));
        assertThat(f.balance(u, p1)).isEqualTo(Units.og(2));

        // the generation keeps counting from where it was
        TransactionReceipt rev = inf(u).revokeAllTokens(p1.getAddress()).send();
        assertThat(InferenceServing.getAllTokensRevokedEvents(rev)).extracting(e -> e.newGeneration)
                .containsExactly(BigInteger.TWO);
        // a fresh signature with a higher nonce works
        assertThat(statuses(f.settle(p1, f.item(u, FEE, n.add(BigInteger.ONE))))).containsExactly(SUCCESS);
        assertThat(f.balance(u, p1)).isEqualTo(Units.og(2).subtract(FEE));
    }

    // ------------------------------------------------------------------ tokens

    @Test
    void tokenRevocation() throws Exception {
        String p = p1.getAddress();
        String u = user1.getAddress();
        TransactionReceipt one = inf(user1).revokeToken(p, BigInteger.valueOf(5)).send();
        var ev = InferenceServing.getTokenRevokedEvents(one);
        assertThat(ev).hasSize(1);
        assertThat(ev.get(0).user).isEqualToIgnoringCase(u);
        assertThat(ev.get(0).provider).isEqualToIgnoringCase(p);
        assertThat(ev.get(0).tokenId).isEqualTo(BigInteger.valueOf(5));
        assertThat(f.account(user1, p1).revokedBitmap).isEqualTo(BigInteger.ONE.shiftLeft(5));
        assertThat(inf(owner).isTokenRevoked(u, p, BigInteger.valueOf(5)).send()).isTrue();
        assertThat(inf(owner).isTokenRevoked(u, p, BigInteger.valueOf(4)).send()).isFalse();

        List<BigInteger> ids = List.of(BigInteger.ZERO, BigInteger.valueOf(7), BigInteger.valueOf(255));
        TransactionReceipt many = inf(user1).revokeTokens(p, ids).send();
        var evs = InferenceServing.getTokensRevokedEvents(many);
        assertThat(evs).hasSize(1);
        assertThat(evs.get(0).user).isEqualToIgnoringCase(u);
        assertThat(evs.get(0).provider).isEqualToIgnoringCase(p);
        assertThat(evs.get(0).tokenIds).containsExactlyElementsOf(ids);
        BigInteger expected = BigInteger.ONE.shiftLeft(5).or(BigInteger.ONE).or(BigInteger.ONE.shiftLeft(7))
                .or(BigInteger.ONE.shiftLeft(255));
        assertThat(f.account(user1, p1).revokedBitmap).isEqualTo(expected);
        for (int id : new int[] {0, 5, 7, 255}) {
            assertThat(inf(owner).isTokenRevoked(u, p, BigInteger.valueOf(id)).send()).as("token %d", id).isTrue();
        }
        assertThat(inf(owner).isTokenRevoked(u, p, BigInteger.valueOf(254)).send()).isFalse();
        // other accounts are unaffected
        assertThat(f.account(owner, p1).revokedBitmap).isZero();

        TransactionReceipt all = inf(user1).revokeAllTokens(p).send();
        var allEv = InferenceServing.getAllTokensRevokedEvents(all);
        assertThat(allEv).hasSize(1);
        assertThat(allEv.get(0).user).isEqualToIgnoringCase(u);
        assertThat(allEv.get(0).provider).isEqualToIgnoringCase(p);
        assertThat(allEv.get(0).newGeneration).isEqualTo(BigInteger.ONE);
        Account a = f.account(user1, p1);
        assertThat(a.generation).isEqualTo(BigInteger.ONE);
        assertThat(a.revokedBitmap).isZero();
        assertThat(inf(owner).isTokenRevoked(u, p, BigInteger.valueOf(5)).send()).isFalse();
        inf(user1).revokeAllTokens(p).send();
        assertThat(f.account(user1, p1).generation).isEqualTo(BigInteger.TWO);

        // an empty list is allowed and changes nothing
        inf(user1).revokeTokens(p, List.of()).send();
        assertThat(f.account(user1, p1).revokedBitmap).isZero();
    }

    // ------------------------------------------------------------------ user acknowledgement

    @Test
    void userRevokeAcknowledgementNeedsZeroBalance() throws Exception {
        String p = p1.getAddress();
        DecodedRevert r = revertOf(() -> inf(user1).acknowledgeTEESigner(p, false).send());
        assertThat(r.toString()).isEqualTo(
                "CannotRevokeWithNonZeroBalance(" + lc(user1) + ", " + lc(p1) + ", 2000000000000000000)");
        assertThat(f.account(user1, p1).acknowledged).isTrue();
        // acknowledging again is a no-op, and emits nothing
        TransactionReceipt same = inf(user1).acknowledgeTEESigner(p, true).send();
        assertThat(same.getLogs()).isEmpty();

        // empty the sub-account, then revoking works and blocks settlement
        f.retrieve(user1, p1);
        d.chain().increaseTime(InferenceFixture.LOCK_TIME.longValueExact());
        f.retrieve(user1, p1);
        assertThat(f.balance(user1, p1)).isZero();
        TransactionReceipt off = inf(user1).acknowledgeTEESigner(p, false).send();
        assertThat(off.getLogs()).isEmpty();
        assertThat(f.account(user1, p1).acknowledged).isFalse();

        f.ackProvider1();
        BigInteger n = f.nonce(0);
        assertThat(statuses(f.settle(p1, f.item(user1, BigInteger.ZERO, n)))).containsExactly(NO_TEE_SIGNER);
        assertThat(f.account(user1, p1).nonce).isZero();
        // any transferFund (even 0) re-acknowledges
        f.transfer(user1, p1, BigInteger.ZERO);
        assertThat(f.account(user1, p1).acknowledged).isTrue();
        assertThat(statuses(f.settle(p1, f.item(user1, BigInteger.ZERO, n)))).containsExactly(SUCCESS);
        assertThat(f.account(user1, p1).nonce).isEqualTo(n);
    }

    // ------------------------------------------------------------------ access and existence

    @Test
    void ledgerOnlyFunctionsRejectOtherCallers() throws Exception {
        String u = user1.getAddress();
        String p = p1.getAddress();
        for (Credentials caller : List.of(user1, owner)) {
            String expected = "CallerNotLedger(" + lc(caller) + ")";
            InferenceServing s = inf(caller);
            assertThat(revertOf(() -> s.addAccount(u, p2.getAddress(), "", Units.og(1)).send()).toString())
                    .isEqualTo(expected);
            assertThat(revertOf(() -> s.depositFund(u, p, BigInteger.ZERO, Units.og(1)).send()).toString())
                    .isEqualTo(expected);
            assertThat(revertOf(() -> s.requestRefundAll(u, p).send()).toString()).isEqualTo(expected);
            assertThat(revertOf(() -> s.processRefund(u, p).send()).toString()).isEqualTo(expected);
            assertThat(revertOf(() -> s.deleteAccount(u, p).send()).toString()).isEqualTo(expected);
        }
        assertThat(f.balance(user1, p1)).isEqualTo(Units.og(2));
    }

    @Test
    void missingAccountIsAccountNotExists() throws Exception {
        Credentials u = d.account(9);
        String expected = "AccountNotExists(" + lc(u) + ", " + lc(p1) + ")";
        String ua = u.getAddress();
        String p = p1.getAddress();
        assertThat(revertOf(() -> inf(owner).getAccount(ua, p).send()).toString()).isEqualTo(expected);
        assertThat(revertOf(() -> inf(owner).getPendingRefund(ua, p).send()).toString()).isEqualTo(expected);
        assertThat(revertOf(() -> inf(owner).isTokenRevoked(ua, p, BigInteger.ONE).send()).toString())
                .isEqualTo(expected);
        assertThat(revertOf(() -> inf(u).revokeToken(p, BigInteger.ONE).send()).toString()).isEqualTo(expected);
        assertThat(revertOf(() -> inf(u).revokeTokens(p, List.of(BigInteger.ONE)).send()).toString())
                .isEqualTo(expected);
        assertThat(revertOf(() -> inf(u).revokeAllTokens(p).send()).toString()).isEqualTo(expected);
        assertThat(revertOf(() -> inf(u).acknowledgeTEESigner(p, true).send()).toString()).isEqualTo(expected);
        assertThat(inf(owner).accountExists(ua, p).send()).isFalse();
    }

    @Test
    void missingServiceIsServiceNotExist() throws Exception {
        Credentials nobody = d.account(9);
        String expected = "ServiceNotExist(" + lc(nobody) + ")";
        String a = nobody.getAddress();
        assertThat(revertOf(() -> inf(owner).getService(a).send()).toString()).isEqualTo(expected);
        assertThat(revertOf(() -> inf(owner).acknowledgeTEESignerByOwner(a).send()).toString()).isEqualTo(expected);
        assertThat(revertOf(() -> inf(owner).revokeTEESignerAcknowledgement(a).send()).toString())
                .isEqualTo(expected);
        assertThat(revertOf(() -> inf(nobody).removeService().send()).toString()).isEqualTo(expected);
    }

    @Test
    void pageLimits() throws Exception {
        BigInteger l51 = BigInteger.valueOf(51);
        assertThat(revertOf(() -> inf(owner).getAllAccounts(BigInteger.ZERO, l51).send()).toString())
                .isEqualTo("LimitTooLarge(51, 50)");
        assertThat(revertOf(() -> inf(owner).getAllServices(BigInteger.ZERO, l51).send()).toString())
                .isEqualTo("LimitTooLarge(51, 50)");
        assertThat(revertOf(() -> inf(owner).getAccountsByProvider(p1.getAddress(), BigInteger.ZERO, l51).send())
                .toString()).isEqualTo("LimitTooLarge(51, 50)");
        assertThat(revertOf(() -> inf(owner).getAccountsByUser(user1.getAddress(), BigInteger.ZERO, l51).send())
                .toString()).isEqualTo("LimitTooLarge(51, 50)");
        // offset past the end: empty page, real total
        var beyond = inf(owner).getAllServices(BigInteger.TEN, BigInteger.ONE).send();
        assertThat(beyond.component1()).isEmpty();
        assertThat(beyond.component2()).isEqualTo(BigInteger.TWO);
        var page = inf(owner).getAllServices(BigInteger.ONE, BigInteger.valueOf(50)).send();
        assertThat(page.component1()).hasSize(1);
    }

    @Test
    void pageLimitZeroMeansFifty() throws Exception {
        // 2 fixture accounts + 2 users × 25 providers (providers need no registered service)
        for (int u = 6; u <= 7; u++) {
            Credentials user = d.account(u);
            f.ledger(user).addLedger("", Units.og(30)).send();
            for (int i = 0; i < 25; i++) {
                String provider = String.format("0x%040x", 0x1000 + i);
                f.ledger(user).transferFund(provider, InferenceFixture.SERVICE, Units.og(1)).send();
            }
        }
        var first = inf(owner).getAllAccounts(BigInteger.ZERO, BigInteger.ZERO).send();
        assertThat(first.component2()).isEqualTo(BigInteger.valueOf(52));
        assertThat(first.component1()).hasSize(50);
        var rest = inf(owner).getAllAccounts(BigInteger.valueOf(50), BigInteger.ZERO).send();
        assertThat(rest.component1()).hasSize(2);
        var byUser = inf(owner).getAccountsByUser(d.account(6).getAddress(), BigInteger.ZERO, BigInteger.ZERO).send();
        assertThat(byUser.component2()).isEqualTo(BigInteger.valueOf(25));
        assertThat(byUser.component1()).hasSize(25).allSatisfy(a -> assertThat(a.balance).isEqualTo(Units.og(1)));
        var byProvider = inf(owner).getAccountsByProvider(String.format("0x%040x", 0x1000), BigInteger.ZERO,
                BigInteger.ZERO).send();
        assertThat(byProvider.component2()).isEqualTo(BigInteger.TWO);
    }

    @Test
    void batchReadSizeLimit() throws Exception {
        List<String> users500 = new ArrayList<>(Collections.nCopies(499, d.account(9).getAddress()));
        users500.add(user1.getAddress());
        // 500 is allowed; read the raw answer (decoding 500 structs in web3j is slow): offset, length, ...
        var fn = new org.web3j.abi.datatypes.Function("getBatchAccountsByUsers",
                List.of(new org.web3j.abi.datatypes.DynamicArray<>(org.web3j.abi.datatypes.Address.class,
                        users500.stream().map(org.web3j.abi.datatypes.Address::new).toList())),
                List.of());
        String out = d.chain().txManager(p1).sendCall(f.proxy, org.web3j.abi.FunctionEncoder.encode(fn),
                org.web3j.protocol.core.DefaultBlockParameterName.LATEST);
        byte[] raw = Numeric.hexStringToByteArray(out);
        assertThat(new BigInteger(1, Arrays.copyOfRange(raw, 32, 64))).isEqualTo(BigInteger.valueOf(500));
        List<String> users501 = new ArrayList<>(users500);
        users501.add(owner.getAddress());
        assertThat(revertOf(() -> inf(p1).getBatchAccountsByUsers(users501).send()).toString())
                .isEqualTo("BatchSizeTooLarge(501, 500)");
    }

    @Test
    void lockTimeRange() throws Exception {
        assertThat(revertOf(() -> inf(owner).updateLockTime(BigInteger.valueOf(3599)).send()).toString())
                .isEqualTo("LockTimeOutOfRange(3599, 3600, 604800)");
        assertThat(revertOf(() -> inf(owner).updateLockTime(BigInteger.valueOf(604_801)).send()).toString())
                .isEqualTo("LockTimeOutOfRange(604801, 3600, 604800)");
        assertThat(revertOf(() -> inf(owner).updateLockTime(BigInteger.ZERO).send()).toString())
                .isEqualTo("LockTimeOutOfRange(0, 3600, 604800)");
        assertThat(inf(owner).lockTime().send()).isEqualTo(InferenceFixture.LOCK_TIME);
        inf(owner).updateLockTime(InferenceFixture.MAX_LOCK).send();
        assertThat(inf(owner).lockTime().send()).isEqualTo(InferenceFixture.MAX_LOCK);
        // the same value again still emits LockTimeUpdated
        TransactionReceipt same = inf(owner).updateLockTime(InferenceFixture.MAX_LOCK).send();
        var ev = InferenceServing.getLockTimeUpdatedEvents(same);
        assertThat(ev).hasSize(1);
        assertThat(ev.get(0).oldLockTime).isEqualTo(InferenceFixture.MAX_LOCK);
        assertThat(ev.get(0).newLockTime).isEqualTo(InferenceFixture.MAX_LOCK);
        inf(owner).updateLockTime(InferenceFixture.MIN_LOCK).send();
        assertThat(inf(owner).lockTime().send()).isEqualTo(InferenceFixture.MIN_LOCK);
        assertThat(inf(owner).MIN_LOCKTIME().send()).isEqualTo(InferenceFixture.MIN_LOCK);
        assertThat(inf(owner).MAX_LOCKTIME().send()).isEqualTo(InferenceFixture.MAX_LOCK);
    }

    @Test
    void settlementBatchSizeLimits() throws Exception {
        f.ackProvider1();
        assertThat(revertOf(() -> inf(p1).settleFeesWithTEE(List.of()).send()).toString())
                .isEqualTo("NoSettlementsProvided()");
        assertThat(revertOf(() -> inf(p1).previewSettlementResults(List.of()).send()).toString())
                .isEqualTo("NoSettlementsProvided()");
        BigInteger base = f.nonce(0);
        List<TEESettlementData> items = new ArrayList<>();
        for (int i = 0; i < 51; i++) {
            items.add(f.item(user1, BigInteger.ONE, base.add(BigInteger.valueOf(i))));
        }
        assertThat(revertOf(() -> inf(p1).settleFeesWithTEE(items).send()).toString())
                .isEqualTo("TooManySettlements(51, 50)");
        assertThat(revertOf(() -> inf(p1).previewSettlementResults(items).send()).toString())
                .isEqualTo("TooManySettlements(51, 50)");
        assertThat(f.account(user1, p1).nonce).isZero();
    }

    @Test
    void plainEthIsRejected() throws Exception {
        var tm = d.chain().txManager(user1);
        assertThat(revertOf(() -> tm.execute(f.proxy, "0x", Units.og(1))).toString())
                .isEqualTo("DirectDepositsDisabled()");
        assertThat(revertOf(() -> tm.execute(f.proxy, "0x", BigInteger.ZERO)).toString())
                .isEqualTo("DirectDepositsDisabled()");
    }

    @Test
    void initializeCannotBeCalledAgain() throws Exception {
        DecodedRevert r = revertOf(() -> inf(user1)
                .initialize(InferenceFixture.LOCK_TIME, user1.getAddress(), user1.getAddress()).send());
        assertThat(r.toString()).isEqualTo("AlreadyInitialized()");
        assertThat(inf(owner).owner().send()).isEqualToIgnoringCase(owner.getAddress());
        assertThat(inf(owner).ledgerAddress().send()).isEqualToIgnoringCase(d.contracts().ledger().proxy());
    }

    @Test
    void userEqualsProviderSurfacesAsCallFailedInTheLedger() throws Exception {
        BigInteger before = f.ledgerOf(user1).availableBalance;
        DecodedRevert r = revertOf(() -> f.transfer(user1, user1, Units.og(1)));
        assertThat(r.toString()).isEqualTo("CallFailed()");
        assertThat(f.ledgerOf(user1).availableBalance).isEqualTo(before);
        assertThat(inf(owner).accountExists(user1.getAddress(), user1.getAddress()).send()).isFalse();
    }

    @Test
    void supportsInterface() throws Exception {
        assertThat(inf(owner).supportsInterface(Numeric.hexStringToByteArray("0x160841b1")).send()).isTrue();
        assertThat(inf(owner).supportsInterface(Numeric.hexStringToByteArray("0x01ffc9a7")).send()).isTrue();
        assertThat(inf(owner).supportsInterface(Numeric.hexStringToByteArray("0xffffffff")).send()).isFalse();
        assertThat(inf(owner).supportsInterface(Numeric.hexStringToByteArray("0x00000000")).send()).isFalse();
    }

    // ------------------------------------------------------------------ signatures and statuses

    @Test
    void signatureEdgeCasesGiveStatus5WithoutRevert() throws Exception {
        f.ackProvider1();
        BigInteger n = f.nonce(0);
        TEESettlementData good = f.item(user1, FEE, n);
        byte[] sig = good.signature;
        byte[] r = Arrays.copyOfRange(sig, 0, 32);
        byte[] s = Arrays.copyOfRange(sig, 32, 64);
        int v = sig[64] & 0xff;
        assertThat(v).isIn(27, 28);

        // EIP-2098 compact form: r ‖ (yParity << 255 | s)
        BigInteger vs = new BigInteger(1, s).or(v == 28 ? BigInteger.ONE.shiftLeft(255) : BigInteger.ZERO);
        byte[] compact = concat(r, Numeric.toBytesPadded(vs, 32));
        byte[] vZeroOne = sig.clone();
        vZeroOne[64] = (byte) (v - 27);
        // the malleable twin (n − s, flipped v) recovers the same signer but is high-s
        byte[] highS = concat(r, Numeric.toBytesPadded(N.subtract(new BigInteger(1, s)), 32),
                new byte[] {(byte) (v == 27 ? 28 : 27)});
        byte[] digest = new TeeSettlement(InferenceFixture.REQUESTS_HASH, n, p1.getAddress(), user1.getAddress(), FEE)
                .digest(Eip712Domain.inference(d.chain().chainId(), f.proxy));
        assertThat(DigestSigner.recover(digest, highS)).isEqualToIgnoringCase(f.tee);
        byte[] tooLong = concat(sig, new byte[] {0});

        TEESettlementData wrongKey = f.signed(user1.getAddress(), p1.getAddress(), FEE, n, d.account(7).getEcKeyPair());
        TEESettlementData otherChain = withSig(good, DigestSigner.sign(new TeeSettlement(InferenceFixture.REQUESTS_HASH,
                n, p1.getAddress(), user1.getAddress(), FEE).digest(Eip712Domain.inference(16661, f.proxy)), f.teeKey));
        TEESettlementData otherContract = withSig(good, DigestSigner.sign(new TeeSettlement(
                InferenceFixture.REQUESTS_HASH, n, p1.getAddress(), user1.getAddress(), FEE)
                .digest(Eip712Domain.inference(d.chain().chainId(), d.contracts().fineTuning().proxy())), f.teeKey));
        TEESettlementData tamperedFee = new TEESettlementData(good.user, good.provider, FEE.add(BigInteger.ONE),
                good.requestsHash, good.nonce, good.signature);
        TEESettlementData tamperedHash = new TEESettlementData(good.user, good.provider, good.totalFee,
                new byte[32], good.nonce, good.signature);

        List<TEESettlementData> batch = List.of(
                withSig(good, compact), withSig(good, vZeroOne), withSig(good, highS), withSig(good, tooLong),
                withSig(good, new byte[0]), wrongKey, otherChain, otherContract, tamperedFee, tamperedHash,
                good);
        TransactionReceipt receipt = f.settle(p1, batch);
        assertThat(receipt.isStatusOK()).isTrue();
        List<Integer> st = statuses(receipt);
        assertThat(st.subList(0, 10)).containsOnly(INVALID_SIGNATURE);
        // none of the rejected items consumed the nonce, so the genuine one (same nonce) settles last
        assertThat(st.get(10)).isEqualTo(SUCCESS);
        assertThat(InferenceFixture.results(receipt).subList(0, 10)).allSatisfy(e -> {
            assertThat(e.unsettledAmount).isIn(FEE, FEE.add(BigInteger.ONE));
        });
        assertThat(f.balance(user1, p1)).isEqualTo(Units.og(2).subtract(FEE));
        assertThat(f.account(user1, p1).nonce).isEqualTo(n);
    }

    @Test
    void statusOrderAndZeroFee() throws Exception {
        f.ackProvider1();
        BigInteger n = f.nonce(0);
        Credentials stranger = d.account(9);
        // missing account → 5 (sic), whatever the signature
        TEESettlementData missing = f.item(stranger, FEE, n);
        // zero fee → SUCCESS and the nonce moves
        TEESettlementData zero = f.item(user1, BigInteger.ZERO, n);
        // same user, second item must have a higher nonce than the first
        TEESettlementData lowerInSameBatch = f.item(user1, FEE, n.subtract(BigInteger.ONE));
        TEESettlementData higherInSameBatch = f.item(user1, FEE, n.add(BigInteger.valueOf(5)));
        TransactionReceipt r = f.settle(p1, missing, zero, lowerInSameBatch, higherInSameBatch);
        assertThat(statuses(r)).containsExactly(INVALID_SIGNATURE, SUCCESS, INVALID_NONCE, SUCCESS);
        assertThat(InferenceFixture.results(r)).extracting(e -> e.unsettledAmount)
                .containsExactly(FEE, BigInteger.ZERO, FEE, BigInteger.ZERO);
        assertThat(f.account(user1, p1).nonce).isEqualTo(n.add(BigInteger.valueOf(5)));
        assertThat(f.balance(user1, p1)).isEqualTo(Units.og(2).subtract(FEE));
        // only the charged item touched the ledger
        assertThat(LedgerManager.getFundSpentEvents(r)).hasSize(1);

        // provider mismatch is checked before account existence
        TEESettlementData mismatchMissing = f.signed(stranger.getAddress(), p2.getAddress(), FEE, n, f.teeKey);
        assertThat(statuses(f.settle(p1, mismatchMissing))).containsExactly(PROVIDER_MISMATCH);

        // a zero TEE signer address can never settle, even when acknowledged
        ServiceParams noSigner = InferenceFixture.with(f.params1(),
                x -> x.teeSignerAddress = "0x0000000000000000000000000000000000000000");
        inf(p1).addOrUpdateService(noSigner, BigInteger.ZERO).send();
        f.ackProvider1();
        assertThat(statuses(f.settle(p1, f.item(user1, FEE, n.add(BigInteger.TEN))))).containsExactly(NO_TEE_SIGNER);

        // after removeService, existing accounts report PROVIDER_MISMATCH
        inf(p1).removeService().send();
        assertThat(statuses(f.settle(p1, f.item(user1, FEE, n.add(BigInteger.TEN))))).containsExactly(PROVIDER_MISMATCH);
        // ...but a missing account still reports 5 (account check comes first)
        assertThat(statuses(f.settle(p1, f.item(stranger, FEE, n.add(BigInteger.TEN))))).containsExactly(INVALID_SIGNATURE);
        assertThat(f.balance(user1, p1)).isEqualTo(Units.og(2).subtract(FEE));
    }

    @Test
    void previewSettlementResults() throws Exception {
        f.ackProvider1();
        BigInteger n = f.nonce(0);
        Credentials stranger = d.account(9);
        List<TEESettlementData> items = List.of(
                f.item(owner, Units.og(3), n),                                       // partial: 2 unsettled
                f.item(user1, FEE, n),                                               // success (omitted)
                f.item(stranger, FEE, n),                                            // 5
                InferenceFixture.withSignature(f.item(user1, FEE, n.add(BigInteger.ONE)), new byte[65]), // 5
                f.signed(user1.getAddress(), p2.getAddress(), FEE, n, f.teeKey));   // 2
        var preview = inf(p1).previewSettlementResults(items).send();
        assertThat(preview.component1()).containsExactly(lc(stranger), lc(user1), lc(user1));
        assertThat(preview.component2()).containsExactly(BigInteger.valueOf(5), BigInteger.valueOf(5), BigInteger.TWO);
        assertThat(preview.component3()).containsExactly(lc(owner));
        assertThat(preview.component4()).containsExactly(Units.og(2));
        // a different caller is a different provider: everything is a mismatch for provider2
        var fromP2 = inf(p2).previewSettlementResults(items.subList(0, 2)).send();
        assertThat(fromP2.component2()).containsExactly(BigInteger.TWO, BigInteger.TWO);
        // a view: nothing changed
        assertThat(f.account(user1, p1).nonce).isZero();
        assertThat(f.balance(owner, p1)).isEqualTo(Units.og(1));
        // and the real settlement agrees
        assertThat(statuses(f.settle(p1, items))).containsExactly(PARTIAL, SUCCESS, INVALID_SIGNATURE,
                INVALID_SIGNATURE, PROVIDER_MISMATCH);
    }

    @Test
    void settlementPaysOutOfTheServiceContractInOneTransfer() throws Exception {
        f.ackProvider1();
        BigInteger n = f.nonce(0);
        BigInteger contractBefore = d.chain().balanceOf(f.proxy);
        BigInteger ledgerBefore = d.chain().balanceOf(d.contracts().ledger().proxy());
        BigInteger providerBefore = f.eth(p1);
        TransactionReceipt r = f.settle(p1, f.item(owner, Units.og(3), n), f.item(user1, Units.og(1), n));
        BigInteger paid = Units.og(2); // owner's whole 1 + user1's 1
        assertThat(d.chain().balanceOf(f.proxy)).isEqualTo(contractBefore.subtract(paid));
        assertThat(d.chain().balanceOf(d.contracts().ledger().proxy())).isEqualTo(ledgerBefore);
        assertThat(f.eth(p1)).isEqualTo(providerBefore.add(paid).subtract(InferenceFixture.gasCost(r)));
        // event order per item: FundSpent (ledger) before BalanceUpdated (service), then TEESettlementResult
        List<Log> logs = r.getLogs();
        String fundSpent = org.web3j.abi.EventEncoder.encode(LedgerManager.FUNDSPENT_EVENT);
        String balanceUpdated = org.web3j.abi.EventEncoder.encode(InferenceServing.BALANCEUPDATED_EVENT);
        String result = org.web3j.abi.EventEncoder.encode(InferenceServing.TEESETTLEMENTRESULT_EVENT);
        assertThat(logs).extracting(l -> l.getTopics().get(0))
                .containsExactly(fundSpent, balanceUpdated, result, fundSpent, balanceUpdated, result);
    }

    // ------------------------------------------------------------------ helpers

    private static TEESettlementData withSig(TEESettlementData s, byte[] sig) {
        return InferenceFixture.withSignature(s, sig);
    }

    private static byte[] concat(byte[]... parts) {
        int len = 0;
        for (byte[] p : parts) {
            len += p.length;
        }
        byte[] out = new byte[len];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
