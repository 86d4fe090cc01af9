package zg.compute.devnet.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static zg.compute.devnet.contracts.LedgerTestKit.FINE_TUNING;
import static zg.compute.devnet.contracts.LedgerTestKit.INFERENCE;
import static zg.compute.devnet.contracts.LedgerTestKit.MIN_ACCOUNT_BALANCE;
import static zg.compute.devnet.contracts.LedgerTestKit.MIN_TRANSFER_AMOUNT;
import static zg.compute.devnet.contracts.LedgerTestKit.ZERO_ADDRESS;
import static zg.compute.devnet.contracts.LedgerTestKit.addr;
import static zg.compute.devnet.contracts.LedgerTestKit.assertLedger;
import static zg.compute.devnet.contracts.LedgerTestKit.deployBareInference;
import static zg.compute.devnet.testing.Reverts.assertReason;
import static zg.compute.devnet.testing.Reverts.assertRevert;
import static zg.compute.devnet.contracts.LedgerTestKit.fakeAddress;
import static zg.compute.devnet.contracts.LedgerTestKit.gasCost;
import static zg.compute.devnet.contracts.LedgerTestKit.lockTime;
import static zg.compute.devnet.contracts.LedgerTestKit.logsOf;
import static zg.compute.devnet.contracts.LedgerTestKit.lower;
import static zg.compute.devnet.contracts.LedgerTestKit.og;
import static zg.compute.devnet.contracts.LedgerTestKit.proxyOf;
import static zg.compute.devnet.contracts.LedgerTestKit.sub;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.contracts.LedgerTestKit.Sub;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.contracts.bindings.FineTuningServing;
import zg.compute.protocol.contracts.bindings.InferenceServing;
import zg.compute.protocol.contracts.bindings.LedgerManager;

/**
 * Every LedgerManager revert a user or the owner can reach (contracts.md §2, §10.4, §11), each with
 * its exact custom error and arguments, plus the successful edge cases next to them.
 */
@ExtendWith(DevnetExtension.class)
class LedgerRevertsTest {

    private static final BigInteger MAX_INFO = BigInteger.valueOf(4096);

    private Devnet d;
    private Credentials owner;
    private Credentials user;
    private Credentials provider;
    private Credentials other;

    @BeforeEach
    void signers(Devnet devnet) {
        d = devnet;
        owner = d.account(0);
        user = d.account(1);
        provider = d.account(2);
        other = d.account(3);
    }

    private LedgerManager lm(Credentials c) {
        return d.ledger(c);
    }

    private TransactionReceipt retrieve(Credentials who, String service, String... providers) throws Exception {
        return lm(who).retrieveFund(List.of(providers), service).send();
    }

    // ------------------------------------------------------------------ addLedger

    @Test
    void addLedger_belowMinimum_MinimumDepositRequired() {
        assertRevert(() -> lm(user).addLedger("", og(1)).send(), "MinimumDepositRequired", og(1), MIN_ACCOUNT_BALANCE);
        assertRevert(() -> lm(user).addLedger("", MIN_ACCOUNT_BALANCE.subtract(BigInteger.ONE)).send(),
                "MinimumDepositRequired", MIN_ACCOUNT_BALANCE.subtract(BigInteger.ONE), MIN_ACCOUNT_BALANCE);
        assertRevert(() -> lm(user).addLedger("", BigInteger.ZERO).send(), "MinimumDepositRequired", BigInteger.ZERO,
                MIN_ACCOUNT_BALANCE);
    }

    @Test
    void addLedger_exactlyMinimumAndMaxLengthInfoIsAccepted() throws Exception {
        String info = "x".repeat(4096);
        lm(user).addLedger(info, MIN_ACCOUNT_BALANCE).send();
        LedgerManager.Ledger l = lm(user).getLedger(user.getAddress()).send();
        assertThat(l.additionalInfo).isEqualTo(info);
        assertThat(l.availableBalance).isEqualTo(MIN_ACCOUNT_BALANCE);
        assertThat(l.totalBalance).isEqualTo(MIN_ACCOUNT_BALANCE);
    }

    @Test
    void addLedger_additionalInfoTooLong() {
        assertRevert(() -> lm(user).addLedger("x".repeat(4097), og(3)).send(), "AdditionalInfoTooLong",
                BigInteger.valueOf(4097), MAX_INFO);
        // the length is in bytes, not characters: 2049 two-byte characters = 4098 bytes
        assertRevert(() -> lm(user).addLedger("é".repeat(2049), og(3)).send(), "AdditionalInfoTooLong",
                BigInteger.valueOf(4098), MAX_INFO);
        // the deposit check comes first
        assertRevert(() -> lm(user).addLedger("x".repeat(4097), og(1)).send(), "MinimumDepositRequired", og(1),
                MIN_ACCOUNT_BALANCE);
    }

