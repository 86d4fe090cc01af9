package zg.compute.sdk;

/**
 * A text-to-image request ({@code POST /v1/proxy/images/generations}); the model is the service's, the answer
 * always {@code b64_json}. {@code n} (1–10) and {@code size} may be null (provider defaults: 1 image).
 */
public record ImageRequest(String prompt, Integer n, String size) {

    public static ImageRequest of(String prompt) {
        return new ImageRequest(prompt, null, null);
    }

    public ImageRequest withN(int count) {
        return new ImageRequest(prompt, count, size);
    }

    public ImageRequest withSize(String s) {
        return new ImageRequest(prompt, n, s);
    }
}
