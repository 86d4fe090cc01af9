package zg.compute.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.units.Units;

@ExtendWith(DevnetExtension.class)
class LedgerBrokerTest {

    private static final String LEDGER_NOT_EXISTS =
            "Account does not exist. Please create an account first using \"add-account\".";

    private static BigInteger gasCost(TransactionReceipt r) {
        return r.getGasUsed().multiply(Numeric.decodeQuantity(r.getEffectiveGasPrice()));
    }

    @Test
    void addLedgerDepositsIntoANewAccountAndReturnsHashAndReceipt(Devnet d) {
        Credentials u = d.account(1);
        BigInteger before = d.chain().balanceOf(u.getAddress());
        try (var b = SdkFixtures.broker(d, u)) {
            TxResult tx = b.ledger().addLedger(Amount.og("10"));
            assertThat(tx.hash()).isEqualTo(tx.receipt().getTransactionHash()).startsWith("0x");
            assertThat(tx.receipt().isStatusOK()).isTrue();
            LedgerInfo l = b.ledger().getLedger();
            assertThat(l.user()).isEqualTo(b.ledger().userAddress());
            assertThat(l.availableBalance()).isEqualTo(Units.og(10));
            assertThat(l.totalBalance()).isEqualTo(Units.og(10));
            assertThat(l.locked()).isZero();
            assertThat(d.chain().balanceOf(u.getAddress()))
                    .isEqualTo(before.subtract(Units.og(10)).subtract(gasCost(tx.receipt())));
        }
    }

