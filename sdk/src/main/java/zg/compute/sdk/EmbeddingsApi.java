package zg.compute.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** {@code broker.inference().embeddings()}: embeddings through a provider's broker. */
public final class EmbeddingsApi {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final InferenceBroker broker;

    EmbeddingsApi(InferenceBroker broker) {
        this.broker = broker;
    }

    /**
     * {@code POST <url>/v1/proxy/embeddings} with {@code {model, input:[…]}}; verifies
     * {@code sha256(request):sha256(answer)} and adds usage.prompt_tokens × inputPrice to the local estimate.
     */
    public EmbeddingResult create(String provider, List<String> inputs) {
        if (inputs == null || inputs.isEmpty()) {
            throw new InvalidRequestException("Embeddings need at least one input text");
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("model", broker.serviceFor(provider, "embedding").model());
        ArrayNode input = body.putArray("input");
        for (String s : inputs) {
            if (s == null) {
                throw new InvalidRequestException("Embedding inputs must not be null");
            }
            input.add(s);
        }
        byte[] request = body.toString().getBytes(StandardCharsets.UTF_8);
        InferenceBroker.Paid p = broker.paid(provider, "/embeddings", "application/json", request, null);
        JsonNode doc;
        try {
            doc = JSON.readTree(p.body());
        } catch (Exception e) {
            throw new ZGComputeException("The provider's embeddings answer is not JSON");
        }
        if (doc == null || !doc.path("data").isArray()) {
            throw new ZGComputeException("The provider's embeddings answer has no data array");
        }
        List<double[]> vectors = new ArrayList<>();
        for (JsonNode item : doc.get("data")) {
            JsonNode e = item.path("embedding");
            double[] v = new double[e.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = e.get(i).asDouble();
            }
            int at = item.path("index").canConvertToInt() ? item.get("index").asInt() : vectors.size();
            if (at < 0 || at >= inputs.size()) {
                throw new ZGComputeException("The provider's embeddings answer has an index out of range: " + at);
            }
            while (vectors.size() <= at) {
                vectors.add(null);
            }
            vectors.set(at, v);
        }
        JsonNode tokens = doc.path("usage").path("prompt_tokens");
        return new EmbeddingResult(vectors, tokens.canConvertToLong() ? tokens.asLong() : -1, p.chatId(),
                p.verification(), p.fee());
    }
}