    @Test
    void addLedger_twice_LedgerExists() throws Exception {
        lm(user).addLedger("", og(3)).send();
        assertRevert(() -> lm(user).addLedger("", og(3)).send(), "LedgerExists", addr(user));
        assertLedger(d, user, og(3), og(3));
    }

    // ------------------------------------------------------------------ updateAdditionalInfo

    @Test
    void updateAdditionalInfo_tooLong() throws Exception {
        lm(user).addLedger("old", og(3)).send();
        assertRevert(() -> lm(user).updateAdditionalInfo("y".repeat(4097)).send(), "AdditionalInfoTooLong",
                BigInteger.valueOf(4097), MAX_INFO);
        assertThat(lm(user).getLedger(user.getAddress()).send().additionalInfo).isEqualTo("old");
    }

    @Test
    void updateAdditionalInfo_withoutLedger_LedgerNotExists() {
        assertRevert(() -> lm(user).updateAdditionalInfo("{}").send(), "LedgerNotExists", addr(user));
        // the length check comes first
        assertRevert(() -> lm(user).updateAdditionalInfo("y".repeat(4097)).send(), "AdditionalInfoTooLong",
                BigInteger.valueOf(4097), MAX_INFO);
    }

    @Test
    void updateAdditionalInfo_emitsEventAndOnlyNewSubAccountsCopyIt() throws Exception {
        lm(user).addLedger("{\"v\":1}", og(5)).send();
        lm(user).transferFund(provider.getAddress(), INFERENCE, og(1)).send();

        TransactionReceipt r = lm(user).updateAdditionalInfo("{\"v\":2}").send();
        assertThat(LedgerManager.getLedgerInfoUpdatedEvents(fromLedger(r))).singleElement().satisfies(e -> {
            assertThat(lower(e.user)).isEqualTo(addr(user));
            assertThat(e.additionalInfo).isEqualTo("{\"v\":2}");
        });
        assertThat(lm(user).getLedger(user.getAddress()).send().additionalInfo).isEqualTo("{\"v\":2}");

        lm(user).transferFund(other.getAddress(), INFERENCE, og(1)).send();
        assertThat(d.inference(user).getAccount(user.getAddress(), provider.getAddress()).send().additionalInfo)
                .as("existing sub-account keeps its copy").isEqualTo("{\"v\":1}");
        assertThat(d.inference(user).getAccount(user.getAddress(), other.getAddress()).send().additionalInfo)
                .isEqualTo("{\"v\":2}");
    }

    // ------------------------------------------------------------------ depositFund / depositFundFor

    @Test
    void depositFund_zero_ZeroAmountNotAllowed() throws Exception {
        assertRevert(() -> lm(user).depositFund(BigInteger.ZERO).send(), "ZeroAmountNotAllowed");
        lm(user).addLedger("", og(3)).send();
        assertRevert(() -> lm(user).depositFund(BigInteger.ZERO).send(), "ZeroAmountNotAllowed");
    }

    @Test
    void depositFund_autoCreateBelowMinimum_MinimumDepositRequired() {
        assertRevert(() -> lm(user).depositFund(og(2)).send(), "MinimumDepositRequired", og(2), MIN_ACCOUNT_BALANCE);
        assertRevert(() -> lm(user).getLedger(user.getAddress()).send(), "LedgerNotExists", addr(user));
    }

    @Test
    void depositFundFor_zeroAddress_ZeroAddressNotAllowed() {
        assertRevert(() -> lm(user).depositFundFor(ZERO_ADDRESS, og(3)).send(), "ZeroAddressNotAllowed");
        // the address check comes before the amount check
        assertRevert(() -> lm(user).depositFundFor(ZERO_ADDRESS, BigInteger.ZERO).send(), "ZeroAddressNotAllowed");
    }

    @Test
    void depositFundFor_zeroAmount_ZeroAmountNotAllowed() {
        assertRevert(() -> lm(user).depositFundFor(other.getAddress(), BigInteger.ZERO).send(),
                "ZeroAmountNotAllowed");
    }

    @Test
    void depositFundFor_newRecipientBelowMinimum_MinimumDepositRequired() {
        assertRevert(() -> lm(user).depositFundFor(other.getAddress(), og(1)).send(), "MinimumDepositRequired", og(1),
                MIN_ACCOUNT_BALANCE);
    }

