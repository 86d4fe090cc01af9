package zg.compute.sdk;

/**
 * An image-editing request ({@code POST /v1/proxy/images/edits}, multipart): the picture to edit (sent as the
 * {@code image} part named {@code imageName}), the prompt, an optional {@code mask}, {@code n} (1–10) and
 * {@code size} (null = provider defaults); {@code responseFormat} as in {@link ImageRequest}.
 */
public record ImageEditRequest(String prompt, byte[] image, String imageName, byte[] mask, Integer n, String size,
        String responseFormat) {

    public ImageEditRequest(String prompt, byte[] image, String imageName, byte[] mask, Integer n, String size) {
        this(prompt, image, imageName, mask, n, size, null);
    }

    public static ImageEditRequest of(String prompt, byte[] image, String imageName) {
        return new ImageEditRequest(prompt, image, imageName, null, null, null, null);
    }

    public ImageEditRequest withMask(byte[] m) {
        return new ImageEditRequest(prompt, image, imageName, m, n, size, responseFormat);
    }

    public ImageEditRequest withN(int count) {
        return new ImageEditRequest(prompt, image, imageName, mask, count, size, responseFormat);
    }

    public ImageEditRequest withSize(String s) {
        return new ImageEditRequest(prompt, image, imageName, mask, n, s, responseFormat);
    }

    /** Pictures as broker-hosted URLs ({@code response_format: url}) instead of inline {@code b64_json}. */
    public ImageEditRequest withUrls() {
        return new ImageEditRequest(prompt, image, imageName, mask, n, size, "url");
    }
}
