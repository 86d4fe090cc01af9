package zg.compute.sdk;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import zg.compute.sdk.internal.http.FormData;
import zg.compute.sdk.internal.verify.ImageAnswer;

/** {@code broker.inference().images()}: text-to-image and image-editing through a provider's broker. */
public final class ImagesApi {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final int MAX_N = 10;

    private final InferenceBroker broker;

    ImagesApi(InferenceBroker broker) {
        this.broker = broker;
    }

    /**
     * {@code POST <url>/v1/proxy/images/generations} with {@code {model, prompt, n?, size?, response_format:
     * "b64_json"}}; verifies the signature over the request and the decoded pictures, and adds images delivered ×
     * outputPrice to the local fee estimate.
     */
    public ImageResult generate(String provider, ImageRequest request) {
        if (request == null || request.prompt() == null || request.prompt().isBlank()) {
            throw new InvalidRequestException("An image request needs a non-empty prompt");
        }
        checkN(request.n());
        ObjectNode body = JSON.createObjectNode();
        body.put("model", broker.serviceFor(provider, "text-to-image").model());
        body.put("prompt", request.prompt());
        if (request.n() != null) {
            body.put("n", request.n());
        }
        if (request.size() != null) {
            body.put("size", request.size());
        }
        body.put("response_format", "b64_json");
        byte[] bytes = body.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        InferenceBroker.Paid p = broker.paid(provider, "/images/generations", "application/json", bytes,
                body.toString());
        return result(p);
    }

    /**
     * {@code POST <url>/v1/proxy/images/edits} as multipart ({@code model, prompt, image, mask?, n?, size?,
     * response_format=b64_json}); verified and billed as {@link #generate}.
     */
    public ImageResult edit(String provider, ImageEditRequest request) {
        if (request == null || request.prompt() == null || request.prompt().isBlank()) {
            throw new InvalidRequestException("An image edit needs a non-empty prompt");
        }
        if (request.image() == null || request.image().length == 0) {
            throw new InvalidRequestException("An image edit needs the image to edit (non-empty bytes)");
        }
        checkN(request.n());
        FormData form = new FormData()
                .field("model", broker.serviceFor(provider, "image-editing").model())
                .field("prompt", request.prompt())
                .field("n", request.n() == null ? null : request.n().toString())
                .field("size", request.size())
                .field("response_format", "b64_json")
                .file("image", request.imageName() == null || request.imageName().isBlank() ? "image.png"
                        : request.imageName(), "application/octet-stream", request.image());
        if (request.mask() != null) {
            form.file("mask", "mask.png", "application/octet-stream", request.mask());
        }
        // content: the n as JSON, so the fee is capped at the requested count as the broker caps it
        String content = "{\"n\":" + (request.n() == null ? 1 : request.n()) + "}";
        return result(broker.paid(provider, "/images/edits", form.contentType(), form.bytes(), content));
    }

    private static ImageResult result(InferenceBroker.Paid p) {
        List<byte[]> images = ImageAnswer.decode(p.body(), Integer.MAX_VALUE);
        if (images == null) {
            throw new ZGComputeException("The provider answered without b64_json images");
        }
        return new ImageResult(List.copyOf(images), p.chatId(), p.verification(), p.fee());
    }

    private static void checkN(Integer n) {
        if (n != null && (n < 1 || n > MAX_N)) {
            throw new InvalidRequestException("n must be between 1 and " + MAX_N + ", got " + n);
        }
    }
}
