package zg.compute.sdk;

import zg.compute.sdk.internal.chain.ChainClient;

/** A broker without a key, for browsing services (the official {@code createZGComputeNetworkReadOnlyBroker}). */
public final class ZGComputeNetworkReadOnlyBroker implements AutoCloseable {

    private final ChainClient chain;
    private final ContractAddresses contracts;
    private final ReadOnlyInferenceBroker inference;

    ZGComputeNetworkReadOnlyBroker(ChainClient chain, ContractAddresses contracts, ReadOnlyInferenceBroker inference) {
        this.chain = chain;
        this.contracts = contracts;
        this.inference = inference;
    }

    public ReadOnlyInferenceBroker inference() {
        return inference;
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
