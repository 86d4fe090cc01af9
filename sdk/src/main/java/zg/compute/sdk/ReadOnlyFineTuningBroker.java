package zg.compute.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.web3j.crypto.Keys;
import zg.compute.protocol.contracts.bindings.FineTuningServing;
import zg.compute.sdk.internal.chain.ChainClient;
import zg.compute.sdk.internal.finetuning.TaskJson;
import zg.compute.sdk.internal.http.ProviderHttp;

/**
 * What anyone can read about fine-tuning services without a key: services, the predefined models of the network
 * and the providers' customized models.
 */
public class ReadOnlyFineTuningBroker {

    private static final java.time.Duration MODEL_LIST_TIMEOUT = java.time.Duration.ofSeconds(15);

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

    /**
     * The customized models of every listed provider that publishes models on chain ({@code GET /v1/model});
     * a provider that does not answer is left out.
     */
    public List<FineTuningProviderModel> listProviderModels() {
        List<FineTuningProviderModel> out = new ArrayList<>();
        for (FineTuningService s : listService()) {
            if (s.models().isEmpty() || s.url() == null || s.url().isBlank()) {
                continue;
            }
            String url = s.url().endsWith("/") ? s.url().substring(0, s.url().length() - 1) : s.url();
            try {
                ProviderHttp.Reply r = new ProviderHttp(MODEL_LIST_TIMEOUT).get(url + "/v1/model", Map.of());
                if (!r.ok()) {
                    continue;
                }
                for (JsonNode m : TaskJson.read(r.body(), "model list")) {
                    out.add(new FineTuningProviderModel(s.provider(), m.path("name").asText(), m.path("hash").asText(),
                            m.path("description").asText(""), m.path("dataType").asText(""),
                            m.path("tokenizer").asText("")));
                }
            } catch (RuntimeException unreachable) {
                // a provider offline or answering garbage has no models to show
            }
        }
        return out;
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
