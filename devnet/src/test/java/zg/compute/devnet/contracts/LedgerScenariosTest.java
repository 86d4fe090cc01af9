package zg.compute.devnet.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static zg.compute.devnet.contracts.LedgerTestKit.FINE_TUNING;
import static zg.compute.devnet.contracts.LedgerTestKit.INFERENCE;
import static zg.compute.devnet.contracts.LedgerTestKit.ZERO_ADDRESS;
import static zg.compute.devnet.contracts.LedgerTestKit.addr;
import static zg.compute.devnet.contracts.LedgerTestKit.assertLedger;
import static zg.compute.devnet.contracts.LedgerTestKit.deployBareFineTuning;
import static zg.compute.devnet.contracts.LedgerTestKit.deployBareInference;
import static zg.compute.devnet.testing.Reverts.assertReason;
import static zg.compute.devnet.testing.Reverts.assertRevert;
import static zg.compute.devnet.contracts.LedgerTestKit.gasCost;
import static zg.compute.devnet.contracts.LedgerTestKit.lockTime;
import static zg.compute.devnet.contracts.LedgerTestKit.logsOf;
import static zg.compute.devnet.contracts.LedgerTestKit.lower;
import static zg.compute.devnet.contracts.LedgerTestKit.og;
import static zg.compute.devnet.contracts.LedgerTestKit.proxyOf;
import static zg.compute.devnet.contracts.LedgerTestKit.sub;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Function;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.contracts.LedgerTestKit.Sub;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.chain.ChainTransactionManager;
import zg.compute.protocol.contracts.bindings.FineTuningServing;
import zg.compute.protocol.contracts.bindings.InferenceServing;
import zg.compute.protocol.contracts.bindings.LedgerManager;

/**
 * Scenarios L1–L26 of contracts.md §10.1 against the real devnet. The reference fixture's
 * "inference-test"/"fine-tuning-test" are our "inference-v1.0"/"fine-tuning-v1.0" (type "inference",
 * version "v1.0"); its 86400 s lock time is the devnet's {@code lockTime()} (3600 s).
 * Signers as in the reference: owner = #0, user1 = #1, provider1 = #2, provider2 = #3.
 */
@ExtendWith(DevnetExtension.class)
class LedgerScenariosTest {

    private Devnet d;
    private Credentials owner;
    private Credentials user1;
    private Credentials provider1;
    private Credentials provider2;

    @BeforeEach
    void signers(Devnet devnet) {
        d = devnet;
        owner = d.account(0);
        user1 = d.account(1);
        provider1 = d.account(2);
        provider2 = d.account(3);
    }

    /** The reference fixture's two ledgers: owner 5 0G, user1 10 0G. */
    private void twoLedgers() throws Exception {
        d.ledger(owner).addLedger("", og(5)).send();
        d.ledger(user1).addLedger("", og(10)).send();
    }

    private TransactionReceipt retrieve(Credentials who, String service, String... providers) throws Exception {
        return d.ledger(who).retrieveFund(List.of(providers), service).send();
    }

    // ------------------------------------------------------------------ L1–L10: money

    @Test
    void l1_addLedgerAndListAllLedgers() throws Exception {
        assertThat(d.ledger(owner).getAllLedgers(BigInteger.ZERO, BigInteger.ZERO).send().component2())
                .isEqualTo(BigInteger.ZERO);
        twoLedgers();

        var page = d.ledger(owner).getAllLedgers(BigInteger.ZERO, BigInteger.ZERO).send();
        assertThat(page.component2()).isEqualTo(BigInteger.TWO);
        List<LedgerManager.Ledger> ledgers = page.component1();
        assertThat(ledgers).hasSize(2);
        assertThat(ledgers).extracting(l -> lower(l.user)).containsExactly(addr(owner), addr(user1));
        assertThat(ledgers).extracting(l -> l.availableBalance).containsExactly(og(5), og(10));
        assertThat(ledgers).extracting(l -> l.totalBalance).containsExactly(og(5), og(10));
        assertThat(ledgers).extracting(l -> l.additionalInfo).containsExactly("", "");
    }