    @Test
    void depositFundFor_createsLedgerForSomeoneElseThenTopsItUp() throws Exception {
        String recipient = fakeAddress(1); // need not be able to sign anything
        BigInteger wallet = d.chain().balanceOf(user.getAddress());
        TransactionReceipt r = lm(user).depositFundFor(recipient, og(4)).send();

        LedgerManager.Ledger l = lm(user).getLedger(recipient).send();
        assertThat(lower(l.user)).isEqualTo(recipient);
        assertThat(l.availableBalance).isEqualTo(og(4));
        assertThat(l.totalBalance).isEqualTo(og(4));
        assertThat(l.additionalInfo).isEmpty();
        assertThat(r.getLogs()).isEmpty();
        assertThat(d.chain().balanceOf(user.getAddress())).isEqualTo(wallet.subtract(og(4)).subtract(gasCost(r)));
        assertRevert(() -> lm(user).getLedger(user.getAddress()).send(), "LedgerNotExists", addr(user));

        // an existing recipient takes any non-zero amount
        lm(other).depositFundFor(recipient, BigInteger.ONE).send();
        l = lm(user).getLedger(recipient).send();
        assertThat(l.availableBalance).isEqualTo(og(4).add(BigInteger.ONE));
        assertThat(l.totalBalance).isEqualTo(og(4).add(BigInteger.ONE));
    }

    // ------------------------------------------------------------------ refund

    @Test
    void refund_withoutLedger_LedgerNotExists() {
        assertRevert(() -> lm(user).refund(og(1)).send(), "LedgerNotExists", addr(user));
    }

    @Test
    void refund_moreThanAvailable_InsufficientBalance() throws Exception {
        lm(user).addLedger("", og(5)).send();
        assertRevert(() -> lm(user).refund(og(5).add(BigInteger.ONE)).send(), "InsufficientBalance", addr(user));
        lm(user).transferFund(provider.getAddress(), INFERENCE, og(1)).send();
        // total is 5 but only 4 are available
        assertRevert(() -> lm(user).refund(og(5)).send(), "InsufficientBalance", addr(user));
        assertLedger(d, user, og(4), og(5));
    }

    @Test
    void refund_leavingLessThanMinimum_MinimumDepositRequired() throws Exception {
        lm(user).addLedger("", og(5)).send();
        assertRevert(() -> lm(user).refund(og(3)).send(), "MinimumDepositRequired", og(2), MIN_ACCOUNT_BALANCE);
        assertRevert(() -> lm(user).refund(og(5).subtract(BigInteger.ONE)).send(), "MinimumDepositRequired",
                BigInteger.ONE, MIN_ACCOUNT_BALANCE);
        // leaving exactly the minimum is fine
        BigInteger wallet = d.chain().balanceOf(user.getAddress());
        TransactionReceipt r = lm(user).refund(og(2)).send();
        assertLedger(d, user, og(3), og(3));
        assertThat(d.chain().balanceOf(user.getAddress())).isEqualTo(wallet.add(og(2)).subtract(gasCost(r)));
        assertThat(r.getLogs()).isEmpty();
    }

