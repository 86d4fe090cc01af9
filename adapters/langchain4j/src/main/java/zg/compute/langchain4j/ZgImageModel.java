package zg.compute.langchain4j;

import dev.langchain4j.data.image.Image;
import dev.langchain4j.model.image.ImageModel;
import dev.langchain4j.model.output.Response;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import zg.compute.sdk.ImageRequest;
import zg.compute.sdk.ImageResult;
import zg.compute.sdk.InferenceBroker;
import zg.compute.sdk.InvalidRequestException;
import zg.compute.sdk.ZGComputeException;

/**
 * A LangChain4j {@link ImageModel} answered by a 0G text-to-image provider (the SDK's {@code images().generate}: the
 * signature must cover the request and exactly the pictures received; the fee is images delivered × price). The
 * pictures come as base64 PNG; {@link ZgMetadata} keys of {@code metadata()} hold verification and fee.
 */
public final class ZgImageModel implements ImageModel {

    private final InferenceBroker inference;
    private final String provider;
    private final String size;

    /** {@code size} as the OpenAI API takes it ({@code "512x512"}), null for the provider's default. */
    public ZgImageModel(InferenceBroker inference, String provider, String size) {
        this.inference = inference;
        this.provider = provider;
        this.size = size;
    }

    public ZgImageModel(InferenceBroker inference, String provider) {
        this(inference, provider, null);
    }

    @Override
    public Response<Image> generate(String prompt) {
        Response<List<Image>> r = generate(prompt, 1);
        return Response.from(r.content().get(0), null, null, r.metadata());
    }

    @Override
    public Response<List<Image>> generate(String prompt, int n) {
        if (n < 1) {
            throw new InvalidRequestException("n must be at least 1, got " + n);
        }
        ImageRequest req = ImageRequest.of(prompt).withN(n);
        ImageResult r = inference.images().generate(provider, size == null ? req : req.withSize(size));
        List<Image> images = r.images().stream()
                .map(b -> Image.builder().base64Data(Base64.getEncoder().encodeToString(b)).mimeType("image/png")
                        .build())
                .toList();
        if (images.isEmpty()) {
            throw new ZGComputeException("The provider delivered no image (response " + r.chatId() + ")");
        }
        Map<String, Object> meta = new HashMap<>();
        meta.put(ZgMetadata.PROVIDER, provider);
        if (r.chatId() != null) {
            meta.put(ZgMetadata.CHAT_ID, r.chatId());
        }
        meta.put(ZgMetadata.VERIFICATION, r.verification());
        meta.put(ZgMetadata.FEE, r.fee());
        return Response.from(images, null, null, meta);
    }
}
