package zg.compute.sdk;

import java.util.List;
import org.web3j.crypto.Keys;
import zg.compute.protocol.contracts.bindings.FineTuningServing;
import zg.compute.sdk.internal.chain.ChainClient;

/**
 * What anyone can read about fine-tuning services without a key. Customized models (the provider's
 * {@code GET /v1/model}) are not listed: that needs the provider's fine-tuning task server.
 */
public class ReadOnlyFineTuningBroker {

    final ChainClient chain;
    final FineTuningServing contract;

    ReadOnlyFineTuningBroker(ChainClient chain, FineTuningServing contract) {
        this.chain = chain;
        this.contract = contract;
    }

    /** Services whose TEE signer the contract owner acknowledged. */
    public List<FineTuningService> listService() {
        return listService(false);
    }

    /** Every service ({@code getAllServices} has no paging), optionally with the unacknowledged ones. */
    @SuppressWarnings("unchecked")
    public List<FineTuningService> listService(boolean includeUnacknowledged) {
        List<FineTuningServing.Service> all = chain.call(() -> contract.getAllServices().send());
        return all.stream().map(ReadOnlyFineTuningBroker::toService)
                .filter(s -> includeUnacknowledged || s.teeSignerAcknowledged()).toList();
    }

    /** One provider's service; "Service not found…" when it has none. */
    public FineTuningService getService(String provider) {
        LedgerBroker.requireAddress(provider, "provider");
        try {
            return toService(chain.call(() -> contract.getService(provider).send()));
        } catch (ContractErrorException e) {
            if ("ServiceNotExist".equals(e.errorName())) {
                throw new ContractErrorException("Fine-tuning service not found for provider "
                        + Keys.toChecksumAddress(provider) + ". Check the address with \"fine-tuning list-providers\".",
                        e.errorName(), e.args(), e);
            }
            throw e;
        }
    }

    /** The predefined models of this network (sdk-cli.md §10). */
    public List<FineTuningModel> listModel() {
        return FineTuningModel.predefined(chain.chainId());
    }

    /** How long, in seconds, a requested refund stays locked ({@code lockTime()}). */
    public long getLockedTime() {
        return chain.call(() -> contract.lockTime().send()).longValueExact();
    }

    private static FineTuningService toService(FineTuningServing.Service s) {
        FineTuningServing.Quota q = s.quota;
        return new FineTuningService(Keys.toChecksumAddress(s.provider), s.url,
                new FineTuningQuota(q.cpuCount, q.nodeMemory, q.gpuCount, q.nodeStorage, q.gpuType),
                s.pricePerToken, Boolean.TRUE.equals(s.occupied), s.models == null ? List.of() : s.models,
                Keys.toChecksumAddress(s.teeSignerAddress), Boolean.TRUE.equals(s.teeSignerAcknowledged));
    }
}