    /**
     * refund of exactly everything available (with nothing left in sub-accounts) deletes the ledger and
     * every sub-account; the inference sub-account is soft-deleted, so re-creating it keeps its nonce
     * and token generation and the old settlement signature cannot be replayed.
     */
    @Test
    void refund_allAvailable_autoDeletesLedgerAndSubAccounts_softDelete() throws Exception {
        String p = provider.getAddress();
        LedgerTestKit.registerAcknowledgedInferenceProvider(d, provider);
        lm(user).addLedger("info", og(5)).send();
        lm(user).transferFund(p, INFERENCE, og(2)).send();
        lm(user).transferFund(p, FINE_TUNING, og(1)).send();
        d.inference(user).revokeAllTokens(p).send();
        d.inference(user).revokeToken(p, BigInteger.valueOf(3)).send();

        // the provider settles 0.5 at nonce 42: ledger total drops via spendFund
        InferenceServing.TEESettlementData item = LedgerTestKit.signedSettlement(d, user, provider, og("0.5"),
                BigInteger.valueOf(42));
        TransactionReceipt settled = LedgerTestKit.settle(d, provider, item);
        assertThat(InferenceServing.getTEESettlementResultEvents(settled)).singleElement()
                .satisfies(e -> assertThat(e.status).isZero());
        assertThat(LedgerManager.getFundSpentEvents(fromLedger(settled))).singleElement().satisfies(e -> {
            assertThat(lower(e.user)).isEqualTo(addr(user));
            assertThat(lower(e.service)).isEqualTo(lower(proxyOf(d, INFERENCE)));
            assertThat(e.amount).isEqualTo(og("0.5"));
        });
        assertLedger(d, user, og(2), og("4.5"));

        // exit: request, wait, collect, withdraw everything
        retrieve(user, INFERENCE, p);
        retrieve(user, FINE_TUNING, p);
        d.chain().increaseTime(lockTime(d, INFERENCE).max(lockTime(d, FINE_TUNING)).longValueExact() + 1);
        retrieve(user, INFERENCE, p);
        retrieve(user, FINE_TUNING, p);
        assertLedger(d, user, og("4.5"), og("4.5"));
        assertThat(sub(d, INFERENCE, user, p).balance()).isZero();

        BigInteger wallet = d.chain().balanceOf(user.getAddress());
        TransactionReceipt r = lm(user).refund(og("4.5")).send();
        assertThat(d.chain().balanceOf(user.getAddress())).isEqualTo(wallet.add(og("4.5")).subtract(gasCost(r)));

        assertRevert(() -> lm(user).getLedger(user.getAddress()).send(), "LedgerNotExists", addr(user));
        assertThat(InferenceServing.getAccountDeletedEvents(fromInference(r))).singleElement().satisfies(e -> {
            assertThat(lower(e.user)).isEqualTo(addr(user));
            assertThat(lower(e.provider)).isEqualTo(lower(p));
            assertThat(e.refundedAmount).isZero();
        });
        assertThat(FineTuningServing.getAccountDeletedEvents(fromFineTuning(r))).singleElement()
                .satisfies(e -> assertThat(lower(e.provider)).isEqualTo(lower(p)));
        assertThat(d.inference(user).accountExists(user.getAddress(), p).send()).isFalse();
        assertThat(d.fineTuning(user).accountExists(user.getAddress(), p).send()).isFalse();
        assertRevert(() -> d.inference(user).getAccount(user.getAddress(), p).send(), "AccountNotExists", addr(user),
                lower(p));
        assertThat(lm(user).getLedgerProviders(user.getAddress(), INFERENCE).send()).isEmpty();
        assertThat(lm(user).getLedgerProviders(user.getAddress(), FINE_TUNING).send()).isEmpty();
        assertThat(lm(user).getAllLedgers(BigInteger.ZERO, BigInteger.ZERO).send().component2()).isZero();

        // re-create: nonce and generation survive, everything else is fresh
        lm(user).addLedger("new", og(3)).send();
        lm(user).transferFund(p, INFERENCE, og(1)).send();
        InferenceServing.Account a = d.inference(user).getAccount(user.getAddress(), p).send();
        assertThat(a.nonce).isEqualTo(BigInteger.valueOf(42));
        assertThat(a.generation).isEqualTo(BigInteger.ONE);
        assertThat(a.revokedBitmap).isZero();
        assertThat(a.balance).isEqualTo(og(1));
        assertThat(a.pendingRefund).isZero();
        assertThat(a.validRefundsLength).isZero();
        assertThat(a.refunds).isEmpty();
        assertThat(a.additionalInfo).isEqualTo("new");
        assertThat(a.acknowledged).isTrue();
        assertThat(lm(user).getLedgerProviders(user.getAddress(), INFERENCE).send()).extracting(x -> lower((String) x))
                .containsExactly(lower(p));

        // the old signature is dead: INVALID_NONCE (4), nothing charged
        TransactionReceipt replay = LedgerTestKit.settle(d, provider, item);
        assertThat(InferenceServing.getTEESettlementResultEvents(replay)).singleElement().satisfies(e -> {
            assertThat(e.status).isEqualTo(BigInteger.valueOf(4));
            assertThat(e.unsettledAmount).isEqualTo(og("0.5"));
        });
        assertThat(LedgerManager.getFundSpentEvents(fromLedger(replay))).isEmpty();
        assertThat(sub(d, INFERENCE, user, p).balance()).isEqualTo(og(1));
        assertLedger(d, user, og(2), og(3));
    }

    // ------------------------------------------------------------------ transferFund

    @Test
    void transferFund_withoutLedger_LedgerNotExists() {
        assertRevert(() -> lm(user).transferFund(provider.getAddress(), INFERENCE, og(1)).send(), "LedgerNotExists",
                addr(user));
        // the ledger check comes before the service lookup
        assertRevert(() -> lm(user).transferFund(provider.getAddress(), "nope", og(1)).send(), "LedgerNotExists",
                addr(user));
    }

    @Test
    void transferFund_unknownService_ServiceNotFoundZero() throws Exception {
        lm(user).addLedger("", og(5)).send();
        assertRevert(() -> lm(user).transferFund(provider.getAddress(), "inference-v9.9", og(1)).send(),
                "ServiceNotFound", ZERO_ADDRESS);
        assertRevert(() -> lm(user).transferFund(provider.getAddress(), "inference", og(1)).send(), "ServiceNotFound",
                ZERO_ADDRESS);
    }

    @Test
    void transferFund_newSubAccountBelowMinimum_MinimumDepositRequired() throws Exception {
        lm(user).addLedger("", og(5)).send();
        for (String svc : List.of(INFERENCE, FINE_TUNING)) {
            assertRevert(() -> lm(user).transferFund(provider.getAddress(), svc, og("0.5")).send(),
                    "MinimumDepositRequired", og("0.5"), MIN_TRANSFER_AMOUNT);
            assertRevert(() -> lm(user).transferFund(provider.getAddress(), svc, BigInteger.ZERO).send(),
                    "MinimumDepositRequired", BigInteger.ZERO, MIN_TRANSFER_AMOUNT);
            // exactly the minimum opens it; later top-ups have no minimum
            lm(user).transferFund(provider.getAddress(), svc, MIN_TRANSFER_AMOUNT).send();
            lm(user).transferFund(provider.getAddress(), svc, BigInteger.ONE).send();
            assertThat(sub(d, svc, user, provider.getAddress()).balance()).isEqualTo(og(1).add(BigInteger.ONE));
        }
        assertLedger(d, user, og(3).subtract(BigInteger.TWO), og(5));
    }

