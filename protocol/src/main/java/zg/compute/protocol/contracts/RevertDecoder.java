package zg.compute.protocol.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Type;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/**
 * Turns revert data into a {@link DecodedRevert} using the {@code error} entries of contract ABIs,
 * plus the two built-in Solidity payloads {@code Error(string)} and {@code Panic(uint256)}.
 * Immutable once built; safe to share.
 */
public final class RevertDecoder {

    private record ErrorDef(String name, String signature, List<TypeReference<Type>> types) {
    }

    private final Map<String, ErrorDef> bySelector;

    private RevertDecoder(Map<String, ErrorDef> bySelector) {
        this.bySelector = Map.copyOf(bySelector);
    }

    /** A decoder for every error of the three 0G Compute contracts (from the packaged artifacts). */
    public static RevertDecoder forComputeContracts() {
        return fromAbis(List.of(
                ContractArtifact.load(ContractArtifact.LEDGER_MANAGER).abi(),
                ContractArtifact.load(ContractArtifact.INFERENCE_SERVING).abi(),
                ContractArtifact.load(ContractArtifact.FINE_TUNING_SERVING).abi()));
    }

    public static RevertDecoder fromAbis(Collection<JsonNode> abis) {
        Map<String, ErrorDef> map = new HashMap<>();
        add(map, "Error", List.of("string"));
        add(map, "Panic", List.of("uint256"));
        for (JsonNode abi : abis) {
            for (JsonNode entry : abi) {
                if (!"error".equals(entry.path("type").asText())) {
                    continue;
                }
                List<String> types = new ArrayList<>();
                for (JsonNode input : entry.path("inputs")) {
                    types.add(AbiTypes.canonical(input));
                }
                add(map, entry.get("name").asText(), types);
            }
        }
        return new RevertDecoder(map);
    }

    private static void add(Map<String, ErrorDef> map, String name, List<String> types) {
        String signature = name + "(" + String.join(",", types) + ")";
        String selector = Hash.sha3String(signature).substring(0, 10);
        List<TypeReference<Type>> refs = new ArrayList<>();
        for (String t : types) {
            refs.add(AbiTypes.reference(t));
        }
        map.putIfAbsent(selector, new ErrorDef(name, signature, refs));
    }

    /** Decodes a 0x-prefixed revert payload; never throws, an unknown selector gives an unknown revert. */
    public DecodedRevert decode(String data) {
        if (data == null || data.length() < 10) {
            return new DecodedRevert(null, null, List.of(), data);
        }
        ErrorDef def = bySelector.get(data.substring(0, 10).toLowerCase());
        if (def == null) {
            return new DecodedRevert(null, null, List.of(), data);
        }
        try {
            List<Type> values = FunctionReturnDecoder.decode("0x" + data.substring(10), def.types());
            List<Object> args = new ArrayList<>();
            for (Type v : values) {
                args.add(AbiTypes.toJava(v));
            }
            return new DecodedRevert(def.name(), def.signature(), args, data);
        } catch (RuntimeException e) {
            // A malformed payload with a known selector: keep the name, drop the arguments.
            return new DecodedRevert(def.name(), def.signature(), List.of(), data);
        }
    }

    /** The 4-byte selector of a custom error signature, e.g. {@code LedgerNotExists(address)}. */
    public static String selector(String signature) {
        return Numeric.toHexString(Hash.sha3(signature.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .substring(0, 10);
    }
}
