package zg.compute.sdk;

import zg.compute.sdk.internal.chain.ChainClient;

/** A broker without a key, for browsing services (the official {@code createZGComputeNetworkReadOnlyBroker}). */
public final class ZGComputeNetworkReadOnlyBroker implements AutoCloseable {

    private final ChainClient chain;
    private final ContractAddresses contracts;
    private final ReadOnlyInferenceBroker inference;
    private final ReadOnlyFineTuningBroker fineTuning;

    ZGComputeNetworkReadOnlyBroker(ChainClient chain, ContractAddresses contracts, ReadOnlyInferenceBroker inference,
            ReadOnlyFineTuningBroker fineTuning) {
        this.chain = chain;
        this.contracts = contracts;
        this.inference = inference;
        this.fineTuning = fineTuning;
    }

    public ReadOnlyInferenceBroker inference() {
        return inference;
    }

    /** Fine-tuning services and models; a {@link ConfigurationException} when no fine-tuning contract is known. */
    public ReadOnlyFineTuningBroker fineTuning() {
        if (fineTuning == null) {
            throw new ConfigurationException("No fine-tuning contract is configured for this network");
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
        chain.close();
    }
}