    @Test
    void transferFund_moreThanAvailable_InsufficientAvailableBalance() throws Exception {
        lm(user).addLedger("", og(5)).send();
        assertRevert(() -> lm(user).transferFund(provider.getAddress(), INFERENCE, og(6)).send(),
                "InsufficientAvailableBalance", og(5), og(6));

        // on an existing account the pending refund is netted first: need 6 − 1 = 5, have 4
        lm(user).transferFund(provider.getAddress(), INFERENCE, og(1)).send();
        retrieve(user, INFERENCE, provider.getAddress());
        assertRevert(() -> lm(user).transferFund(provider.getAddress(), INFERENCE, og(6)).send(),
                "InsufficientAvailableBalance", og(4), og(5));
        // 5 = 1 cancelled + 4 new fits exactly
        lm(user).transferFund(provider.getAddress(), INFERENCE, og(5)).send();
        assertLedger(d, user, BigInteger.ZERO, og(5));
        Sub s = sub(d, INFERENCE, user, provider.getAddress());
        assertThat(s.balance()).isEqualTo(og(5));
        assertThat(s.pendingRefund()).isZero();
    }

    @Test
    void transferFund_51stProviderForOneService_TooManyProvidersForService() throws Exception {
        lm(user).addLedger("", og(60)).send();
        for (int i = 0; i < 50; i++) {
            lm(user).transferFund(fakeAddress(i), INFERENCE, og(1)).send();
        }
        assertThat(lm(user).getLedgerProviders(user.getAddress(), INFERENCE).send()).hasSize(50);
        assertRevert(() -> lm(user).transferFund(fakeAddress(50), INFERENCE, og(1)).send(),
                "TooManyProvidersForService", BigInteger.valueOf(50), BigInteger.valueOf(50));

        // known providers can still be topped up, and the cap is per service
        lm(user).transferFund(fakeAddress(0), INFERENCE, og(1)).send();
        lm(user).transferFund(fakeAddress(50), FINE_TUNING, og(1)).send();
        assertThat(sub(d, INFERENCE, user, fakeAddress(0)).balance()).isEqualTo(og(2));
        assertLedger(d, user, og(8), og(60));
    }

    @Test
    void transferFund_userAsOwnInferenceProvider_CallFailed() throws Exception {
        lm(user).addLedger("", og(5)).send();
        // inference addAccount reverts ProviderCannotBeUser(); the low-level call surfaces it as CallFailed()
        assertRevert(() -> lm(user).transferFund(user.getAddress(), INFERENCE, og(1)).send(), "CallFailed");
        assertThat(lm(user).getLedgerProviders(user.getAddress(), INFERENCE).send()).isEmpty();
        assertLedger(d, user, og(5), og(5));
        // fine-tuning does no address validation, so the same transfer goes through there
        lm(user).transferFund(user.getAddress(), FINE_TUNING, og(1)).send();
        assertThat(sub(d, FINE_TUNING, user, user.getAddress()).balance()).isEqualTo(og(1));
    }

    @Test
    void transferFund_zeroOnExistingAccount_reSetsAcknowledged() throws Exception {
        String p = provider.getAddress();
        lm(user).addLedger("", og(5)).send();
        for (String svc : List.of(INFERENCE, FINE_TUNING)) {
            lm(user).transferFund(p, svc, og(1)).send();
        }
        retrieve(user, INFERENCE, p);
        retrieve(user, FINE_TUNING, p);
        d.chain().increaseTime(lockTime(d, INFERENCE).max(lockTime(d, FINE_TUNING)).longValueExact() + 1);
        retrieve(user, INFERENCE, p);
        retrieve(user, FINE_TUNING, p);
        // balance is 0 now, so the user may revoke the acknowledgement
        d.inference(user).acknowledgeTEESigner(p, false).send();
        d.fineTuning(user).acknowledgeTEESigner(p, false).send();
        assertThat(sub(d, INFERENCE, user, p).acknowledged()).isFalse();
        assertThat(sub(d, FINE_TUNING, user, p).acknowledged()).isFalse();

        TransactionReceipt ri = lm(user).transferFund(p, INFERENCE, BigInteger.ZERO).send();
        TransactionReceipt rf = lm(user).transferFund(p, FINE_TUNING, BigInteger.ZERO).send();
        for (String svc : List.of(INFERENCE, FINE_TUNING)) {
            Sub s = sub(d, svc, user, p);
            assertThat(s.acknowledged()).as("%s acknowledged", svc).isTrue();
            assertThat(s.balance()).isZero();
            assertThat(s.pendingRefund()).isZero();
        }
        assertThat(InferenceServing.getBalanceUpdatedEvents(fromInference(ri))).singleElement().satisfies(e -> {
            assertThat(e.amount).isZero();
            assertThat(e.pendingRefund).isZero();
        });
        assertThat(FineTuningServing.getBalanceUpdatedEvents(fromFineTuning(rf))).singleElement()
                .satisfies(e -> assertThat(e.amount).isZero());
        assertLedger(d, user, og(5), og(5));
    }

