package examples;

import java.util.List;
import zg.compute.sdk.EmbeddingResult;
import zg.compute.sdk.ZGComputeNetworkBroker;

/** Embeddings from the devnet's all-MiniLM-L6-v2 provider (a real model), verified. */
public final class Embeddings {

    public static void main(String[] args) throws Exception {
        DevnetFile devnet = DevnetFile.load();
        String provider = devnet.provider("embedding");
        try (ZGComputeNetworkBroker broker = devnet.broker()) {
            broker.inference().acknowledgeProviderSigner(provider);
            EmbeddingResult e = broker.inference().embeddings().create(provider,
                    List.of("0G is a decentralized AI network", "Providers sell GPU inference"));
            System.out.println(e.vectors().size() + " vectors of " + e.vectors().get(0).length + " dimensions, "
                    + e.promptTokens() + " tokens");
            System.out.println("verification: " + e.verification() + ", fee " + e.fee() + " neuron");
        }
    }
}
