package examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.web3j.crypto.Credentials;
import zg.compute.sdk.BrokerOptions;
import zg.compute.sdk.ZGComputeNetworkBroker;

/** What the examples need from a running devnet's devnet.json ({@code ZG_DEVNET_JSON}, default ./devnet.json). */
final class DevnetFile {

    private final JsonNode doc;

    private DevnetFile(JsonNode doc) {
        this.doc = doc;
    }

    static DevnetFile load() throws IOException {
        String p = System.getenv().getOrDefault("ZG_DEVNET_JSON", "devnet.json");
        if (!Files.isReadable(Path.of(p))) {
            throw new IllegalStateException("No devnet.json at " + p + ": start ./zg-devnet first (or set ZG_DEVNET_JSON)");
        }
        return new DevnetFile(new ObjectMapper().readTree(Path.of(p).toFile()));
    }

    String rpc() {
        return doc.path("rpcUrl").asText();
    }

    /** The funded development user (a public anvil key: never for real funds). */
    String userKey() {
        return doc.path("user").path("privateKey").asText();
    }

    /** The address of the first provider of {@code type} (chatbot, text-to-image, embedding, speech-to-text, …). */
    String provider(String type) {
        for (JsonNode p : doc.path("providers")) {
            if (type.equals(p.path("type").asText())) {
                return p.path("address").asText();
            }
        }
        throw new IllegalStateException("The devnet has no " + type + " provider (started with --chat-only?)");
    }

    ZGComputeNetworkBroker broker() {
        return ZGComputeNetworkBroker.create(Credentials.create(userKey()), rpc(), BrokerOptions.defaults());
    }
}