    // ------------------------------------------------------------------ retrieveFund

    @Test
    void retrieveFund_21Providers_TooManyProviders() throws Exception {
        lm(user).addLedger("", og(5)).send();
        List<String> twentyOne = new ArrayList<>();
        for (int i = 0; i < 21; i++) {
            twentyOne.add(fakeAddress(i));
        }
        assertRevert(() -> lm(user).retrieveFund(twentyOne, INFERENCE).send(), "TooManyProviders",
                BigInteger.valueOf(21), BigInteger.valueOf(20));
        // checked before the service name and the ledger
        assertRevert(() -> lm(other).retrieveFund(twentyOne, "nope").send(), "TooManyProviders",
                BigInteger.valueOf(21), BigInteger.valueOf(20));
        // 20 is fine; providers without an account are skipped
        lm(user).retrieveFund(twentyOne.subList(0, 20), INFERENCE).send();
        assertLedger(d, user, og(5), og(5));
    }

    @Test
    void retrieveFund_unknownService_ServiceNotFoundZero() throws Exception {
        lm(user).addLedger("", og(5)).send();
        assertRevert(() -> lm(user).retrieveFund(List.of(provider.getAddress()), "fine-tuning-v9.9").send(),
                "ServiceNotFound", ZERO_ADDRESS);
        // checked before the ledger
        assertRevert(() -> lm(other).retrieveFund(List.of(provider.getAddress()), "nope").send(), "ServiceNotFound",
                ZERO_ADDRESS);
    }

    @Test
    void retrieveFund_withoutLedger_LedgerNotExists() {
        assertRevert(() -> lm(user).retrieveFund(List.of(provider.getAddress()), INFERENCE).send(), "LedgerNotExists",
                addr(user));
        assertRevert(() -> lm(user).retrieveFund(List.of(), FINE_TUNING).send(), "LedgerNotExists", addr(user));
    }

    @Test
    void retrieveFund_sixthActiveRefund_TooManyRefundsBubblesUp() throws Exception {
        String p = provider.getAddress();
        lm(user).addLedger("", og(5)).send();
        for (String svc : List.of(INFERENCE, FINE_TUNING)) {
            lm(user).transferFund(p, svc, og(1)).send();
            retrieve(user, svc, p); // refund #1: 1
            // each top-up smaller than the newest refund cancels only part of it, which frees that much;
            // the next request turns it into a new refund
            String[] topUps = {"0.5", "0.25", "0.125", "0.0625"};
            for (String t : topUps) {
                lm(user).transferFund(p, svc, og(t)).send();
                retrieve(user, svc, p);
            }
            Sub s = sub(d, svc, user, p);
            assertThat(s.validRefundsLength()).isEqualTo(BigInteger.valueOf(5));
            assertThat(s.pendingRefund()).isEqualTo(og(1));
            assertThat(s.balance()).isEqualTo(og(1));

            // with a zero free pool a further request creates nothing and does not revert
            TransactionReceipt r = retrieve(user, svc, p);
            assertThat(sub(d, svc, user, p).validRefundsLength()).isEqualTo(BigInteger.valueOf(5));
            if (svc.equals(INFERENCE)) {
                assertThat(InferenceServing.getRefundRequestedEvents(fromInference(r))).singleElement()
                        .satisfies(e -> assertThat(e.index).isEqualTo(BigInteger.valueOf(4)));
            }

            lm(user).transferFund(p, svc, og("0.01")).send(); // frees 0.01
            assertRevert(() -> retrieve(user, svc, p), "TooManyRefunds", addr(user), lower(p));
            s = sub(d, svc, user, p);
            assertThat(s.validRefundsLength()).isEqualTo(BigInteger.valueOf(5));
            assertThat(s.pendingRefund()).isEqualTo(og("0.99"));
        }
        assertLedger(d, user, og(3), og(5));
    }

    // ------------------------------------------------------------------ deleteLedger

    @Test
    void deleteLedger_withoutLedger_LedgerNotExists() {
        assertRevert(() -> lm(user).deleteLedger().send(), "LedgerNotExists", addr(user));
    }

