package zg.compute.sdk;

/**
 * An image-editing request ({@code POST /v1/proxy/images/edits}, multipart): the picture to edit (sent as the
 * {@code image} part named {@code imageName}), the prompt, an optional {@code mask}, {@code n} (1–10) and
 * {@code size} (null = provider defaults).
 */
public record ImageEditRequest(String prompt, byte[] image, String imageName, byte[] mask, Integer n, String size) {

    public static ImageEditRequest of(String prompt, byte[] image, String imageName) {
        return new ImageEditRequest(prompt, image, imageName, null, null, null);
    }

    public ImageEditRequest withMask(byte[] m) {
        return new ImageEditRequest(prompt, image, imageName, m, n, size);
    }

    public ImageEditRequest withN(int count) {
        return new ImageEditRequest(prompt, image, imageName, mask, count, size);
    }

    public ImageEditRequest withSize(String s) {
        return new ImageEditRequest(prompt, image, imageName, mask, n, s);
    }
}
