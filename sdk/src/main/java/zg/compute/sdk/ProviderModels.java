package zg.compute.sdk;

import java.util.List;

/**
 * A provider's model catalog, live from its {@code <url>/v1/models} (as the official SDK's
 * {@code getProviderModels}).
 *
 * @param multiModel        whether the provider's on-chain {@code additionalInfo} says {@code MultiModel: true}
 * @param priceDenomination {@code additionalInfo.priceDenomination} ("NATIVE", "USD"), or null
 * @param defaultModel      the on-chain model: what a request without {@code model} is billed as
 * @param models            what the provider serves (exactly one for a single-model provider)
 */
public record ProviderModels(String provider, String url, boolean multiModel, String priceDenomination,
        String defaultModel, List<ProviderModel> models) {

    public ProviderModels {
        models = List.copyOf(models);
    }
}