    @Test
    void l2_depositFundAddsToExistingLedger() throws Exception {
        twoLedgers();
        TransactionReceipt r = d.ledger(owner).depositFund(og(1)).send();
        assertLedger(d, owner, og(6), og(6));
        assertThat(r.getLogs()).as("deposits emit no ledger event").isEmpty();
    }

    @Test
    void l3_transferFundToBothServicesMovesAvailableIntoSubAccounts() throws Exception {
        twoLedgers();
        String p1 = provider1.getAddress();
        BigInteger ledgerEth = d.chain().balanceOf(d.contracts().ledger().proxy());

        TransactionReceipt ft = d.ledger(owner).transferFund(p1, FINE_TUNING, og(1)).send();
        TransactionReceipt inf = d.ledger(owner).transferFund(p1, INFERENCE, og(1)).send();
        d.ledger(user1).transferFund(p1, FINE_TUNING, og(2)).send();
        d.ledger(user1).transferFund(p1, INFERENCE, og(2)).send();

        assertLedger(d, owner, og(3), og(5));
        assertLedger(d, user1, og(6), og(10));
        for (String svc : List.of(INFERENCE, FINE_TUNING)) {
            assertThat(sub(d, svc, owner, p1).balance()).isEqualTo(og(1));
            assertThat(sub(d, svc, user1, p1).balance()).isEqualTo(og(2));
            assertThat(sub(d, svc, owner, p1).pendingRefund()).isZero();
            assertThat(d.ledger(owner).getLedgerProviders(owner.getAddress(), svc).send())
                    .extracting(a -> lower((String) a)).containsExactly(lower(p1));
        }
        // the service emits BalanceUpdated(user, provider, newBalance, 0) on account creation
        var ftEvents = FineTuningServing.getBalanceUpdatedEvents(fromFineTuning(ft));
        assertThat(ftEvents).singleElement().satisfies(e -> {
            assertThat(lower(e.user)).isEqualTo(addr(owner));
            assertThat(lower(e.provider)).isEqualTo(lower(p1));
            assertThat(e.amount).isEqualTo(og(1));
            assertThat(e.pendingRefund).isZero();
        });
        assertThat(InferenceServing.getBalanceUpdatedEvents(fromInference(inf))).singleElement()
                .satisfies(e -> assertThat(e.amount).isEqualTo(og(1)));
        // ETH custody: 6 0G moved from the ledger to the two service contracts
        assertThat(d.chain().balanceOf(d.contracts().ledger().proxy())).isEqualTo(ledgerEth.subtract(og(6)));
        assertThat(d.chain().balanceOf(d.contracts().inference().proxy())).isEqualTo(og(3));
        assertThat(d.chain().balanceOf(d.contracts().fineTuning().proxy())).isEqualTo(og(3));
    }

    @Test
    void l4_transferAfterRetrieveCancelsPendingFirst() throws Exception {
        twoLedgers();
        String p1 = provider1.getAddress();
        BigInteger available = og(5);
        for (String svc : List.of(FINE_TUNING, INFERENCE)) {
            d.ledger(owner).transferFund(p1, svc, og(1)).send();
            available = available.subtract(og(1));
            retrieve(owner, svc, p1);
            assertThat(sub(d, svc, owner, p1).pendingRefund()).isEqualTo(og(1));
            assertLedger(d, owner, available, og(5));

            TransactionReceipt r = d.ledger(owner).transferFund(p1, svc, og("1.5")).send();
            available = available.subtract(og("0.5")); // 1 cancelled, only 0.5 new ETH
            Sub s = sub(d, svc, owner, p1);
            assertThat(s.balance()).isEqualTo(og("1.5"));
            assertThat(s.pendingRefund()).isZero();
            assertThat(s.validRefundsLength()).isZero();
            assertLedger(d, owner, available, og(5));
            BigInteger[] ev = balanceUpdated(svc, r).get(0);
            assertThat(ev).containsExactly(og("1.5"), BigInteger.ZERO);
        }
        assertLedger(d, owner, og(2), og(5));
    }

