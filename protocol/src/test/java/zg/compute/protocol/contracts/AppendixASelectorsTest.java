package zg.compute.protocol.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Hash;
import zg.compute.protocol.OfficialFacts;

/**
 * Every selector, event topic and error selector listed in contracts.md Appendix A is present in
 * our compiled ABI with exactly that hash (read from the official table kept in test resources, not copied into the test).
 */
class AppendixASelectorsTest {

    private static final Pattern LINE = Pattern.compile("^(0x[0-9a-f]{8}|0x[0-9a-f]{64})\\s+(\\w+\\([^)]*(?:\\)[^)]*)*\\))\\s*$");

    @Test
    void appendixSelectorsAndTopicsMatchOurAbi() throws IOException {
        Map<String, Map<String, String>> appendix = parseAppendix();
        assertThat(appendix).containsKeys("LedgerManager", "InferenceServing", "FineTuningServing");
        int checked = 0;
        for (var contract : appendix.entrySet()) {
            Map<String, String> ours = hashes(ContractArtifact.load(contract.getKey()).abi());
            for (var entry : contract.getValue().entrySet()) {
                String signature = entry.getKey();
                String expected = entry.getValue();
                assertThat(hash(signature, expected.length() == 66)).as("keccak of %s", signature).isEqualTo(expected);
                assertThat(ours).as("%s: %s", contract.getKey(), signature).containsEntry(signature, expected);
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(200);
    }

    /** contract name → (signature → selector/topic) as listed in the appendix code blocks. */
    private static Map<String, Map<String, String>> parseAppendix() throws IOException {
        List<String> lines = OfficialFacts.text("contracts-appendix-a.md").lines().toList();
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        boolean inAppendix = false;
        String current = null;
        for (String line : lines) {
            if (line.startsWith("## Appendix A")) {
                inAppendix = true;
                continue;
            }
            if (!inAppendix) {
                continue;
            }
            if (line.startsWith("## ")) {
                break;
            }
            if (line.startsWith("### ")) {
                String title = line.substring(4).trim();
                current = List.of("LedgerManager", "InferenceServing", "FineTuningServing").contains(title) ? title : null;
                continue;
            }
            Matcher m = LINE.matcher(line.trim());
            if (current != null && m.matches()) {
                out.computeIfAbsent(current, k -> new LinkedHashMap<>()).put(m.group(2), m.group(1));
            }
        }
        return out;
    }

    private static Map<String, String> hashes(JsonNode abi) {
        Map<String, String> out = new HashMap<>();
        for (JsonNode e : abi) {
            String type = e.path("type").asText();
            if (!List.of("function", "event", "error").contains(type)) {
                continue;
            }
            List<String> types = new ArrayList<>();
            for (JsonNode p : e.path("inputs")) {
                types.add(AbiTypes.canonical(p));
            }
            String sig = e.get("name").asText() + "(" + String.join(",", types) + ")";
            out.put(sig, hash(sig, type.equals("event")));
        }
        return out;
    }

    private static String hash(String signature, boolean full) {
        String h = Hash.sha3String(signature);
        return full ? h : h.substring(0, 10);
    }
}