    @Test
    void minimumsComeFromTheContract(Devnet d) throws Exception {
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            assertThat(b.ledger().minimumAccountBalance().neuron())
                    .isEqualTo(d.ledger(d.account(1)).MIN_ACCOUNT_BALANCE().send());
            assertThat(b.ledger().minimumTransferAmount().neuron())
                    .isEqualTo(d.ledger(d.account(1)).MIN_TRANSFER_AMOUNT().send());
        }
    }

    @Test
    void addLedgerBelowTheMinimumIsRefusedBeforeSending(Devnet d) throws Exception {
        Credentials u = d.account(1);
        BigInteger nonce = d.chain().web3j().ethGetTransactionCount(u.getAddress(),
                org.web3j.protocol.core.DefaultBlockParameterName.LATEST).send().getTransactionCount();
        try (var b = SdkFixtures.broker(d, u)) {
            assertThatThrownBy(() -> b.ledger().addLedger(Amount.og("2.999")))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("Minimum balance to create a ledger is 3 0G");
        }
        assertThat(d.chain().web3j().ethGetTransactionCount(u.getAddress(),
                org.web3j.protocol.core.DefaultBlockParameterName.LATEST).send().getTransactionCount())
                .isEqualTo(nonce);
    }

    @Test
    void addLedgerTwiceIsALedgerExistsError(Devnet d) {
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            b.ledger().addLedger(Amount.og("3"));
            assertThatThrownBy(() -> b.ledger().addLedger(Amount.og("3")))
                    .isInstanceOfSatisfying(ContractErrorException.class,
                            e -> assertThat(e.errorName()).isEqualTo("LedgerExists"))
                    .hasMessage("Account already exists. Use \"deposit\" to add funds to it.");
        }
    }

    @Test
    void withoutALedgerEveryLedgerCallSaysAccountDoesNotExist(Devnet d) {
        try (var b = SdkFixtures.broker(d, d.account(2))) {
            assertThatThrownBy(() -> b.ledger().getLedger())
                    .isInstanceOfSatisfying(ContractErrorException.class, e -> {
                        assertThat(e.errorName()).isEqualTo("LedgerNotExists");
                        assertThat(e.args()).containsExactly(d.account(2).getAddress());
                    })
                    .hasMessage(LEDGER_NOT_EXISTS);
            assertThatThrownBy(() -> b.ledger().refund(Amount.og("1"))).hasMessage(LEDGER_NOT_EXISTS);
            assertThatThrownBy(() -> b.ledger().transferFund(d.account(5).getAddress(), ServiceKind.INFERENCE,
                    Amount.og("1"))).hasMessage(LEDGER_NOT_EXISTS);
            assertThatThrownBy(() -> b.ledger().retrieveFundFromProvider(ServiceKind.INFERENCE,
                    d.account(5).getAddress())).hasMessage(LEDGER_NOT_EXISTS);
            assertThatThrownBy(() -> b.ledger().deleteLedger()).hasMessage(LEDGER_NOT_EXISTS);
            assertThatThrownBy(() -> b.ledger().getLedgerWithDetail()).hasMessage(LEDGER_NOT_EXISTS);
        }
    }

    @Test
    void depositFundAddsExactDecimalAmounts(Devnet d) {
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            b.ledger().addLedger(Amount.og("10"));
            b.ledger().depositFund(Amount.og("0.1"));
            // 10.1 0G exactly: the official SDK's float path would give ...000006 neuron.
            assertThat(b.ledger().getLedger().availableBalance())
                    .isEqualTo(new BigInteger("10100000000000000000"));
            assertThatThrownBy(() -> b.ledger().depositFund(Amount.ZERO)).isInstanceOf(InvalidRequestException.class)
                    .hasMessage("Deposit amount must be greater than 0");
        }
    }

    @Test
    void firstDepositCreatesTheLedgerButMustReachTheMinimum(Devnet d) {
        try (var b = SdkFixtures.broker(d, d.account(3))) {
            assertThatThrownBy(() -> b.ledger().depositFund(Amount.og("1")))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("No account yet: the first deposit creates it and must be at least 3 0G");
            b.ledger().depositFund(Amount.og("3"));
            assertThat(b.ledger().getLedger().totalBalance()).isEqualTo(Units.og(3));
        }
    }

    @Test
    void depositFundForCreditsAnotherAccount(Devnet d) {
        try (var payer = SdkFixtures.broker(d, d.account(1)); var other = SdkFixtures.broker(d, d.account(4))) {
            payer.ledger().depositFundFor(d.account(4).getAddress(), Amount.og("5"));
            assertThat(other.ledger().getLedger().availableBalance()).isEqualTo(Units.og(5));
            assertThatThrownBy(() -> payer.ledger().getLedger()).hasMessage(LEDGER_NOT_EXISTS);
            assertThatThrownBy(() -> payer.ledger().depositFundFor("not-an-address", Amount.og("5")))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("The recipient is not a valid 0x address: not-an-address");
            // Below the minimum for a recipient without a ledger: the contract's error, decoded.
            assertThatThrownBy(() -> payer.ledger().depositFundFor(d.account(6).getAddress(), Amount.og("1")))
                    .isInstanceOfSatisfying(ContractErrorException.class,
                            e -> assertThat(e.errorName()).isEqualTo("MinimumDepositRequired"))
                    .hasMessage("Amount below the minimum: 1 0G given, at least 3 0G required.");
        }
    }

    @Test
    void refundWithdrawsToTheWalletAndKeepsTheMinimumRule(Devnet d) {
        Credentials u = d.account(1);
        try (var b = SdkFixtures.broker(d, u)) {
            b.ledger().addLedger(Amount.og("10"));
            BigInteger before = d.chain().balanceOf(u.getAddress());
            TxResult tx = b.ledger().refund(Amount.og("4"));
            assertThat(d.chain().balanceOf(u.getAddress()))
                    .isEqualTo(before.add(Units.og(4)).subtract(gasCost(tx.receipt())));
            assertThat(b.ledger().getLedger().availableBalance()).isEqualTo(Units.og(6));

            assertThatThrownBy(() -> b.ledger().refund(Amount.og("5")))
                    .isInstanceOfSatisfying(ContractErrorException.class,
                            e -> assertThat(e.errorName()).isEqualTo("MinimumDepositRequired"))
                    .hasMessage("The refund would leave 1 0G in the account, below the minimum of 3 0G: keep at "
                            + "least that much or withdraw the whole available balance.");
            assertThatThrownBy(() -> b.ledger().refund(Amount.og("7")))
                    .isInstanceOfSatisfying(ContractErrorException.class,
                            e -> assertThat(e.errorName()).isEqualTo("InsufficientBalance"))
                    .hasMessage("Insufficient available balance in your account for this refund. Check it with "
                            + "\"get-account\"; funds held in sub-accounts must be retrieved first.");
            // Withdrawing everything deletes the account.
            b.ledger().refund(Amount.og("6"));
            assertThatThrownBy(() -> b.ledger().getLedger()).hasMessage(LEDGER_NOT_EXISTS);
        }
    }

    @Test
    void transferFundMovesMainAccountFundsIntoASubAccount(Devnet d) {
        String provider = d.account(7).getAddress();
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            b.ledger().addLedger(Amount.og("10"));
            b.ledger().transferFund(provider, ServiceKind.INFERENCE, Amount.og("2.5"));
            LedgerInfo l = b.ledger().getLedger();
            assertThat(l.availableBalance()).isEqualTo(Units.parseOg("7.5"));
            assertThat(l.totalBalance()).isEqualTo(Units.og(10));
            assertThat(l.locked()).isEqualTo(Units.parseOg("2.5"));
            SubAccount a = b.inference().getAccount(provider);
            assertThat(a.balance()).isEqualTo(Units.parseOg("2.5"));
            assertThat(a.acknowledged()).isTrue();
            assertThat(b.ledger().serviceName(ServiceKind.INFERENCE)).isEqualTo(d.contracts().inferenceServiceName());
        }
    }

    @Test
    void transferFundErrorPaths(Devnet d) {
        String provider = d.account(7).getAddress();
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            b.ledger().addLedger(Amount.og("10"));
            assertThatThrownBy(() -> b.ledger().transferFund(provider, ServiceKind.INFERENCE, Amount.og("20")))
                    .isInstanceOfSatisfying(ContractErrorException.class, e -> {
                        assertThat(e.errorName()).isEqualTo("InsufficientAvailableBalance");
                        assertThat(e.args()).containsExactly(Units.og(10), Units.og(20));
                    })
                    .hasMessage("Insufficient available balance: 10 0G available, 20 0G required. "
                            + "Deposit more with \"deposit\".");
            assertThatThrownBy(() -> b.ledger().transferFund(provider, ServiceKind.INFERENCE, Amount.og("0.5")))
                    .isInstanceOfSatisfying(ContractErrorException.class,
                            e -> assertThat(e.errorName()).isEqualTo("MinimumDepositRequired"))
                    .hasMessage("Amount below the minimum: 0.5 0G given, at least 1 0G required.");
            assertThatThrownBy(() -> b.ledger().transferFund(provider, ServiceKind.INFERENCE, Amount.ZERO))
                    .isInstanceOf(InvalidRequestException.class).hasMessage("Transfer amount must be greater than 0");
            assertThatThrownBy(() -> b.ledger().transferFund("0x1234", ServiceKind.INFERENCE, Amount.og("1")))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("The provider is not a valid 0x address: 0x1234");
        }
    }

    @Test
    void retrieveFundRequestsRefundsThenCollectsThemAfterTheLockTime(Devnet d) {
        String p1 = d.account(7).getAddress();
        String p2 = d.account(8).getAddress();
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            assertThat(b.ledger().retrieveFund(ServiceKind.INFERENCE)).isEmpty(); // nothing to retrieve
            b.ledger().addLedger(Amount.og("10"));
            b.ledger().transferFund(p1, ServiceKind.INFERENCE, Amount.og("2"));
            b.ledger().transferFund(p2, ServiceKind.INFERENCE, Amount.og("3"));

            LedgerDetail detail = b.ledger().getLedgerWithDetail();
            assertThat(detail.ledger().availableBalance()).isEqualTo(Units.og(5));
            assertThat(detail.inference()).containsExactlyInAnyOrder(
                    new SubAccountBalance(org.web3j.crypto.Keys.toChecksumAddress(p1), Units.og(2), BigInteger.ZERO),
                    new SubAccountBalance(org.web3j.crypto.Keys.toChecksumAddress(p2), Units.og(3), BigInteger.ZERO));
            assertThat(detail.fineTuning()).isEmpty();

            List<TxResult> sent = b.ledger().retrieveFund(ServiceKind.INFERENCE);
            assertThat(sent).hasSize(1);
            assertThat(b.ledger().getProvidersWithBalance(ServiceKind.INFERENCE))
                    .extracting(SubAccountBalance::pendingRefund)
                    .containsExactlyInAnyOrder(Units.og(2), Units.og(3));
            SubAccountDetail locked = b.inference().getAccountWithDetail(p1);
            assertThat(locked.refunds()).singleElement().satisfies(r -> {
                assertThat(r.amount()).isEqualTo(Units.og(2));
                assertThat(r.remainSeconds()).isBetween(3590L, 3600L);
            });

            d.chain().increaseTime(3601);
            assertThat(b.inference().getAccountWithDetail(p1).refunds().get(0).remainSeconds()).isNegative();
            b.ledger().retrieveFund(ServiceKind.INFERENCE);
            LedgerInfo l = b.ledger().getLedger();
            assertThat(l.availableBalance()).isEqualTo(Units.og(10));
            assertThat(b.ledger().getProvidersWithBalance(ServiceKind.INFERENCE)).isEmpty();
        }
    }

    @Test
    void retrieveFundFromProviderTouchesOnlyThatProvider(Devnet d) {
        String p1 = d.account(7).getAddress();
        String p2 = d.account(8).getAddress();
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            b.ledger().addLedger(Amount.og("10"));
            b.ledger().transferFund(p1, ServiceKind.INFERENCE, Amount.og("2"));
            b.ledger().transferFund(p2, ServiceKind.INFERENCE, Amount.og("3"));
            b.ledger().retrieveFundFromProvider(ServiceKind.INFERENCE, p2);
            assertThat(b.inference().getAccount(p1).pendingRefund()).isZero();
            assertThat(b.inference().getAccount(p2).pendingRefund()).isEqualTo(Units.og(3));
        }
    }

    @Test
    void tooManyRefundsHasItsFriendlyMessage(Devnet d) {
        String p = d.account(7).getAddress();
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            b.ledger().addLedger(Amount.og("20"));
            b.ledger().transferFund(p, ServiceKind.INFERENCE, Amount.og("10"));
            b.ledger().retrieveFundFromProvider(ServiceKind.INFERENCE, p); // refund #1
            // Each smaller transfer only partly cancels the newest refund, so every retrieve adds one.
            for (String amount : List.of("5", "3", "2", "1")) {
                b.ledger().transferFund(p, ServiceKind.INFERENCE, Amount.og(amount));
                b.ledger().retrieveFundFromProvider(ServiceKind.INFERENCE, p);
            }
            assertThat(b.inference().getAccount(p).refunds()).hasSize(5);
            b.ledger().transferFund(p, ServiceKind.INFERENCE, Amount.og("0.5"));
            assertThatThrownBy(() -> b.ledger().retrieveFundFromProvider(ServiceKind.INFERENCE, p))
                    .isInstanceOfSatisfying(ContractErrorException.class,
                            e -> assertThat(e.errorName()).isEqualTo("TooManyRefunds"))
                    .hasMessage("Too many pending refunds for this provider (at most 5). Wait until the lock time "
                            + "has passed, then call \"retrieve-fund\" again to collect them.");
        }
    }

    @Test
    void deleteLedgerRefusesWhileFundsRemain(Devnet d) {
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            b.ledger().addLedger(Amount.og("4"));
            assertThatThrownBy(() -> b.ledger().deleteLedger())
                    .isInstanceOfSatisfying(ContractErrorException.class,
                            e -> assertThat(e.errorName()).isEqualTo("MustWithdrawAllFundsFirst"))
                    .hasMessage("Withdraw all funds first: 4 0G are still in the account.");
        }
    }
}
