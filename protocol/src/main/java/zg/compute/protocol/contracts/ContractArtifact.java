package zg.compute.protocol.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * One compiled contract as produced by {@code contracts/build.js} and packaged in the contracts jar
 * under {@code /contracts/<Name>.json}.
 */
public record ContractArtifact(String name, JsonNode abi, String bytecode, String deployedBytecode) {

    public static final String LEDGER_MANAGER = "LedgerManager";
    public static final String INFERENCE_SERVING = "InferenceServing";
    public static final String FINE_TUNING_SERVING = "FineTuningServing";
    public static final String UPGRADEABLE_BEACON = "UpgradeableBeacon";
    public static final String BEACON_PROXY = "BeaconProxy";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Loads {@code /contracts/<name>.json} from the classpath. */
    public static ContractArtifact load(String name) {
        String resource = "/contracts/" + name + ".json";
        try (InputStream in = ContractArtifact.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("contract artifact " + resource
                        + " not on the classpath; build the contracts module first");
            }
            JsonNode node = JSON.readTree(in);
            return new ContractArtifact(name, node.get("abi"), node.get("bytecode").asText(),
                    node.get("deployedBytecode").asText());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    /** Runtime code size in bytes (EIP-170 caps it at 24,576). */
    public int runtimeSize() {
        return (deployedBytecode.length() - 2) / 2;
    }
}