    @Test
    void l5_smallerTransferOnlyPartlyCancelsPending() throws Exception {
        twoLedgers();
        String p1 = provider1.getAddress();
        for (String svc : List.of(FINE_TUNING, INFERENCE)) {
            d.ledger(owner).transferFund(p1, svc, og(1)).send();
            retrieve(owner, svc, p1);
            BigInteger before = LedgerTestKit.ledgerOf(d, owner).availableBalance;

            d.ledger(owner).transferFund(p1, svc, og("0.5")).send();
            Sub s = sub(d, svc, owner, p1);
            assertThat(s.balance()).isEqualTo(og(1));
            assertThat(s.pendingRefund()).isEqualTo(og("0.5"));
            assertThat(s.validRefundsLength()).isEqualTo(BigInteger.ONE);
            assertLedger(d, owner, before, og(5)); // nothing new was sent
        }
        assertLedger(d, owner, og(3), og(5));
    }

    @Test
    void l6_refundSlotIsReusedAfterFullCancel() throws Exception {
        twoLedgers();
        String p1 = provider1.getAddress();
        d.ledger(owner).transferFund(p1, FINE_TUNING, og("1.5")).send();
        retrieve(owner, FINE_TUNING, p1);
        Sub s = sub(d, FINE_TUNING, owner, p1);
        assertThat(s.refundsArrayLength()).isEqualTo(1);
        assertThat(s.pendingRefund()).isEqualTo(og("1.5"));

        d.ledger(owner).transferFund(p1, FINE_TUNING, og(2)).send(); // cancels 1.5, sends 0.5
        s = sub(d, FINE_TUNING, owner, p1);
        assertThat(s.pendingRefund()).isZero();
        assertThat(s.balance()).isEqualTo(og(2));
        assertThat(s.validRefundsLength()).isZero();
        assertLedger(d, owner, og(3), og(5));

        TransactionReceipt r = retrieve(owner, FINE_TUNING, p1);
        s = sub(d, FINE_TUNING, owner, p1);
        assertThat(s.pendingRefund()).isEqualTo(og(2));
        assertThat(s.balance()).isEqualTo(og(2));
        assertThat(s.refundsArrayLength()).as("slot reused, not pushed").isEqualTo(1);
        assertThat(s.validRefundsLength()).isEqualTo(BigInteger.ONE);
        assertThat(FineTuningServing.getRefundRequestedEvents(fromFineTuning(r))).singleElement()
                .satisfies(e -> assertThat(e.index).isZero());
    }

    @Test
    void l7_refundIsBoundedByAvailableNotTotal() throws Exception {
        twoLedgers();
        d.ledger(owner).transferFund(provider1.getAddress(), FINE_TUNING, og(1)).send();
        assertRevert(() -> d.ledger(owner).refund(og(5)).send(), "InsufficientBalance", addr(owner));

        BigInteger wallet = d.chain().balanceOf(owner.getAddress());
        TransactionReceipt r = d.ledger(owner).refund(og(4)).send();
        assertThat(d.chain().balanceOf(owner.getAddress())).isEqualTo(wallet.add(og(4)).subtract(gasCost(r)));
        assertLedger(d, owner, BigInteger.ZERO, og(1)); // not deleted: total is still 1
        assertThat(sub(d, FINE_TUNING, owner, provider1.getAddress()).balance()).isEqualTo(og(1));
    }

    @Test
    void l8_retrieveOneSecondBeforeUnlockReturnsNothing() throws Exception {
        twoLedgers();
        String p1 = provider1.getAddress();
        BigInteger available = og(5);
        for (String svc : List.of(FINE_TUNING, INFERENCE)) {
            d.ledger(owner).transferFund(p1, svc, og(1)).send();
            available = available.subtract(og(1));
            retrieve(owner, svc, p1);
            long unlock = unlockOfFirstRefund(svc, owner, p1);

            d.chain().setNextBlockTimestamp(unlock - 1);
            TransactionReceipt r = retrieve(owner, svc, p1);
            assertThat(blockTime(r)).isEqualTo(unlock - 1);

            Sub s = sub(d, svc, owner, p1);
            assertThat(s.balance()).isEqualTo(og(1));
            assertThat(s.pendingRefund()).isEqualTo(og(1));
            assertThat(s.validRefundsLength()).isEqualTo(BigInteger.ONE);
            assertLedger(d, owner, available, og(5));
            assertThat(balanceUpdated(svc, r)).as("nothing released").isEmpty();
        }
    }

