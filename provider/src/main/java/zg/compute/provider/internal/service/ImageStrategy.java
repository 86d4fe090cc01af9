package zg.compute.provider.internal.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zg.compute.protocol.signing.ResponseSignature;
import zg.compute.provider.internal.auth.RequestRejected;
import zg.compute.provider.internal.billing.StrictJson;

/**
 * {@code text-to-image} and {@code image-editing} (services-and-ui.md A.2, A.3): fee = images delivered
 * (at most the requested {@code n}) × outputPrice of the requested model, reserved for the requested {@code n}. The upstream is
 * always asked for {@code b64_json}; the signed text covers the decoded images. Edits come as multipart
 * (read with a real parser: a duplicated {@code n} is refused) or as JSON. A client asking for {@code url}
 * gets the pictures as broker-hosted URLs ({@link HostedImages}); the signed text is the same.
 */
public final class ImageStrategy implements ServiceStrategy {

    static final int MAX_N = 10;
    private static final int MAX_IMAGE = 50 * 1024 * 1024;
    static final String AMBIGUOUS_N = "`n` could not be read unambiguously";
    static final String STORE_DISABLED = "response_format=url requested but image store is disabled"
            + " (check startup logs for newImageStore error)";
    static final String NOT_B64 = "provider returned non-b64 image response, refusing to forward"
            + " (may contain LAN-private URLs): ";

    private static final Logger log = LoggerFactory.getLogger(ImageStrategy.class);

    private final boolean edits;
    private final ModelCatalog catalog;
    private final HostedImages hosted;

    private ImageStrategy(boolean edits, ModelCatalog catalog, HostedImages hosted) {
        this.edits = edits;
        this.catalog = catalog;
        this.hosted = hosted;
    }

    /** @param hosted where {@code url} answers are kept; null: the store is disabled and {@code url} is refused */
    public static ImageStrategy generations(ModelCatalog catalog, HostedImages hosted) {
        return new ImageStrategy(false, catalog, hosted);
    }

    public static ImageStrategy edits(ModelCatalog catalog, HostedImages hosted) {
        return new ImageStrategy(true, catalog, hosted);
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
            boolean url = wantsUrl(m.single("response_format", "`response_format` could not be read unambiguously")
                    .map(p -> p.text().strip()).orElse(null));
            ModelCatalog.Resolved model = catalog.resolve(m.single("model", "`model` could not be read unambiguously")
                    .map(p -> p.text().strip()).orElse(null));
            Multipart forward = model.setUpstream() == null ? m : Multipart.parse(m.withField("model",
                    model.setUpstream()), "multipart/form-data; boundary=" + m.boundary());
            return new Images(n, url, model.outputPrice(), new PaidRequest.Forward(
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
        JsonNode format = json.get("response_format");
        if (format != null && !format.isNull() && !format.isTextual()) {
            throw new RequestRejected(400, "invalid request body: response_format must be b64_json or url");
        }
        boolean url = wantsUrl(format == null || format.isNull() ? null : format.asText());
        ModelCatalog.Resolved model = catalog.resolve(json.get("model"));
        ObjectNode forward = json.deepCopy();
        forward.put("response_format", "b64_json");
        if (model.setUpstream() != null) {
            forward.put("model", model.setUpstream());
        }
        return new Images(n, url, model.outputPrice(), new PaidRequest.Forward(StrictJson.write(forward),
                "application/json"));
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

    /** Whether the client asked for broker-hosted URLs; refused before anything is reserved if they cannot be kept. */
    private boolean wantsUrl(String format) throws RequestRejected {
        if (format == null || format.equals("b64_json")) {
            return false;
        }
        if (!format.equals("url")) {
            throw new RequestRejected(400, "invalid request body: response_format must be b64_json or url");
        }
        if (hosted == null) {
            throw new RequestRejected(400, STORE_DISABLED);
        }
        return true;
    }

    private final class Images implements PaidRequest {
        private final int n;
        private final boolean url;
        private final BigInteger outputPrice;
        private final Forward forward;

        Images(int n, boolean url, BigInteger outputPrice, Forward forward) {
            this.n = n;
            this.url = url;
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
            return images(r.text().map(StrictJson::readOrNull).orElse(null));
        }

        private List<byte[]> images(JsonNode doc) {
            try {
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
        public boolean rewritesResponse() {
            return url;
        }

        /**
         * The answer with each delivered picture replaced by {@code {url, revised_prompt?}}. An answer whose
         * pictures are not all b64 is refused (a URL from the model server may point into the provider's LAN);
         * if the pictures cannot be stored, the client gets them as b64_json after all (A.2).
         */
        @Override
        public Delivery deliver(Response r, String chatKey) throws RequestRejected {
            String text = r.text().orElse(null);
            JsonNode doc = text == null ? null : StrictJson.readOrNull(text);
            List<byte[]> images = images(doc);
            JsonNode data = doc == null ? null : doc.get("data");
            if (images == null || images.size() < Math.min(n, data.size())) {
                String why = images == null ? "the answer holds no data array of images"
                        : "data[" + images.size() + "] has no b64_json";
                throw new RequestRejected(502, NOT_B64 + why);
            }
            try {
                List<String> urls = hosted.put(chatKey, images);
                ObjectNode out = ((ObjectNode) doc).deepCopy();
                ArrayNode items = out.putArray("data");
                for (int i = 0; i < urls.size(); i++) {
                    ObjectNode item = items.addObject().put("url", urls.get(i));
                    JsonNode revised = data.get(i).get("revised_prompt");
                    if (revised != null && !revised.isNull()) {
                        item.set("revised_prompt", revised);
                    }
                }
                return new Delivery(StrictJson.write(out), "application/json");
            } catch (IOException | RuntimeException e) {
                log.warn("response {}: cannot host its {} image(s) ({}); answering with b64_json", chatKey,
                        images.size(), e.toString());
                return new Delivery(text.getBytes(StandardCharsets.UTF_8), "application/json");
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
            return images == null ? PaidRequest.super.signedText(requestBody, r)
                    : ResponseSignature.imagesText(requestBody, images);
        }
    }
}
