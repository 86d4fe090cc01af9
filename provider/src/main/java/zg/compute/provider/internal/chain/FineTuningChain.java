package zg.compute.provider.internal.chain;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import org.web3j.abi.EventEncoder;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;
import zg.compute.protocol.chain.ChainTransactionManager;
import zg.compute.protocol.chain.ContractRevertException;
import zg.compute.protocol.contracts.RevertDecoder;
import zg.compute.protocol.contracts.bindings.FineTuningServing;

/** The fine-tuning server's view of the FineTuningServing contract, sending as the provider wallet. */
public final class FineTuningChain implements AutoCloseable {

    private final Web3j web3j;
    private final Credentials provider;
    private final long chainId;
    private final String contract;
    private final FineTuningServing serving;

    public FineTuningChain(String rpcUrl, long configuredChainId, String contract, Credentials provider) {
        this.web3j = Web3j.build(new HttpService(rpcUrl));
        this.provider = provider;
        this.contract = contract;
        this.chainId = ProviderChain.nodeChainId(web3j, rpcUrl, configuredChainId);
        ChainTransactionManager tx = new ChainTransactionManager(web3j, provider, chainId,
                new PollingTransactionReceiptProcessor(web3j, 100, 600), RevertDecoder.forComputeContracts());
        this.serving = FineTuningServing.load(contract, web3j, tx, new ProviderChain.NodeGasPrice(web3j));
    }

    public long chainId() {
        return chainId;
    }

    public String contract() {
        return contract;
    }

    /** EIP-55 checksummed. */
    public String providerAddress() {
        return Keys.toChecksumAddress(provider.getAddress());
    }

    public Optional<FineTuningServing.Service> service() {
        return optional(() -> serving.getService(provider.getAddress()).send(), "ServiceNotExist");
    }

    /** The user's sub-account with this provider, or empty if it does not exist. */
    public Optional<FineTuningServing.AccountDetails> account(String user) {
        return optional(() -> serving.getAccount(user, provider.getAddress()).send(), "AccountNotExists");
    }

    public Optional<FineTuningServing.Deliverable> deliverable(String user, String id) {
        return optional(() -> serving.getDeliverable(user, provider.getAddress(), id).send(), "AccountNotExists",
                "DeliverableNotExists");
    }

    /** Another provider's service (an inference broker reading the fine-tuning provider that fed it an adapter). */
    public Optional<FineTuningServing.Service> service(String otherProvider) {
        return optional(() -> serving.getService(otherProvider).send(), "ServiceNotExist");
    }

    /** A deliverable of another provider, or empty if it does not exist. */
    public Optional<FineTuningServing.Deliverable> deliverable(String user, String otherProvider, String id) {
        return optional(() -> serving.getDeliverable(user, otherProvider, id).send(), "AccountNotExists",
                "DeliverableNotExists");
    }

    /** A {@code DeliverableAcknowledged} event: the user acknowledged a provider's model on chain. */
    public record Acknowledgement(String user, String provider, String taskId) {
    }

    /** The latest block number. */
    public long blockNumber() {
        return call(() -> web3j.ethBlockNumber().send().getBlockNumber()).longValueExact();
    }

    /** {@code DeliverableAcknowledged} events in blocks {@code from..to} (inclusive). */
    public List<Acknowledgement> acknowledgements(long from, long to) {
        EthFilter filter = new EthFilter(DefaultBlockParameter.valueOf(BigInteger.valueOf(from)),
                DefaultBlockParameter.valueOf(BigInteger.valueOf(to)), contract);
        filter.addSingleTopic(EventEncoder.encode(FineTuningServing.DELIVERABLEACKNOWLEDGED_EVENT));
        EthLog logs = call(() -> web3j.ethGetLogs(filter).send());
        if (logs.hasError()) {
            throw new IllegalStateException("eth_getLogs: " + logs.getError().getMessage());
        }
        List<Acknowledgement> out = new java.util.ArrayList<>();
        for (EthLog.LogResult<?> r : logs.getLogs()) {
            if (r.get() instanceof Log l) {
                var e = FineTuningServing.getDeliverableAcknowledgedEventFromLog(l);
                out.add(new Acknowledgement(e.user, e.provider, e.deliverableId));
            }
        }
        return out;
    }

    public BigInteger minProviderStake() {
        return call(() -> serving.MIN_PROVIDER_STAKE().send());
    }

    public long lockTimeSeconds() {
        return call(() -> serving.lockTime().send()).longValueExact();
    }

    public TransactionReceipt addOrUpdateService(String url, FineTuningServing.Quota quota, BigInteger pricePerToken,
            boolean occupied, List<String> models, String teeSigner, BigInteger stake) {
        return call(() -> serving.addOrUpdateService(url, quota, pricePerToken, occupied, models, teeSigner, stake)
                .send());
    }

    /**
     * Publishes whether the service is busy training (provider spec §7.6), keeping every other field of the
     * registered service; sends nothing when the flag already has that value. The TEE signer is unchanged,
     * so the owner's acknowledgement stays.
     */
    public void setOccupied(boolean occupied) {
        service().filter(s -> !Boolean.valueOf(occupied).equals(s.occupied)).ifPresent(s -> addOrUpdateService(s.url,
                s.quota, s.pricePerToken, occupied, s.models, s.teeSignerAddress, BigInteger.ZERO));
    }

    public TransactionReceipt addDeliverable(String user, String id, byte[] modelRootHash) {
        return call(() -> serving.addDeliverable(user, id, modelRootHash).send());
    }

    /** Gives up an unsettled deliverable: acknowledged + settled on chain, no payment, no key. */
    public TransactionReceipt abandonDeliverable(String user, String id) {
        return call(() -> serving.abandonDeliverable(user, id).send());
    }

    public TransactionReceipt settleFees(FineTuningServing.VerifierInput input) {
        return call(() -> serving.settleFees(input).send());
    }

    /** The latest block's timestamp: the contract's notion of now. */
    public long chainTimeSeconds() {
        return ProviderChain.chainTimeSeconds(web3j);
    }

    @FunctionalInterface
    private interface Call<T> {
        T send() throws Exception;
    }

    private static <T> T call(Call<T> c) {
        try {
            return c.send();
        } catch (Exception e) {
            throw ProviderChain.rethrow(e);
        }
    }

    private static <T> Optional<T> optional(Call<T> c, String... absentErrors) {
        try {
            return Optional.of(c.send());
        } catch (ContractRevertException e) {
            if (List.of(absentErrors).contains(e.errorName())) {
                return Optional.empty();
            }
            throw e;
        } catch (Exception e) {
            throw ProviderChain.rethrow(e);
        }
    }

    @Override
    public void close() {
        web3j.shutdown();
    }
}
