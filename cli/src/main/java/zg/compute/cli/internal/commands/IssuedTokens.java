package zg.compute.cli.internal.commands;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import zg.compute.cli.CliException;

/**
 * Which API-key slots this CLI has handed out, per user, provider and generation ({@code api-keys.json};
 * ids only, never a key). The chain only knows revoked slots, so without this every new key would get
 * slot 0 and revoking one would revoke them all (sdk-cli.md §5, P12).
 */
final class IssuedTokens {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final int HIGHEST = 254;

    private final Path file;

    IssuedTokens(Path configDir) {
        this.file = configDir.resolve("api-keys.json");
    }

    /** The lowest slot neither revoked on chain nor issued in this generation. */
    int firstFree(String user, String provider, long generation, BigInteger revoked) {
        TreeSet<Integer> used = new TreeSet<>(load().getOrDefault(key(user, provider, generation), new TreeSet<>()));
        for (int i = 0; i <= HIGHEST; i++) {
            if (!revoked.testBit(i) && !used.contains(i)) {
                return i;
            }
        }
        throw new CliException("Every token id (0..254) is revoked or already handed out for this provider: pass "
                + "--token-id to reuse one, or run \"inference revoke-all-tokens\" to free them all.");
    }

    void record(String user, String provider, long generation, int tokenId) {
        Map<String, TreeSet<Integer>> all = load();
        all.computeIfAbsent(key(user, provider, generation), k -> new TreeSet<>()).add(tokenId);
        try {
            Files.createDirectories(file.getParent());
            JSON.writeValue(file.toFile(), all);
        } catch (IOException e) {
            throw new CliException("Cannot write " + file + ": " + e.getMessage());
        }
    }

    private Map<String, TreeSet<Integer>> load() {
        if (!Files.exists(file)) {
            return new TreeMap<>();
        }
        try {
            return JSON.readValue(file.toFile(), new TypeReference<TreeMap<String, TreeSet<Integer>>>() { });
        } catch (IOException e) {
            throw new CliException("Cannot read " + file + ": " + e.getMessage());
        }
    }

    private static String key(String user, String provider, long generation) {
        return user.toLowerCase(Locale.ROOT) + ":" + provider.toLowerCase(Locale.ROOT) + ":" + generation;
    }
}