    @Test
    void l9_retrieveOneSecondAfterUnlockReturnsTheRefund() throws Exception {
        twoLedgers();
        String p1 = provider1.getAddress();
        for (String svc : List.of(FINE_TUNING, INFERENCE)) {
            d.ledger(owner).transferFund(p1, svc, og(1)).send();
            retrieve(owner, svc, p1);
            assertLedger(d, owner, og(4), og(5));
            long unlock = unlockOfFirstRefund(svc, owner, p1);

            d.chain().setNextBlockTimestamp(unlock + 1);
            TransactionReceipt r = retrieve(owner, svc, p1);
            assertThat(blockTime(r)).isEqualTo(unlock + 1);

            Sub s = sub(d, svc, owner, p1);
            assertThat(s.balance()).isZero();
            assertThat(s.pendingRefund()).isZero();
            assertThat(s.validRefundsLength()).isZero();
            assertLedger(d, owner, og(5), og(5));
            assertThat(balanceUpdated(svc, r)).singleElement()
                    .satisfies(ev -> assertThat(ev).containsExactly(BigInteger.ZERO, BigInteger.ZERO));
        }
    }

    /** The L8/L9 boundary itself: {@code now >= createdAt + lockTime} is inclusive. */
    @Test
    void l9_retrieveExactlyAtUnlockIsInclusive() throws Exception {
        twoLedgers();
        String p1 = provider1.getAddress();
        for (String svc : List.of(FINE_TUNING, INFERENCE)) {
            d.ledger(owner).transferFund(p1, svc, og(1)).send();
            retrieve(owner, svc, p1);
            long unlock = unlockOfFirstRefund(svc, owner, p1);
            d.chain().setNextBlockTimestamp(unlock);
            TransactionReceipt r = retrieve(owner, svc, p1);
            assertThat(blockTime(r)).isEqualTo(unlock);
            assertThat(sub(d, svc, owner, p1).balance()).isZero();
        }
        assertLedger(d, owner, og(5), og(5));
    }

    @Test
    void l10_fullExitAutoDeletesLedgerAndSubAccount() throws Exception {
        twoLedgers();
        String p1 = provider1.getAddress();
        d.ledger(owner).transferFund(p1, FINE_TUNING, og(1)).send();
        d.ledger(user1).transferFund(p1, FINE_TUNING, og(2)).send();
        retrieve(owner, FINE_TUNING, p1);
        retrieve(user1, FINE_TUNING, p1);
        d.chain().increaseTime(lockTime(d, FINE_TUNING).longValueExact() + 1);
        retrieve(owner, FINE_TUNING, p1);
        retrieve(user1, FINE_TUNING, p1);
        assertLedger(d, owner, og(5), og(5));
        assertLedger(d, user1, og(10), og(10));

        BigInteger wallet = d.chain().balanceOf(owner.getAddress());
        BigInteger available = LedgerTestKit.ledgerOf(d, owner).availableBalance;
        TransactionReceipt r = d.ledger(owner).refund(available).send();
        assertThat(d.chain().balanceOf(owner.getAddress())).isEqualTo(wallet.add(og(5)).subtract(gasCost(r)));

        assertRevert(() -> d.ledger(owner).getLedger(owner.getAddress()).send(), "LedgerNotExists", addr(owner));
        var all = d.fineTuning(owner).getAllAccounts(BigInteger.ZERO, BigInteger.ZERO).send();
        assertThat(all.component2()).isEqualTo(BigInteger.ONE);
        assertThat(all.component1()).singleElement().satisfies(a -> {
            assertThat(lower(a.user)).isEqualTo(addr(user1));
            assertThat(a.balance).isZero();
        });
        assertThat(FineTuningServing.getAccountDeletedEvents(fromFineTuning(r))).singleElement().satisfies(e -> {
            assertThat(lower(e.user)).isEqualTo(addr(owner));
            assertThat(lower(e.provider)).isEqualTo(lower(p1));
            assertThat(e.refundedAmount).isZero();
        });
        assertThat(d.fineTuning(owner).accountExists(owner.getAddress(), p1).send()).isFalse();
        var ledgers = d.ledger(owner).getAllLedgers(BigInteger.ZERO, BigInteger.ZERO).send();
        assertThat(ledgers.component2()).isEqualTo(BigInteger.ONE);
        assertThat(lower(ledgers.component1().get(0).user)).isEqualTo(addr(user1));
    }

