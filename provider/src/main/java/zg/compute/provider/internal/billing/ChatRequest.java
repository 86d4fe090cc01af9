package zg.compute.provider.internal.billing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.OptionalLong;
import zg.compute.provider.internal.auth.RequestRejected;

/**
 * A chat completion request as the broker bills it: parsed strictly (one JSON object, no trailing data,
 * no duplicate keys — what the upstream reads must be what the broker read), {@code stream} a real
 * boolean, {@code max_tokens} a positive integer, and the broker's estimate of the prompt's tokens.
 *
 * @param raw          the client's bytes, forwarded unchanged when nothing needs rewriting
 * @param promptTokens the broker's estimate ({@link TokenEstimate}) of the messages, 4 tokens of overhead each
 * @param maxTokens    the smaller of {@code max_tokens} and {@code max_completion_tokens}, if either is set
 */
public record ChatRequest(byte[] raw, ObjectNode json, boolean stream, long promptTokens, OptionalLong maxTokens) {

    private static final long PER_MESSAGE_OVERHEAD = 4;

    public static ChatRequest parse(byte[] body) throws RequestRejected {
        ObjectNode json = StrictJson.object(body);
        if (!json.path("messages").isArray()) {
            throw new RequestRejected(400, "invalid request body: messages field not found");
        }
        JsonNode s = json.get("stream");
        if (s != null && !s.isNull() && !s.isBoolean()) {
            // vLLM-style servers coerce "true"/1 and stream; a broker that read "not true" would bill nothing
            throw new RequestRejected(400, "invalid request body: stream must be true or false");
        }
        boolean stream = s != null && s.asBoolean();
        OptionalLong max = OptionalLong.empty();
        for (String key : new String[] {"max_tokens", "max_completion_tokens"}) {
            JsonNode m = json.get(key);
            if (m == null || m.isNull()) {
                continue;
            }
            if (!m.isIntegralNumber() || !m.canConvertToLong() || m.asLong() <= 0) {
                throw new RequestRejected(400, "invalid request body: " + key + " must be a positive integer");
            }
            max = OptionalLong.of(max.isPresent() ? Math.min(max.getAsLong(), m.asLong()) : m.asLong());
        }
        return new ChatRequest(body, json, stream, promptTokens(json.get("messages")), max);
    }

    private static long promptTokens(JsonNode messages) {
        long total = 0;
        for (JsonNode m : messages) {
            total += PER_MESSAGE_OVERHEAD;
            JsonNode content = m.path("content");
            if (content.isTextual()) {
                total += TokenEstimate.of(content.asText());
            } else if (content.isArray()) {
                for (JsonNode part : content) {
                    total += TokenEstimate.of(part.path("text").asText(""));
                }
            }
        }
        return total;
    }

    /**
     * The body sent upstream: streams always ask for usage (so the prompt is billed from the engine's
     * count even if the client said {@code include_usage: false}), and the output is capped at what the
     * user's reservation covers when that is less than what the request allows (left alone otherwise:
     * a {@code max_tokens} over the model's context would be refused by the engine).
     *
     * @param model the model to name, when the request named none and the broker bills it as one; else null
     */
    public byte[] forwardBody(OptionalLong outputCap, String model) {
        boolean cap = outputCap.isPresent() && (maxTokens.isEmpty() || maxTokens.getAsLong() > outputCap.getAsLong());
        JsonNode usage = json.path("stream_options").path("include_usage");
        if (!cap && model == null && (!stream || usage.isBoolean() && usage.booleanValue())) {
            return raw; // nothing to change: the client's bytes as they are (no re-serialisation on the hot path)
        }
        ObjectNode out = json.deepCopy();
        if (model != null) {
            out.put("model", model);
        }
        if (stream) {
            ObjectNode so = out.path("stream_options").isObject() ? (ObjectNode) out.get("stream_options")
                    : out.putObject("stream_options");
            so.put("include_usage", true);
        }
        if (outputCap.isPresent() && (maxTokens.isEmpty() || maxTokens.getAsLong() > outputCap.getAsLong())) {
            out.put("max_tokens", outputCap.getAsLong());
            if (out.has("max_completion_tokens")) {
                out.put("max_completion_tokens", outputCap.getAsLong());
            }
        }
        return StrictJson.write(out);
    }
}
