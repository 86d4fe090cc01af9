package zg.compute.sdk;

/**
 * A text-to-image request ({@code POST /v1/proxy/images/generations}); the model is the service's.
 * {@code n} (1–10) and {@code size} may be null (provider defaults: 1 image). {@code responseFormat} is
 * {@code b64_json} (default, also for null) or {@code url}: the broker keeps the pictures for a while and answers
 * with their URLs, which the SDK fetches to check the signature.
 */
public record ImageRequest(String prompt, Integer n, String size, String responseFormat) {

    public ImageRequest(String prompt, Integer n, String size) {
        this(prompt, n, size, null);
    }

    public static ImageRequest of(String prompt) {
        return new ImageRequest(prompt, null, null, null);
    }

    public ImageRequest withN(int count) {
        return new ImageRequest(prompt, count, size, responseFormat);
    }

    public ImageRequest withSize(String s) {
        return new ImageRequest(prompt, n, s, responseFormat);
    }

    /** Pictures as broker-hosted URLs ({@code response_format: url}) instead of inline {@code b64_json}. */
    public ImageRequest withUrls() {
        return new ImageRequest(prompt, n, size, "url");
    }
}