    // ------------------------------------------------------------------ L11–L21: registry

    @Test
    void l11_registerBareInferenceServingAsNewService() throws Exception {
        String bare = deployBareInference(d);
        TransactionReceipt r = d.ledger(owner).registerService("inference-test", "v2.0", bare, "Test inference v2")
                .send();

        assertThat(LedgerManager.getServiceRegisteredEvents(fromLedger(r))).singleElement().satisfies(e -> {
            assertThat(lower(e.serviceAddress)).isEqualTo(lower(bare));
            assertThat(e.serviceName).isEqualTo("inference-test-v2.0");
        });
        LedgerManager.ServiceInfo info = d.ledger(owner).getServiceInfo(bare).send();
        assertThat(lower(info.serviceAddress)).isEqualTo(lower(bare));
        assertThat(lower(info.serviceContract)).isEqualTo(lower(bare));
        assertThat(info.serviceType).isEqualTo("inference-test");
        assertThat(info.version).isEqualTo("v2.0");
        assertThat(info.fullName).isEqualTo("inference-test-v2.0");
        assertThat(info.description).isEqualTo("Test inference v2");
        assertThat(info.isRecommended).isFalse();
        assertThat(info.registeredAt).isEqualTo(BigInteger.valueOf(blockTime(r)));
        assertThat(d.ledger(owner).getServiceAddressByName("inference-test-v2.0").send()).isEqualToIgnoringCase(bare);
        assertThat(d.ledger(owner).getAllActiveServices().send()).hasSize(3);
    }

    @Test
    void l12_getServiceAddressByNameReturnsTheProxies() throws Exception {
        LedgerManager lm = d.ledger(owner);
        assertThat(lm.getServiceAddressByName(INFERENCE).send()).isEqualToIgnoringCase(proxyOf(d, INFERENCE));
        assertThat(lm.getServiceAddressByName(FINE_TUNING).send()).isEqualToIgnoringCase(proxyOf(d, FINE_TUNING));
        assertThat(lm.getServiceAddressByName("inference-v9.9").send()).isEqualTo(ZERO_ADDRESS);
    }

    @Test
    void l13_getAllActiveServicesListsBothRecommended() throws Exception {
        @SuppressWarnings("unchecked")
        List<LedgerManager.ServiceInfo> all = d.ledger(owner).getAllActiveServices().send();
        assertThat(all).hasSizeGreaterThanOrEqualTo(2);
        assertThat(all).hasSize(2);
        assertThat(all).extracting(s -> s.fullName).containsExactly(INFERENCE, FINE_TUNING);
        assertThat(all).extracting(s -> s.serviceType).containsExactly("inference", "fine-tuning");
        assertThat(all).extracting(s -> lower(s.serviceAddress))
                .containsExactly(lower(proxyOf(d, INFERENCE)), lower(proxyOf(d, FINE_TUNING)));
        assertThat(all).allSatisfy(s -> {
            assertThat(s.isRecommended).isTrue();
            assertThat(s.version).isEqualTo("v1.0");
            assertThat(s.registeredAt).isPositive();
            assertThat(lower(s.serviceContract)).isEqualTo(lower(s.serviceAddress));
        });
    }

