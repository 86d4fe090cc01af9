package zg.compute.sdk;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.Credentials;
import zg.compute.protocol.contracts.bindings.FineTuningServing;
import zg.compute.protocol.contracts.bindings.InferenceServing;
import zg.compute.protocol.contracts.bindings.LedgerManager;
import zg.compute.sdk.internal.chain.ChainClient;
import zg.compute.sdk.internal.chain.SendPolicy;
import zg.compute.sdk.internal.http.ProviderHttp;

/**
 * Entry point for users of the 0G Compute Network:
 *
 * <pre>{@code
 * try (var broker = ZGComputeNetworkBroker.create(Credentials.create(System.getenv("PRIVATE_KEY")), rpcUrl)) {
 *     broker.ledger().addLedger(Amount.og("10"));
 *     List<ServiceInfo> services = broker.inference().listService();
 *     Map<String, String> headers = broker.inference().getRequestHeaders(provider);
 * }
 * }</pre>
 *
 * The contracts are found by chain id (16661 mainnet, 16602 testnet, 31337 local devnet) unless the
 * options name them; the inference service's ledger name is read from the chain, never assumed.
 */
public final class ZGComputeNetworkBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ZGComputeNetworkBroker.class);

    private final ChainClient chain;
    private final ContractAddresses contracts;
    private final LedgerBroker ledger;
    private final InferenceBroker inference;
    private final FineTuningBroker fineTuning;

    private ZGComputeNetworkBroker(ChainClient chain, ContractAddresses contracts, LedgerBroker ledger,
            InferenceBroker inference, FineTuningBroker fineTuning) {
        this.chain = chain;
        this.contracts = contracts;
        this.ledger = ledger;
        this.inference = inference;
        this.fineTuning = fineTuning;
    }

    public static ZGComputeNetworkBroker create(Credentials credentials, String rpcUrl) {
        return create(credentials, rpcUrl, BrokerOptions.defaults());
    }

    public static ZGComputeNetworkBroker create(Credentials credentials, String rpcUrl, BrokerOptions options) {
        if (credentials == null) {
            throw new ConfigurationException("No credentials: use readOnly(rpcUrl) to only list services");
        }
        ChainClient chain = ChainClient.connect(rpcUrl, credentials, new SendPolicy(options.gasPrice(),
                options.maxGasPrice(), options.gasPriceStep(), options.maxTxAttempts(), options.receiptTimeout(),
                options.receiptPollInterval()));
        try {
            ContractAddresses c = options.resolveContracts(chain.chainId());
            LOG.info("Using chain {} with LedgerManager {} and InferenceServing {}", chain.chainId(), c.ledger(),
                    c.inference());
            LedgerManager ledgerContract = LedgerManager.load(c.ledger(), chain.web3j(), chain.txManager(),
                    chain.gasProvider());
            InferenceServing inferenceContract = InferenceServing.load(c.inference(), chain.web3j(),
                    chain.txManager(), chain.gasProvider());
            String inferenceName = serviceName(chain, ledgerContract, c.inference());
            if (inferenceName.isEmpty()) {
                throw new ConfigurationException("The inference contract " + c.inference()
                        + " is not registered in LedgerManager " + c.ledger() + " on chain " + chain.chainId());
            }
            FineTuningServing ft = null;
            String ftName = null;
            if (c.fineTuning() != null && !c.fineTuning().isEmpty()) {
                try {
                    ftName = serviceName(chain, ledgerContract, c.fineTuning());
                    ft = FineTuningServing.load(c.fineTuning(), chain.web3j(), chain.txManager(),
                            chain.gasProvider());
                } catch (ZGComputeException e) {
                    LOG.warn("Fine-tuning service not registered in LedgerManager: {}", e.getMessage());
                }
            }
            LedgerBroker ledger = new LedgerBroker(chain, ledgerContract, inferenceContract, ft, inferenceName,
                    ftName);
            InferenceBroker inference = new InferenceBroker(chain, inferenceContract, ledger, options);
            return new ZGComputeNetworkBroker(chain, c, ledger, inference,
                    ft == null ? null : new FineTuningBroker(chain, ft, options));
        } catch (RuntimeException e) {
            chain.close();
            throw e;
        }
    }

    /** A broker without a key: it can only read services (no ledger, no headers, no transactions). */
    public static ZGComputeNetworkReadOnlyBroker readOnly(String rpcUrl) {
        return readOnly(rpcUrl, BrokerOptions.defaults());
    }

    public static ZGComputeNetworkReadOnlyBroker readOnly(String rpcUrl, BrokerOptions options) {
        ChainClient chain = ChainClient.connect(rpcUrl, null, null);
        try {
            ContractAddresses c = options.resolveContracts(chain.chainId());
            InferenceServing contract = InferenceServing.load(c.inference(), chain.web3j(), chain.txManager(),
                    chain.gasProvider());
            ReadOnlyFineTuningBroker ft = c.fineTuning() == null || c.fineTuning().isEmpty() ? null
                    : new ReadOnlyFineTuningBroker(chain, FineTuningServing.load(c.fineTuning(), chain.web3j(),
                            chain.txManager(), chain.gasProvider()));
            return new ZGComputeNetworkReadOnlyBroker(chain, c, new ReadOnlyInferenceBroker(chain, contract,
                    new ProviderHttp(options.httpTimeout()), options.resolveStatusApi(chain.chainId())), ft);
        } catch (RuntimeException e) {
            chain.close();
            throw e;
        }
    }

    private static String serviceName(ChainClient chain, LedgerManager ledger, String serviceAddress) {
        LedgerManager.ServiceInfo info = chain.call(() -> ledger.getServiceInfo(serviceAddress).send());
        return info.fullName == null ? "" : info.fullName;
    }

    public LedgerBroker ledger() {
        return ledger;
    }

    public InferenceBroker inference() {
        return inference;
    }

    /**
     * The fine-tuning broker.
     *
     * @throws ConfigurationException when no fine-tuning contract is configured or it is not registered in
     *                                LedgerManager
     */
    public FineTuningBroker fineTuning() {
        if (fineTuning == null) {
            throw new ConfigurationException("No fine-tuning contract on this network: it is not configured or not "
                    + "registered in LedgerManager " + contracts.ledger());
        }
        return fineTuning;
    }

    public ContractAddresses contracts() {
        return contracts;
    }

    public long chainId() {
        return chain.chainId();
    }

    @Override
    public void close() {
        inference.close();
        chain.close();
    }
}
