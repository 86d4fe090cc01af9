package zg.compute.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import zg.compute.sdk.internal.http.FormData;

/** {@code broker.inference().images()}: text-to-image and image-editing through a provider's broker. */
public final class ImagesApi {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final int MAX_N = 10;

    private final InferenceBroker broker;

    ImagesApi(InferenceBroker broker) {
        this.broker = broker;
    }

    /** How long {@link #generateAsync} and {@link #editAsync} wait for a job by default. */
    public static final Duration DEFAULT_ASYNC_TIMEOUT = Duration.ofMinutes(10);

    /**
     * {@code POST <url>/v1/proxy/images/generations} with {@code {model, prompt, n?, size?, response_format}}
     * ({@code b64_json} unless the request asks for URLs); verifies the signature over the request and the
     * pictures (decoded, or fetched from the hosted URLs), and adds images delivered × outputPrice to the local
     * fee estimate.
     */
    public ImageResult generate(String provider, ImageRequest request) {
        byte[] bytes = generationBody(provider, request);
        return result(broker.paid(provider, "/images/generations", "application/json", bytes,
                new String(bytes, StandardCharsets.UTF_8)));
    }

    /**
     * {@link #generate} as an async job ({@code POST <url>/v1/async/images/generations}, services-and-ui.md A.4):
     * polls the job as its {@code Retry-After} says (default 5 s) for at most {@code timeout}; a {@code failed} job
     * throws {@link ZGComputeException} with its error. The result is verified and billed as {@link #generate}'s.
     */
    public ImageResult generateAsync(String provider, ImageRequest request, Duration timeout) {
        byte[] bytes = generationBody(provider, request);
        return result(broker.async(provider, "/images/generations", "application/json", bytes,
                new String(bytes, StandardCharsets.UTF_8), timeout));
    }

    /** {@link #generateAsync(String, ImageRequest, Duration)} waiting at most {@link #DEFAULT_ASYNC_TIMEOUT}. */
    public ImageResult generateAsync(String provider, ImageRequest request) {
        return generateAsync(provider, request, DEFAULT_ASYNC_TIMEOUT);
    }

    private byte[] generationBody(String provider, ImageRequest request) {
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
        body.put("response_format", format(request.responseFormat()));
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * {@code POST <url>/v1/proxy/images/edits} as multipart ({@code model, prompt, image, mask?, n?, size?,
     * response_format}); verified and billed as {@link #generate}.
     */
    public ImageResult edit(String provider, ImageEditRequest request) {
        FormData form = editForm(provider, request);
        return result(broker.paid(provider, "/images/edits", form.contentType(), form.bytes(), countJson(request)));
    }

    /** {@link #edit} as an async job ({@code POST <url>/v1/async/images/edits}), polled as {@link #generateAsync}. */
    public ImageResult editAsync(String provider, ImageEditRequest request, Duration timeout) {
        FormData form = editForm(provider, request);
        return result(broker.async(provider, "/images/edits", form.contentType(), form.bytes(), countJson(request),
                timeout));
    }

    public ImageResult editAsync(String provider, ImageEditRequest request) {
        return editAsync(provider, request, DEFAULT_ASYNC_TIMEOUT);
    }

    /** The fee content: the n as JSON, so the fee is capped at the requested count as the broker caps it. */
    private static String countJson(ImageEditRequest request) {
        return "{\"n\":" + (request.n() == null ? 1 : request.n()) + "}";
    }

    private FormData editForm(String provider, ImageEditRequest request) {
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
                .field("response_format", format(request.responseFormat()))
                .file("image", request.imageName() == null || request.imageName().isBlank() ? "image.png"
                        : request.imageName(), "application/octet-stream", request.image());
        if (request.mask() != null) {
            form.file("mask", "mask.png", "application/octet-stream", request.mask());
        }
        return form;
    }

    private static String format(String responseFormat) {
        if (responseFormat == null || responseFormat.equals("b64_json")) {
            return "b64_json";
        }
        if (!responseFormat.equals("url")) {
            throw new InvalidRequestException("responseFormat must be b64_json or url, got " + responseFormat);
        }
        return "url";
    }

    private static ImageResult result(InferenceBroker.Paid p) {
        if (p.images() == null) {
            throw new ZGComputeException("The provider answered without images (neither b64_json nor url)");
        }
        List<String> urls = new ArrayList<>();
        try {
            for (JsonNode item : JSON.readTree(p.body()).path("data")) {
                if (item.path("url").isTextual()) {
                    urls.add(item.get("url").asText());
                }
            }
        } catch (java.io.IOException unreadable) {
            // the pictures were read, so the body is JSON; nothing to add
        }
        return new ImageResult(List.copyOf(p.images()), p.chatId(), p.verification(), p.fee(), List.copyOf(urls));
    }

    private static void checkN(Integer n) {
        if (n != null && (n < 1 || n > MAX_N)) {
            throw new InvalidRequestException("n must be between 1 and " + MAX_N + ", got " + n);
        }
    }
}