    @Test
    void deleteLedger_withFunds_MustWithdrawAllFundsFirst() throws Exception {
        lm(user).addLedger("", og(5)).send();
        assertRevert(() -> lm(user).deleteLedger().send(), "MustWithdrawAllFundsFirst", og(5));
        lm(user).transferFund(provider.getAddress(), INFERENCE, og(5)).send();
        // available is 0 but the sub-account still holds funds
        assertRevert(() -> lm(user).deleteLedger().send(), "MustWithdrawAllFundsFirst", og(5));
        assertLedger(d, user, BigInteger.ZERO, og(5));
    }

    @Test
    void deleteLedger_afterSettlementSpentEverything_deletesLedgerAndSubAccounts() throws Exception {
        String p = provider.getAddress();
        LedgerTestKit.registerAcknowledgedInferenceProvider(d, provider);
        lm(user).addLedger("", og(3)).send();
        lm(user).transferFund(p, INFERENCE, og(3)).send();
        TransactionReceipt s = LedgerTestKit.settle(d, provider,
                LedgerTestKit.signedSettlement(d, user, provider, og(3), BigInteger.ONE));
        assertThat(InferenceServing.getTEESettlementResultEvents(s)).singleElement()
                .satisfies(e -> assertThat(e.status).isZero());
        assertLedger(d, user, BigInteger.ZERO, BigInteger.ZERO); // exists, but empty

        TransactionReceipt r = lm(user).deleteLedger().send();
        assertRevert(() -> lm(user).getLedger(user.getAddress()).send(), "LedgerNotExists", addr(user));
        assertThat(InferenceServing.getAccountDeletedEvents(fromInference(r))).singleElement().satisfies(e -> {
            assertThat(lower(e.user)).isEqualTo(addr(user));
            assertThat(lower(e.provider)).isEqualTo(lower(p));
            assertThat(e.refundedAmount).isZero();
        });
        assertThat(d.inference(user).accountExists(user.getAddress(), p).send()).isFalse();
        assertThat(lm(user).getLedgerProviders(user.getAddress(), INFERENCE).send()).isEmpty();
        assertRevert(() -> lm(user).deleteLedger().send(), "LedgerNotExists", addr(user));
    }

    // ------------------------------------------------------------------ spendFund / receive

    @Test
    void spendFund_fromNonService_CallerNotRegisteredService() throws Exception {
        lm(user).addLedger("", og(5)).send();
        lm(user).transferFund(provider.getAddress(), INFERENCE, og(2)).send();
        assertRevert(() -> lm(provider).spendFund(user.getAddress(), og(1)).send(), "CallerNotRegisteredService",
                addr(provider));
        assertRevert(() -> lm(owner).spendFund(user.getAddress(), og(1)).send(), "CallerNotRegisteredService",
                addr(owner));
        assertLedger(d, user, og(3), og(5));
    }

    @Test
    void plainEthToLedger_DirectDepositsDisabled() throws Exception {
        String ledger = d.contracts().ledger().proxy();
        BigInteger before = d.chain().balanceOf(ledger);
        assertRevert(() -> d.chain().txManager(user).execute(ledger, "0x", og(1)), "DirectDepositsDisabled");
        // also from a user that has a ledger, and from the owner
        lm(user).addLedger("", og(3)).send();
        assertRevert(() -> d.chain().txManager(user).execute(ledger, "0x", og(1)), "DirectDepositsDisabled");
        assertRevert(() -> d.chain().txManager(owner).execute(ledger, "0x", BigInteger.ONE), "DirectDepositsDisabled");
        assertThat(d.chain().balanceOf(ledger)).isEqualTo(before.add(og(3)));
        assertLedger(d, user, og(3), og(3));
    }

    // ------------------------------------------------------------------ views

    @Test
    void views_unknownLedgerAndService() throws Exception {
        assertRevert(() -> lm(user).getLedger(other.getAddress()).send(), "LedgerNotExists", addr(other));
        assertRevert(() -> lm(user).getLedgerProviders(user.getAddress(), "nope").send(), "ServiceNotFound",
                ZERO_ADDRESS);
        LedgerManager.ServiceInfo unknown = lm(user).getServiceInfo(fakeAddress(7)).send();
        assertThat(unknown.serviceAddress).isEqualTo(ZERO_ADDRESS);
        assertThat(unknown.fullName).isEmpty();
        assertThat(lm(user).isRecommendedVersion("inference", "v9.9").send()).isFalse();
    }

    // ------------------------------------------------------------------ registry (owner)

    @Test
    void registerService_zeroAddress_InvalidServiceAddress() {
        assertRevert(() -> lm(owner).registerService("inference", "v2.0", ZERO_ADDRESS, "").send(),
                "InvalidServiceAddress", ZERO_ADDRESS);
        // checked first
        assertRevert(() -> lm(owner).registerService("", "", ZERO_ADDRESS, "").send(), "InvalidServiceAddress",
                ZERO_ADDRESS);
    }

