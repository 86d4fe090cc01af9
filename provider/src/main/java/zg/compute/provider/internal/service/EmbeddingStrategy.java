package zg.compute.provider.internal.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import zg.compute.provider.internal.auth.RequestRejected;
import zg.compute.provider.internal.billing.StrictJson;
import zg.compute.provider.internal.billing.TokenEstimate;
import zg.compute.provider.internal.service.PaidRequest.Forward;

/**
 * {@code embedding} (services-and-ui.md A.6): input tokens × inputPrice of the requested model, no output fee. The reservation
 * covers twice the broker's count of the inputs (tokenizers split more finely than words) plus a margin;
 * the bill is the upstream's {@code usage.prompt_tokens}, else the broker's own count.
 */
public final class EmbeddingStrategy implements ServiceStrategy {

    private final ModelCatalog catalog;

    public EmbeddingStrategy(ModelCatalog catalog) {
        this.catalog = catalog;
    }

    @Override
    public String type() {
        return "embedding";
    }

    @Override
    public String priceUnit() {
        return "neuron per input token (inputPrice)";
    }

    @Override
    public String path() {
        return "/embeddings";
    }

    @Override
    public PaidRequest read(byte[] body, String contentType) throws RequestRejected {
        ObjectNode json = StrictJson.object(body);
        ModelCatalog.Resolved model = catalog.resolve(json.get("model"));
        JsonNode input = json.get("input");
        long tokens;
        if (input != null && input.isTextual()) {
            tokens = Math.max(1, TokenEstimate.of(input.asText()));
        } else if (input != null && input.isArray() && !input.isEmpty()) {
            tokens = 0;
            for (JsonNode item : input) {
                if (item.isTextual()) {
                    tokens += Math.max(1, TokenEstimate.of(item.asText()));
                } else if (item.isArray()) {
                    tokens += item.size(); // already token ids
                } else if (item.isIntegralNumber()) {
                    tokens += 1;
                } else {
                    throw new RequestRejected(400, "invalid request body: input must be a string or an array of"
                            + " strings or token arrays");
                }
            }
        } else {
            throw new RequestRejected(400, "invalid request body: input field not found");
        }
        Forward forward = null;
        if (model.setUpstream() != null) {
            json.put("model", model.setUpstream());
            forward = new Forward(StrictJson.write(json), "application/json");
        }
        return new Embedding(tokens, model.inputPrice(), forward);
    }

    private static final class Embedding implements PaidRequest {
        private final long estimate;
        private final BigInteger inputPrice;
        /** Null: the client's body as it is. */
        private final Forward forward;

        Embedding(long estimate, BigInteger inputPrice, Forward forward) {
            this.estimate = estimate;
            this.inputPrice = inputPrice;
            this.forward = forward;
        }

        @Override
        public Forward forward(BigInteger reserved) {
            return forward;
        }

        @Override
        public BigInteger minimumFee() {
            return inputPrice.multiply(BigInteger.valueOf(estimate));
        }

        @Override
        public BigInteger desiredFee() {
            return inputPrice.multiply(BigInteger.valueOf(2 * estimate + 16));
        }

        @Override
        public Bill bill(Response r) {
            long tokens = estimate; // the broker's own count unless the answer reports one
            JsonNode n = r.text().map(StrictJson::readOrNull).orElse(null);
            if (n != null && n.path("usage").path("prompt_tokens").canConvertToLong()
                    && n.path("usage").path("prompt_tokens").asLong() >= 0) {
                tokens = n.path("usage").path("prompt_tokens").asLong();
            }
            return new Bill(tokens, 0, inputPrice.multiply(BigInteger.valueOf(tokens)), BigInteger.ZERO);
        }
    }
}
