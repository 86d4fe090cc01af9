package zg.compute.sdk;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.Keys;
import org.web3j.crypto.WalletUtils;
import zg.compute.protocol.contracts.bindings.FineTuningServing;
import zg.compute.protocol.contracts.bindings.InferenceServing;
import zg.compute.protocol.contracts.bindings.LedgerManager;
import zg.compute.sdk.internal.chain.ChainClient;

/**
 * The main account ("ledger") in LedgerManager and the transfers between it, the wallet and the
 * provider sub-accounts. Minimums are read from the contract, not assumed.
 */
public final class LedgerBroker {

    private static final Logger LOG = LoggerFactory.getLogger(LedgerBroker.class);

    private final ChainClient chain;
    private final LedgerManager ledger;
    private final InferenceServing inference;
    private final FineTuningServing fineTuning;
    private final String inferenceServiceName;
    private final String fineTuningServiceName;
    private final String user;
    private final AtomicReference<BigInteger> minAccountBalance = new AtomicReference<>();
    private final AtomicReference<BigInteger> minTransferAmount = new AtomicReference<>();
    private final AtomicReference<BigInteger> maxProvidersPerBatch = new AtomicReference<>();

    LedgerBroker(ChainClient chain, LedgerManager ledger, InferenceServing inference, FineTuningServing fineTuning,
            String inferenceServiceName, String fineTuningServiceName) {
        this.chain = chain;
        this.ledger = ledger;
        this.inference = inference;
        this.fineTuning = fineTuning;
        this.inferenceServiceName = inferenceServiceName;
        this.fineTuningServiceName = fineTuningServiceName;
        this.user = Keys.toChecksumAddress(chain.credentials().getAddress());
    }

    /** The wallet address this broker acts for (EIP-55). */
    public String userAddress() {
        return user;
    }

    /** The ledger's on-chain name of a service kind, e.g. {@code inference-v1.0}. */
    public String serviceName(ServiceKind kind) {
        String name = kind == ServiceKind.INFERENCE ? inferenceServiceName : fineTuningServiceName;
        if (name == null || name.isEmpty()) {
            throw new ConfigurationException("The " + kind.label() + " service is not registered in LedgerManager");
        }
        return name;
    }

    /** {@code MIN_ACCOUNT_BALANCE}: the least a new account must receive, and must keep after a partial refund. */
    public Amount minimumAccountBalance() {
        return Amount.neuron(cached(minAccountBalance, () -> ledger.MIN_ACCOUNT_BALANCE().send()));
    }

    /** {@code MIN_TRANSFER_AMOUNT}: the least a transfer that creates a sub-account must move. */
    public Amount minimumTransferAmount() {
        return Amount.neuron(cached(minTransferAmount, () -> ledger.MIN_TRANSFER_AMOUNT().send()));
    }

    /** Creates the main account with a first deposit of at least {@link #minimumAccountBalance()}. */
    public TxResult addLedger(Amount balance) {
        return addLedger(balance, "");
    }

    public TxResult addLedger(Amount balance, String additionalInfo) {
        Amount min = minimumAccountBalance();
        if (balance.compareTo(min) < 0) {
            throw new InvalidRequestException("Minimum balance to create a ledger is " + min.toOg().toPlainString()
                    + " 0G");
        }
        return send(ledger.addLedger(additionalInfo, balance.neuron()).encodeFunctionCall(), balance.neuron());
    }

    /** Adds to the main account; the first deposit creates it and must then reach the minimum. */
    public TxResult depositFund(Amount amount) {
        requirePositive(amount, "Deposit amount must be greater than 0");
        if (!ledgerExists(user)) {
            Amount min = minimumAccountBalance();
            if (amount.compareTo(min) < 0) {
                throw new InvalidRequestException("No account yet: the first deposit creates it and must be at least "
                        + min.toOg().toPlainString() + " 0G");
            }
        }
        return send(ledger.depositFund(amount.neuron()).encodeFunctionCall(), amount.neuron());
    }

    /** Deposits into someone else's main account (creating it if needed, with the same minimum). */
    public TxResult depositFundFor(String recipient, Amount amount) {
        requireAddress(recipient, "recipient");
        requirePositive(amount, "Deposit amount must be greater than 0");
        return send(ledger.depositFundFor(recipient, amount.neuron()).encodeFunctionCall(), amount.neuron());
    }

    /** Withdraws available main-account funds to the wallet. */
    public TxResult refund(Amount amount) {
        requirePositive(amount, "Refund amount must be greater than 0");
        try {
            return send(ledger.refund(amount.neuron()).encodeFunctionCall(), BigInteger.ZERO);
        } catch (ContractErrorException e) {
            if ("MinimumDepositRequired".equals(e.errorName()) && e.args().size() == 2) {
                // Here the contract reports what would remain, not what was given.
                throw new ContractErrorException("The refund would leave "
                        + Amount.neuron((BigInteger) e.args().get(0)) + " in the account, below the minimum of "
                        + Amount.neuron((BigInteger) e.args().get(1)) + ": keep at least that much or withdraw "
                        + "the whole available balance.", e.errorName(), e.args(), e.getCause());
            }
            throw e;
        }
    }

