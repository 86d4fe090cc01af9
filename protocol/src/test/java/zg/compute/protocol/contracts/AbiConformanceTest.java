package zg.compute.protocol.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import zg.compute.protocol.OfficialFacts;

/**
 * Our compiled ABI must equal the official deployed ABI: every function (inputs, outputs,
 * mutability), event (indexed flags) and error; parameter names may differ.
 */
class AbiConformanceTest {

    static Stream<Arguments> contracts() {
        return Stream.of(
                Arguments.of(ContractArtifact.LEDGER_MANAGER, "LedgerManagerImpl.abi.json"),
                Arguments.of(ContractArtifact.INFERENCE_SERVING, "InferenceServing_v1.0Impl.abi.json"),
                Arguments.of(ContractArtifact.FINE_TUNING_SERVING, "FineTuningServing_v1.0Impl.abi.json"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("contracts")
    void compiledAbiMatchesTheDeployedAbi(String name, String officialFile) throws IOException {
        Set<String> ours = entries(ContractArtifact.load(name).abi());
        Set<String> official = entries(new ObjectMapper().readTree(OfficialFacts.bytes("abi/" + officialFile)));

        Set<String> missing = new TreeSet<>(official);
        missing.removeAll(ours);
        Set<String> extra = new TreeSet<>(ours);
        extra.removeAll(official);

        assertThat(missing).as("entries of the official %s ABI missing from ours", name).isEmpty();
        assertThat(extra).as("entries in our %s ABI that the official one lacks", name).isEmpty();
        assertThat(ours).hasSameSizeAs(official);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("contracts")
    void runtimeCodeFitsEip170(String name, String ignored) {
        assertThat(ContractArtifact.load(name).runtimeSize()).isLessThanOrEqualTo(24_576);
    }

    /** One normalized line per ABI entry: kind, name, canonical types, indexed flags, outputs, mutability. */
    static Set<String> entries(JsonNode abi) {
        Set<String> out = new TreeSet<>();
        for (JsonNode e : abi) {
            StringBuilder sb = new StringBuilder(e.path("type").asText()).append(' ').append(e.path("name").asText())
                    .append('(');
            appendParams(sb, e.path("inputs"), true);
            sb.append(')');
            if (e.has("outputs")) {
                sb.append(" returns (");
                appendParams(sb, e.path("outputs"), false);
                sb.append(')');
            }
            if (e.has("stateMutability")) {
                sb.append(' ').append(e.get("stateMutability").asText());
            }
            if (e.path("anonymous").asBoolean(false)) {
                sb.append(" anonymous");
            }
            out.add(sb.toString());
        }
        return out;
    }

    private static void appendParams(StringBuilder sb, JsonNode params, boolean withIndexed) {
        boolean first = true;
        for (JsonNode p : params) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append(AbiTypes.canonical(p));
            if (withIndexed && p.path("indexed").asBoolean(false)) {
                sb.append(" indexed");
            }
        }
    }
}