    @Test
    void l14_getRecommendedServicePerType() throws Exception {
        var inf = d.ledger(owner).getRecommendedService("inference").send();
        assertThat(inf.component1()).isEqualTo("v1.0");
        assertThat(inf.component2()).isEqualToIgnoringCase(proxyOf(d, INFERENCE));
        var ft = d.ledger(owner).getRecommendedService("fine-tuning").send();
        assertThat(ft.component1()).isEqualTo("v1.0");
        assertThat(ft.component2()).isEqualToIgnoringCase(proxyOf(d, FINE_TUNING));
    }

    @Test
    void l15_setRecommendedServiceSwitchesTheTypePointer() throws Exception {
        String v2 = deployBareInference(d);
        d.ledger(owner).registerService("inference", "v2.0", v2, "Inference v2").send();
        TransactionReceipt r = d.ledger(owner).setRecommendedService("inference", "v2.0").send();

        assertThat(LedgerManager.getRecommendedServiceUpdatedEvents(fromLedger(r))).singleElement().satisfies(e -> {
            assertThat(e.serviceType).isEqualTo("inference");
            assertThat(e.version).isEqualTo("v2.0");
            assertThat(lower(e.serviceAddress)).isEqualTo(lower(v2));
        });
        var rec = d.ledger(owner).getRecommendedService("inference").send();
        assertThat(rec.component1()).isEqualTo("v2.0");
        assertThat(rec.component2()).isEqualToIgnoringCase(v2);
        assertThat(d.ledger(owner).isRecommendedVersion("inference", "v1.0").send()).isFalse();
        assertThat(d.ledger(owner).isRecommendedVersion("inference", "v2.0").send()).isTrue();
        assertThat(d.ledger(owner).getServiceInfo(proxyOf(d, INFERENCE)).send().isRecommended).isFalse();
        assertThat(d.ledger(owner).getServiceInfo(v2).send().isRecommended).isTrue();
        // the other type is untouched
        assertThat(d.ledger(owner).isRecommendedVersion("fine-tuning", "v1.0").send()).isTrue();
    }

    @Test
    void l16_getAllVersionsReturnsAlignedArrays() throws Exception {
        String v2 = deployBareInference(d);
        String v3 = deployBareInference(d);
        String ftV2 = deployBareFineTuning(d);
        d.ledger(owner).registerService("inference", "v2.0", v2, "").send();
        d.ledger(owner).registerService("fine-tuning", "v2.0", ftV2, "").send();
        d.ledger(owner).registerService("inference", "v3.0", v3, "").send();

        var versions = d.ledger(owner).getAllVersions("inference").send();
        assertThat(versions.component1()).containsExactly("v1.0", "v2.0", "v3.0");
        assertThat(versions.component2()).extracting(LedgerTestKit::lower)
                .containsExactly(lower(proxyOf(d, INFERENCE)), lower(v2), lower(v3));
        assertThat(versions.component3()).containsExactly(true, false, false);

        var ftVersions = d.ledger(owner).getAllVersions("fine-tuning").send();
        assertThat(ftVersions.component1()).containsExactly("v1.0", "v2.0");
        assertThat(ftVersions.component3()).containsExactly(true, false);
        assertThat(d.ledger(owner).getAllVersions("inference-").send().component1()).as("exact type match").isEmpty();
    }

    @Test
    void l17_reRegisteringAnAddressFails() throws Exception {
        String proxy = proxyOf(d, INFERENCE);
        assertRevert(() -> d.ledger(owner).registerService("inference", "v9.9", proxy, "again").send(),
                "ServiceAlreadyRegistered", lower(proxy));
    }

    @Test
    void l18_registeringATakenNameFails() throws Exception {
        String bare = deployBareInference(d);
        assertRevert(() -> d.ledger(owner).registerService("inference", "v1.0", bare, "dup").send(),
                "ServiceNameExists", INFERENCE);
    }