    /**
     * Moves funds from the main account to the sub-account with {@code provider}; on an existing
     * sub-account the amount first cancels pending refunds. Creating one needs {@link #minimumTransferAmount()}.
     */
    public TxResult transferFund(String provider, ServiceKind kind, Amount amount) {
        requireAddress(provider, "provider");
        requirePositive(amount, "Transfer amount must be greater than 0");
        Amount min = minimumTransferAmount();
        if (amount.compareTo(min) < 0) {
            LOG.warn("Transferring {}: below the recommended minimum of {} (a new sub-account needs at least that)",
                    amount, min);
        }
        return send(ledger.transferFund(provider, serviceName(kind), amount.neuron()).encodeFunctionCall(),
                BigInteger.ZERO);
    }

    /**
     * Collects matured refunds of every sub-account of this kind back into the main account and requests a
     * refund of everything else (locked for the contract's lockTime). Sends one transaction per batch of
     * {@code MAX_PROVIDERS_PER_BATCH} providers, none when there are no sub-accounts.
     */
    public List<TxResult> retrieveFund(ServiceKind kind) {
        String name = serviceName(kind);
        List<String> providers = providersOf(name);
        int batch = cached(maxProvidersPerBatch, () -> ledger.MAX_PROVIDERS_PER_BATCH().send()).intValueExact();
        List<TxResult> out = new ArrayList<>();
        for (int i = 0; i < providers.size(); i += batch) {
            List<String> part = providers.subList(i, Math.min(providers.size(), i + batch));
            out.add(send(ledger.retrieveFund(part, name).encodeFunctionCall(), BigInteger.ZERO));
        }
        return out;
    }

    /** {@link #retrieveFund(ServiceKind)} for one provider. */
    public TxResult retrieveFundFromProvider(ServiceKind kind, String provider) {
        requireAddress(provider, "provider");
        return send(ledger.retrieveFund(List.of(provider), serviceName(kind)).encodeFunctionCall(), BigInteger.ZERO);
    }

    /** The main account; "Account does not exist…" when there is none. */
    public LedgerInfo getLedger() {
        LedgerManager.Ledger l = chain.call(() -> ledger.getLedger(user).send());
        return new LedgerInfo(Keys.toChecksumAddress(l.user), l.availableBalance, l.totalBalance, l.additionalInfo);
    }

    /** The main account and every sub-account it funds, with balances and pending refunds. */
    public LedgerDetail getLedgerWithDetail() {
        LedgerInfo info = getLedger();
        List<SubAccountBalance> inf = new ArrayList<>();
        for (String p : providersOf(serviceName(ServiceKind.INFERENCE))) {
            InferenceServing.Account a = chain.call(() -> inference.getAccount(user, p).send());
            inf.add(new SubAccountBalance(Keys.toChecksumAddress(p), a.balance, a.pendingRefund));
        }
        List<SubAccountBalance> ft = new ArrayList<>();
        if (fineTuning != null && fineTuningServiceName != null && !fineTuningServiceName.isEmpty()) {
            for (String p : providersOf(fineTuningServiceName)) {
                FineTuningServing.AccountDetails a = chain.call(() -> fineTuning.getAccount(user, p).send());
                ft.add(new SubAccountBalance(Keys.toChecksumAddress(p), a.balance, a.pendingRefund));
            }
        }
        return new LedgerDetail(info, inf, ft);
    }

    /** Sub-accounts of this kind that still hold something (balance or pending refund). */
    public List<SubAccountBalance> getProvidersWithBalance(ServiceKind kind) {
        LedgerDetail d = getLedgerWithDetail();
        return (kind == ServiceKind.INFERENCE ? d.inference() : d.fineTuning()).stream()
                .filter(s -> s.balance().signum() > 0 || s.pendingRefund().signum() > 0).toList();
    }

    /** Deletes an empty main account (the contract refuses while anything is left). */
    public TxResult deleteLedger() {
        return send(ledger.deleteLedger().encodeFunctionCall(), BigInteger.ZERO);
    }

    boolean ledgerExists(String who) {
        try {
            chain.call(() -> ledger.getLedger(who).send());
            return true;
        } catch (ContractErrorException e) {
            if ("LedgerNotExists".equals(e.errorName())) {
                return false;
            }
            throw e;
        }
    }

    @SuppressWarnings("unchecked")
    private List<String> providersOf(String serviceName) {
        return (List<String>) chain.call(() -> ledger.getLedgerProviders(user, serviceName).send());
    }

    private TxResult send(String data, BigInteger value) {
        return chain.sender().send(ledger.getContractAddress(), data, value, null);
    }

    private BigInteger cached(AtomicReference<BigInteger> ref, java.util.concurrent.Callable<BigInteger> read) {
        BigInteger v = ref.get();
        if (v == null) {
            v = chain.call(read);
            ref.set(v);
        }
        return v;
    }

    private static void requirePositive(Amount amount, String message) {
        if (amount == null || amount.isZero()) {
            throw new InvalidRequestException(message);
        }
    }

    static void requireAddress(String address, String what) {
        if (address == null || !WalletUtils.isValidAddress(address) || !address.startsWith("0x")) {
            throw new InvalidRequestException("The " + what + " is not a valid 0x address: " + address);
        }
    }
}
