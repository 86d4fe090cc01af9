package zg.compute.webui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import zg.compute.sdk.ConfigurationException;
import zg.compute.sdk.InvalidRequestException;

/**
 * Which API-key slots were handed out, per user, provider and generation: {@code api-keys.json} in the CLI's
 * config directory, one record shared by {@code inference get-secret} and the web UI so neither hands out a slot
 * the other already used (sdk-cli.md §5, P12). Ids, labels and times only, never a key. The chain only knows
 * revoked slots, so without this every new key would get slot 0 and revoking one would revoke them all.
 * Older files hold bare ids ({@code [0, 1]}); they are read as slots without label or times.
 */
public final class IssuedKeys {

    /** One handed-out slot; {@code label}, {@code createdAt} and {@code expiresAt} (ms, 0 = never) may be null. */
    public record Slot(int tokenId, String label, Long createdAt, Long expiresAt) {
    }

    public static final int HIGHEST = 254;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path file;

    public IssuedKeys(Path configDir) {
        this.file = configDir.resolve("api-keys.json");
    }

    /** The lowest slot neither revoked on chain nor handed out in this generation. */
    public synchronized int firstFree(String user, String provider, long generation, BigInteger revoked) {
        List<Integer> used = issued(user, provider, generation).stream().map(Slot::tokenId).toList();
        for (int i = 0; i <= HIGHEST; i++) {
            if (!revoked.testBit(i) && !used.contains(i)) {
                return i;
            }
        }
        throw new InvalidRequestException("Every token id (0..254) is revoked or already handed out for this "
                + "provider: reuse one by its id, or revoke all tokens to free them all.");
    }

    /** Slots handed out in this generation, by id. */
    public synchronized List<Slot> issued(String user, String provider, long generation) {
        JsonNode list = load().get(key(user, provider, generation));
        List<Slot> slots = new ArrayList<>();
        if (list != null) {
            for (JsonNode n : list) {
                slots.add(n.isInt() ? new Slot(n.asInt(), null, null, null) : new Slot(n.path("tokenId").asInt(),
                        text(n, "label"), number(n, "createdAt"), number(n, "expiresAt")));
            }
        }
        slots.sort(Comparator.comparingInt(Slot::tokenId));
        return slots;
    }

    /** Adds (or replaces) the slot's entry. */
    public synchronized void record(String user, String provider, long generation, Slot slot) {
        Map<String, JsonNode> all = load();
        ArrayNode list = JSON.createArrayNode();
        JsonNode old = all.get(key(user, provider, generation));
        if (old != null) {
            for (JsonNode n : old) {
                if ((n.isInt() ? n.asInt() : n.path("tokenId").asInt()) != slot.tokenId()) {
                    list.add(n);
                }
            }
        }
        ObjectNode entry = list.addObject().put("tokenId", slot.tokenId());
        if (slot.label() != null && !slot.label().isBlank()) {
            entry.put("label", slot.label().strip());
        }
        if (slot.createdAt() != null) {
            entry.put("createdAt", slot.createdAt());
        }
        if (slot.expiresAt() != null) {
            entry.put("expiresAt", slot.expiresAt());
        }
        all.put(key(user, provider, generation), list);
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            // write whole then move: the CLI and the web UI may both use the file
            Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), "api-keys", ".tmp");
            JSON.writeValue(tmp.toFile(), all);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new ConfigurationException("Cannot write " + file + ": " + e.getMessage());
        }
    }

    private Map<String, JsonNode> load() {
        Map<String, JsonNode> all = new TreeMap<>();
        if (!Files.exists(file)) {
            return all;
        }
        try {
            JsonNode root = JSON.readTree(file.toFile());
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                all.put(e.getKey(), e.getValue());
            }
            return all;
        } catch (IOException | RuntimeException e) {
            throw new ConfigurationException("Cannot read " + file + ": " + e.getMessage());
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static Long number(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || !v.canConvertToLong() ? null : v.asLong();
    }

    private static String key(String user, String provider, long generation) {
        return user.toLowerCase(Locale.ROOT) + ":" + provider.toLowerCase(Locale.ROOT) + ":" + generation;
    }
}
