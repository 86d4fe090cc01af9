package examples;

import java.util.List;
import zg.compute.okhttp.ChatResult;
import zg.compute.okhttp.ChatTurn;
import zg.compute.okhttp.ZgProviderClient;
import zg.compute.sdk.ZGComputeNetworkBroker;

/** A streamed chat completion: text printed as it arrives, the signature checked over the whole stream. */
public final class Stream {

    public static void main(String[] args) throws Exception {
        DevnetFile devnet = DevnetFile.load();
        String provider = devnet.provider("chatbot");
        try (ZGComputeNetworkBroker broker = devnet.broker()) {
            broker.inference().acknowledgeProviderSigner(provider);
            ZgProviderClient client = ZgProviderClient.create(broker.inference(), provider);
            ChatResult r = client.chatStream(List.of(ChatTurn.user("Tell me about 0G, token by token")), null, null,
                    piece -> System.out.print(piece));
            System.out.println();
            System.out.println("verification: " + r.outcome().verification() + ", fee " + r.outcome().fee()
                    + " neuron");
        }
    }
}
