package zg.compute.provider.internal.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import zg.compute.provider.internal.auth.RequestRejected;
import zg.compute.provider.internal.billing.StrictJson;
import zg.compute.provider.internal.billing.TokenEstimate;

/**
 * {@code embedding} (services-and-ui.md A.6): input tokens × inputPrice, no output fee. The reservation
 * covers twice the broker's count of the inputs (tokenizers split more finely than words) plus a margin;
 * the bill is the upstream's {@code usage.prompt_tokens}, else the broker's own count.
 */
public final class EmbeddingStrategy implements ServiceStrategy {

    private final BigInteger inputPrice;

    public EmbeddingStrategy(BigInteger inputPrice) {
        this.inputPrice = inputPrice;
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
        return new Embedding(tokens);
    }

    private final class Embedding implements PaidRequest {
        private final long estimate;

        Embedding(long estimate) {
            this.estimate = estimate;
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
