package zg.compute.backends.internal.embeddings;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed and checked {@code POST /v1/embeddings} body:
 * {@code {"model", "input": string | [string], "encoding_format"?: "float"|"base64", "dimensions"?: 384, "user"?}}.
 * Parsing is strict (one JSON object, no trailing data, no duplicate keys, no unknown fields); every refusal is an
 * {@link ApiError} with a one-line message.
 */
public record EmbeddingRequest(String model, List<String> inputs, boolean base64) {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static final Set<String> FIELDS = Set.of("model", "input", "encoding_format", "dimensions", "user");

    /** Limits applied while parsing. */
    public record Limits(int maxInputs, int maxInputChars) {
    }

    public static EmbeddingRequest parse(byte[] body, Limits limits) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiError.badRequest("request body is not valid JSON: " + oneLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw ApiError.badRequest("request body is not valid JSON: " + oneLine(e.getMessage()));
        }
        if (root == null || root.isMissingNode()) {
            throw ApiError.badRequest("request body is empty; expected a JSON object");
        }
        if (!root.isObject()) {
            throw ApiError.badRequest("request body must be a JSON object, not " + kind(root));
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            String name = it.next().getKey();
            if (!FIELDS.contains(name)) {
                throw ApiError.badRequest("unrecognized request argument: " + quote(name)
                        + " (supported: model, input, encoding_format, dimensions, user)");
            }
        }

        JsonNode model = root.get("model");
        if (model == null || model.isNull()) {
            throw ApiError.badRequest("missing required parameter: model");
        }
        if (!model.isTextual()) {
            throw ApiError.badRequest("model must be a string, not " + kind(model));
        }

        boolean base64 = false;
        JsonNode format = root.get("encoding_format");
        if (format != null && !format.isNull()) {
            if (!format.isTextual() || !(format.asText().equals("float") || format.asText().equals("base64"))) {
                throw ApiError.badRequest("encoding_format must be \"float\" or \"base64\", not "
                        + (format.isTextual() ? quote(format.asText()) : kind(format)));
            }
            base64 = format.asText().equals("base64");
        }

        JsonNode dimensions = root.get("dimensions");
        if (dimensions != null && !dimensions.isNull()) {
            if (!dimensions.isIntegralNumber()) {
                throw ApiError.badRequest("dimensions must be an integer, not " + kind(dimensions));
            }
            if (!dimensions.canConvertToInt() || dimensions.intValue() != MiniLm.DIMENSIONS) {
                throw ApiError.badRequest("dimensions " + oneLine(dimensions.asText()) + " is not supported: "
                        + "all-MiniLM-L6-v2 embeddings have exactly " + MiniLm.DIMENSIONS + " dimensions");
            }
        }

        JsonNode user = root.get("user");
        if (user != null && !user.isNull() && !user.isTextual()) {
            throw ApiError.badRequest("user must be a string, not " + kind(user));
        }

        return new EmbeddingRequest(model.asText(), inputs(root.get("input"), limits), base64);
    }

    private static List<String> inputs(JsonNode input, Limits limits) {
        if (input == null || input.isNull()) {
            throw ApiError.badRequest("missing required parameter: input");
        }
        if (input.isTextual()) {
            return List.of(text(input.asText(), "input", limits));
        }
        if (!input.isArray()) {
            throw ApiError.badRequest("input must be a string or an array of strings, not " + kind(input));
        }
        if (input.isEmpty()) {
            throw ApiError.badRequest("input must not be an empty array");
        }
        if (input.size() > limits.maxInputs()) {
            throw ApiError.badRequest("too many inputs: " + input.size() + "; at most " + limits.maxInputs()
                    + " per request");
        }
        List<String> texts = new ArrayList<>(input.size());
        for (int i = 0; i < input.size(); i++) {
            JsonNode item = input.get(i);
            String where = "input[" + i + "]";
            if (item.isTextual()) {
                texts.add(text(item.asText(), where, limits));
            } else if (item.isIntegralNumber() || (item.isArray() && (item.isEmpty() || item.get(0).isNumber()))) {
                throw ApiError.badRequest("token-id input (" + (item.isArray() ? "an array of token-id arrays"
                        : "an array of integers") + ") is not supported; send the text as a string or an array of "
                        + "strings");
            } else {
                throw ApiError.badRequest(where + " must be a string, not " + kind(item));
            }
        }
        return texts;
    }

    private static String text(String s, String where, Limits limits) {
        if (s.isEmpty()) {
            throw ApiError.badRequest(where + " must not be an empty string");
        }
        if (s.length() > limits.maxInputChars()) {
            throw ApiError.badRequest(where + " is " + s.length() + " characters; at most " + limits.maxInputChars()
                    + " per input");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw ApiError.badRequest(where + " is not valid Unicode: unpaired surrogate \\u"
                        + String.format("%04x", (int) c) + " at character " + i);
            }
        }
        return s;
    }

    private static String kind(JsonNode n) {
        switch (n.getNodeType()) {
            case ARRAY: return "an array";
            case OBJECT: return "an object";
            case STRING: return "a string";
            case NUMBER: return "a number";
            case BOOLEAN: return "a boolean";
            case NULL: return "null";
            default: return n.getNodeType().toString().toLowerCase();
        }
    }

    private static String quote(String s) {
        return "\"" + oneLine(s) + "\"";
    }

    /** Collapses whitespace (Jackson messages may span lines) and caps the length. */
    static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        String line = s.replaceAll("\\s+", " ").trim();
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }
}
