package zg.compute.provider.internal.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import zg.compute.protocol.signing.ResponseSignature;
import zg.compute.provider.internal.auth.RequestRejected;
import zg.compute.provider.internal.billing.StrictJson;

/**
 * {@code text-to-image} and {@code image-editing} (services-and-ui.md A.2, A.3): fee = images delivered
 * (at most the requested {@code n}) × outputPrice of the requested model, reserved for the requested {@code n}. The upstream is
 * always asked for {@code b64_json}; the signed text covers the decoded images. Edits come as multipart
 * (read with a real parser: a duplicated {@code n} is refused) or as JSON.
 */
public final class ImageStrategy implements ServiceStrategy {

    static final int MAX_N = 10;
    private static final int MAX_IMAGE = 50 * 1024 * 1024;
    static final String AMBIGUOUS_N = "`n` could not be read unambiguously";

    private final boolean edits;
    private final ModelCatalog catalog;

    private ImageStrategy(boolean edits, ModelCatalog catalog) {
        this.edits = edits;
        this.catalog = catalog;
    }

    public static ImageStrategy generations(ModelCatalog catalog) {
        return new ImageStrategy(false, catalog);
    }

    public static ImageStrategy edits(ModelCatalog catalog) {
        return new ImageStrategy(true, catalog);
    }

    @Override
    public String type() {
        return edits ? "image-editing" : "text-to-image";
    }

    @Override
    public String priceUnit() {
        return "neuron per image (outputPrice)";
    }

    @Override
    public String path() {
        return edits ? "/images/edits" : "/images/generations";
    }

    @Override
    public String upstreamQuery() {
        return "?wait=true";
    }

    @Override
    public PaidRequest read(byte[] body, String contentType) throws RequestRejected {
        if (edits && Multipart.isMultipart(contentType)) {
            Multipart m = Multipart.parse(body, contentType);
            if (m.single("image", "`image` could not be read unambiguously").isEmpty()
                    && m.single("image[]", "`image` could not be read unambiguously").isEmpty()) {
                throw new RequestRejected(400, "invalid request body: image field not found");
            }
            requirePrompt(m.single("prompt", "`prompt` could not be read unambiguously").map(Multipart.Part::text)
                    .orElse(null));
            int n = count(m.single("n", AMBIGUOUS_N).map(p -> p.text().strip()).orElse(null));
            checkFormat(m.single("response_format", "`response_format` could not be read unambiguously")
                    .map(p -> p.text().strip()).orElse(null));
            ModelCatalog.Resolved model = catalog.resolve(m.single("model", "`model` could not be read unambiguously")
                    .map(p -> p.text().strip()).orElse(null));
            Multipart forward = model.setUpstream() == null ? m : Multipart.parse(m.withField("model",
                    model.setUpstream()), "multipart/form-data; boundary=" + m.boundary());
            return new Images(n, model.outputPrice(), new PaidRequest.Forward(
                    forward.withField("response_format", "b64_json"), "multipart/form-data; boundary=" + m.boundary()));
        }
        ObjectNode json = StrictJson.object(body);
        requirePrompt(json.path("prompt").isTextual() ? json.get("prompt").asText() : null);
        if (edits && !json.path("image").isTextual()) {
            throw new RequestRejected(400, "invalid request body: image field not found");
        }
        JsonNode nNode = json.get("n");
        int n;
        if (nNode == null || nNode.isNull()) {
            n = 1;
        } else if (nNode.isIntegralNumber() && nNode.canConvertToInt()) {
            n = count(String.valueOf(nNode.asInt()));
        } else {
            throw new RequestRejected(400, AMBIGUOUS_N);
        }
        checkFormat(json.path("response_format").isTextual() ? json.get("response_format").asText() : null);
        ModelCatalog.Resolved model = catalog.resolve(json.get("model"));
        ObjectNode forward = json.deepCopy();
        forward.put("response_format", "b64_json");
        if (model.setUpstream() != null) {
            forward.put("model", model.setUpstream());
        }
        return new Images(n, model.outputPrice(), new PaidRequest.Forward(StrictJson.write(forward), "application/json"));
    }

    private static void requirePrompt(String prompt) throws RequestRejected {
        if (prompt == null || prompt.isBlank()) {
            throw new RequestRejected(400, "invalid request body: prompt field not found");
        }
    }

    private static int count(String n) throws RequestRejected {
        if (n == null) {
            return 1;
        }
        try {
            int v = Integer.parseInt(n);
            if (v < 1 || v > MAX_N) {
                throw new RequestRejected(400, "invalid request body: n must be between 1 and " + MAX_N);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new RequestRejected(400, AMBIGUOUS_N);
        }
    }

    private static void checkFormat(String format) throws RequestRejected {
        if (format != null && !format.equals("b64_json")) {
            // broker-hosted image URLs are not built yet: say so instead of answering in another format
            throw new RequestRejected(400, "invalid request body: response_format must be b64_json on this broker"
                    + " (url is not supported yet)");
        }
    }

    private static final class Images implements PaidRequest {
        private final int n;
        private final BigInteger outputPrice;
        private final Forward forward;

        Images(int n, BigInteger outputPrice, Forward forward) {
            this.n = n;
            this.outputPrice = outputPrice;
            this.forward = forward;
        }

        @Override
        public BigInteger minimumFee() {
            return desiredFee();
        }

        @Override
        public BigInteger desiredFee() {
            return outputPrice.multiply(BigInteger.valueOf(n));
        }

        @Override
        public Forward forward(BigInteger reserved) {
            return forward;
        }

        /** The decoded images of the answer (at most n), or null when the answer is not readable. */
        private List<byte[]> images(Response r) {
            try {
                JsonNode doc = r.text().map(StrictJson::readOrNull).orElse(null);
                if (doc == null || !doc.path("data").isArray()) {
                    return null;
                }
                List<byte[]> out = new ArrayList<>();
                for (JsonNode item : doc.get("data")) {
                    if (out.size() == n || !item.path("b64_json").isTextual()) {
                        break;
                    }
                    String b64 = item.get("b64_json").asText();
                    if (b64.length() > MAX_IMAGE / 3 * 4 + 4) {
                        break;
                    }
                    out.add(Base64.getMimeDecoder().decode(b64));
                }
                return out;
            } catch (IllegalArgumentException unreadable) {
                return null;
            }
        }

        @Override
        public Bill bill(Response r) {
            List<byte[]> images = images(r);
            long delivered = images == null ? n : images.size(); // unreadable: the requested n (A.2)
            return new Bill(0, delivered, BigInteger.ZERO, outputPrice.multiply(BigInteger.valueOf(delivered)));
        }

        @Override
        public String signedText(byte[] requestBody, Response r) {
            List<byte[]> images = images(r);
            return images == null ? ResponseSignature.text(requestBody, r.bytes())
                    : ResponseSignature.imagesText(requestBody, images);
        }
    }
}
