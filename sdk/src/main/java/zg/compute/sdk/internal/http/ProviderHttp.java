package zg.compute.sdk.internal.http;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import zg.compute.sdk.ProviderHttpException;

/** Plain GETs to a provider's HTTP API with a timeout; transport failures become {@link ProviderHttpException}. */
public final class ProviderHttp {

    /** Status and body of an answer (any status). */
    public record Reply(int status, String body) {
        public boolean ok() {
            return status / 100 == 2;
        }
    }

    private final HttpClient client;
    private final Duration timeout;

    public ProviderHttp(Duration timeout) {
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    public Reply get(String url, Map<String, String> headers) {
        HttpRequest.Builder b;
        try {
            b = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).GET();
        } catch (IllegalArgumentException e) {
            throw new ProviderHttpException("Invalid provider URL " + url + ": " + e.getMessage(), -1, e);
        }
        headers.forEach(b::header);
        try {
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.body());
        } catch (IOException e) {
            throw new ProviderHttpException("Cannot reach provider at " + url + ": " + e, -1, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderHttpException("Interrupted while calling " + url, -1, e);
        }
    }
}