    @Test
    void l19_recommendingAnUnknownVersionFails() throws Exception {
        assertRevert(() -> d.ledger(owner).setRecommendedService("inference", "v99.9").send(),
                "ServiceNotFound", ZERO_ADDRESS);
        // unchanged
        assertThat(d.ledger(owner).getRecommendedService("inference").send().component1()).isEqualTo("v1.0");
    }

    @Test
    void l20_noRecommendedServiceForUnknownType() throws Exception {
        assertRevert(() -> d.ledger(owner).getRecommendedService("non-existent-type").send(),
                "NoRecommendedService", "non-existent-type");
    }

    @Test
    void l21_nonOwnerCannotRegisterOrRecommend() throws Exception {
        String bare = deployBareInference(d);
        assertReason(() -> d.ledger(user1).registerService("inference", "v2.0", bare, "").send(),
                "Ownable: caller is not the owner");
        d.ledger(owner).registerService("inference", "v2.0", bare, "").send();
        assertReason(() -> d.ledger(user1).setRecommendedService("inference", "v2.0").send(),
                "Ownable: caller is not the owner");
        assertThat(d.ledger(owner).getRecommendedService("inference").send().component1()).isEqualTo("v1.0");
    }

    // ------------------------------------------------------------------ L22–L26: deposits and receive()

    @Test
    void l22_smallDepositOnExistingLedger() throws Exception {
        twoLedgers();
        d.ledger(owner).depositFund(og("0.001")).send();
        assertLedger(d, owner, og("5.001"), og("5.001"));
    }

    @Test
    void l23_depositFromNewAddressAutoCreatesLedger() throws Exception {
        Credentials fresh = d.account(4);
        assertRevert(() -> d.ledger(fresh).getLedger(fresh.getAddress()).send(), "LedgerNotExists", addr(fresh));
        BigInteger wallet = d.chain().balanceOf(fresh.getAddress());

        TransactionReceipt r = d.ledger(fresh).depositFund(og(5)).send();
        LedgerManager.Ledger l = LedgerTestKit.ledgerOf(d, fresh);
        assertThat(lower(l.user)).isEqualTo(addr(fresh));
        assertThat(l.availableBalance).isEqualTo(og(5));
        assertThat(l.totalBalance).isEqualTo(og(5));
        assertThat(l.additionalInfo).isEmpty();
        assertThat(d.chain().balanceOf(fresh.getAddress())).isEqualTo(wallet.subtract(og(5)).subtract(gasCost(r)));
        assertThat(d.ledger(fresh).getAllLedgers(BigInteger.ZERO, BigInteger.ZERO).send().component2())
                .isEqualTo(BigInteger.ONE);
    }

    @Test
    void l24_consecutiveDepositsAddUp() throws Exception {
        twoLedgers();
        d.ledger(owner).depositFund(og(1)).send();
        d.ledger(owner).depositFund(og("0.5")).send();
        assertLedger(d, owner, og("6.5"), og("6.5"));
    }

    @Test
    void l25_depositsInTheSameBlockFromExistingAndNewUser() throws Exception {
        twoLedgers();
        String data = FunctionEncoder.encode(new Function("depositFund", List.of(), List.of()));
        String ledger = d.contracts().ledger().proxy();
        ChainTransactionManager ownerTx = d.chain().txManager(owner);
        ChainTransactionManager p1Tx = d.chain().txManager(provider1);
        BigInteger gasPrice = d.chain().web3j().ethGasPrice().send().getGasPrice().multiply(BigInteger.TWO);
        BigInteger gasLimit = BigInteger.valueOf(500_000);

        d.chain().setAutomine(false);
        String h1;
        String h2;
        try {
            EthSendTransaction s1 = ownerTx.sendTransaction(gasPrice, gasLimit, ledger, data, og(1), false);
            EthSendTransaction s2 = p1Tx.sendTransaction(gasPrice, gasLimit, ledger, data, og(5), false);
            assertThat(s1.hasError()).as("%s", s1.getError()).isFalse();
            assertThat(s2.hasError()).as("%s", s2.getError()).isFalse();
            h1 = s1.getTransactionHash();
            h2 = s2.getTransactionHash();
            d.chain().mine();
        } finally {
            d.chain().setAutomine(true);
        }
        TransactionReceipt r1 = receipt(h1);
        TransactionReceipt r2 = receipt(h2);
        assertThat(r1.isStatusOK()).isTrue();
        assertThat(r2.isStatusOK()).isTrue();
        assertThat(r1.getBlockNumber()).as("same block").isEqualTo(r2.getBlockNumber());

        assertLedger(d, owner, og(6), og(6));
        assertLedger(d, provider1, og(5), og(5));
        assertLedger(d, user1, og(10), og(10));
        assertThat(d.ledger(owner).getAllLedgers(BigInteger.ZERO, BigInteger.ZERO).send().component2())
                .isEqualTo(BigInteger.valueOf(3));
    }