    @Test
    void registerService_emptyType_ServiceTypeRequired() throws Exception {
        String bare = deployBareInference(d);
        assertRevert(() -> lm(owner).registerService("", "v2.0", bare, "").send(), "ServiceTypeRequired");
        assertRevert(() -> lm(owner).registerService("", "", bare, "").send(), "ServiceTypeRequired");
    }

    @Test
    void registerService_emptyVersion_VersionRequired() throws Exception {
        String bare = deployBareInference(d);
        assertRevert(() -> lm(owner).registerService("inference", "", bare, "").send(), "VersionRequired");
    }

    @Test
    void registerService_sameAddressTwice_ServiceAlreadyRegistered() throws Exception {
        String bare = deployBareInference(d);
        lm(owner).registerService("inference", "v2.0", bare, "").send();
        assertRevert(() -> lm(owner).registerService("inference", "v3.0", bare, "").send(),
                "ServiceAlreadyRegistered", lower(bare));
        // an already-registered address is reported before a clashing name
        assertRevert(() -> lm(owner).registerService("fine-tuning", "v1.0", proxyOf(d, INFERENCE), "").send(),
                "ServiceAlreadyRegistered", lower(proxyOf(d, INFERENCE)));
    }

    @Test
    void registerService_takenFullName_ServiceNameExists() throws Exception {
        String bare = deployBareInference(d);
        assertRevert(() -> lm(owner).registerService("fine-tuning", "v1.0", bare, "").send(), "ServiceNameExists",
                FINE_TUNING);
        // fullName is type + "-" + version, so a different split can collide too
        lm(owner).registerService("a-b", "c", bare, "").send();
        String bare2 = deployBareInference(d);
        assertRevert(() -> lm(owner).registerService("a", "b-c", bare2, "").send(), "ServiceNameExists", "a-b-c");
    }

    @Test
    void registerService_eoa_ServiceMustImplementIServing() {
        assertRevert(() -> lm(owner).registerService("inference", "v2.0", user.getAddress(), "").send(),
                "ServiceMustImplementIServing", addr(user));
    }

    @Test
    void registerService_nonIServingContract_ServiceMustImplementIServing() throws Exception {
        String impl = d.contracts().ledger().implementation();
        assertRevert(() -> lm(owner).registerService("inference", "v2.0", impl, "").send(),
                "ServiceMustImplementIServing", lower(impl));
        String beacon = d.contracts().inference().beacon();
        assertRevert(() -> lm(owner).registerService("inference", "v2.0", beacon, "").send(),
                "ServiceMustImplementIServing", lower(beacon));
        assertThat(lm(owner).getAllActiveServices().send()).hasSize(2);
    }

    @Test
    void registerService_nonOwner_OwnableRevert() throws Exception {
        String bare = deployBareInference(d);
        assertReason(() -> lm(user).registerService("inference", "v2.0", bare, "").send(),
                "Ownable: caller is not the owner");
        // onlyOwner runs before every argument check
        assertReason(() -> lm(user).registerService("", "", ZERO_ADDRESS, "").send(),
                "Ownable: caller is not the owner");
    }

    @Test
    void setRecommendedService_unknown_ServiceNotFoundZero() {
        assertRevert(() -> lm(owner).setRecommendedService("inference", "v2.0").send(), "ServiceNotFound",
                ZERO_ADDRESS);
        assertRevert(() -> lm(owner).setRecommendedService("inference-v1.0", "").send(), "ServiceNotFound",
                ZERO_ADDRESS);
    }

    @Test
    void setRecommendedService_nonOwner_OwnableRevert() {
        assertReason(() -> lm(user).setRecommendedService("inference", "v1.0").send(),
                "Ownable: caller is not the owner");
    }

    @Test
    void getRecommendedService_noneForType_NoRecommendedService() throws Exception {
        assertRevert(() -> lm(user).getRecommendedService("text-to-image").send(), "NoRecommendedService",
                "text-to-image");
        // registering alone does not recommend
        String bare = deployBareInference(d);
        lm(owner).registerService("text-to-image", "v1.0", bare, "").send();
        assertRevert(() -> lm(user).getRecommendedService("text-to-image").send(), "NoRecommendedService",
                "text-to-image");
    }

    @Test
    void initialize_twice_AlreadyInitialized() throws Exception {
        assertRevert(() -> lm(owner).initialize(user.getAddress()).send(), "AlreadyInitialized");
        assertRevert(() -> lm(user).initialize(user.getAddress()).send(), "AlreadyInitialized");
        assertThat(lm(user).owner().send()).isEqualToIgnoringCase(owner.getAddress());
        // the implementation locked itself in its constructor
        LedgerManager impl = LedgerManager.load(d.contracts().ledger().implementation(), d.chain().web3j(),
                d.chain().txManager(user), d.chain().gasProvider());
        assertRevert(() -> impl.initialize(user.getAddress()).send(), "AlreadyInitialized");
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