    @Test
    void l26_receiveDoesNotDoubleCountRetrievedFunds() throws Exception {
        twoLedgers();
        String p1 = provider1.getAddress();
        String ledger = d.contracts().ledger().proxy();
        String ft = d.contracts().fineTuning().proxy();
        d.ledger(owner).transferFund(p1, FINE_TUNING, og("1.5")).send();
        retrieve(owner, FINE_TUNING, p1);
        d.chain().increaseTime(lockTime(d, FINE_TUNING).longValueExact() + 1);

        BigInteger availableBefore = LedgerTestKit.ledgerOf(d, owner).availableBalance;
        BigInteger ledgerEth = d.chain().balanceOf(ledger);
        BigInteger ftEth = d.chain().balanceOf(ft);
        retrieve(owner, FINE_TUNING, p1);

        assertThat(LedgerTestKit.ledgerOf(d, owner).availableBalance).isEqualTo(availableBefore.add(og("1.5")));
        assertLedger(d, owner, og(5), og(5));
        assertLedger(d, user1, og(10), og(10)); // nobody else credited
        assertThat(d.chain().balanceOf(ledger)).isEqualTo(ledgerEth.add(og("1.5")));
        assertThat(d.chain().balanceOf(ft)).isEqualTo(ftEth.subtract(og("1.5")));
    }

    // ------------------------------------------------------------------ helpers

    private long unlockOfFirstRefund(String svc, Credentials user, String provider) throws Exception {
        Sub s = sub(d, svc, user, provider);
        assertThat(s.validRefundsLength()).isEqualTo(BigInteger.ONE);
        return s.refundCreatedAt().get(0).add(lockTime(d, svc)).longValueExact();
    }

    private long blockTime(TransactionReceipt r) throws Exception {
        return d.chain().web3j().ethGetBlockByHash(r.getBlockHash(), false).send().getBlock().getTimestamp()
                .longValueExact();
    }

    /** BalanceUpdated events of the given service in {@code r}, as [amount, pendingRefund]. */
    private List<BigInteger[]> balanceUpdated(String svc, TransactionReceipt all) {
        TransactionReceipt r = logsOf(all, proxyOf(d, svc));
        if (svc.equals(INFERENCE)) {
            return InferenceServing.getBalanceUpdatedEvents(r).stream()
                    .map(e -> new BigInteger[] {e.amount, e.pendingRefund}).toList();
        }
        return FineTuningServing.getBalanceUpdatedEvents(r).stream()
                .map(e -> new BigInteger[] {e.amount, e.pendingRefund}).toList();
    }

    private TransactionReceipt receipt(String hash) throws Exception {
        Optional<TransactionReceipt> r = d.chain().web3j().ethGetTransactionReceipt(hash).send()
                .getTransactionReceipt();
        assertThat(r).as("receipt of %s", hash).isPresent();
        return r.get();
    }

    private TransactionReceipt fromLedger(TransactionReceipt r) {
        return logsOf(r, d.contracts().ledger().proxy());
    }

    private TransactionReceipt fromInference(TransactionReceipt r) {
        return logsOf(r, proxyOf(d, INFERENCE));
    }

    private TransactionReceipt fromFineTuning(TransactionReceipt r) {
        return logsOf(r, proxyOf(d, FINE_TUNING));
    }
}
