package zg.compute.sdk.internal.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import zg.compute.sdk.ProviderHttpException;

/** Calls to a provider's HTTP API with a timeout; transport failures become {@link ProviderHttpException}. */
public final class ProviderHttp {

    /** Status and body of an answer (any status). */
    public record Reply(int status, String body) {
        public boolean ok() {
            return status / 100 == 2;
        }
    }

    /**
     * Status, exact body bytes, the {@code ZG-Res-Key} header and the {@code Retry-After} header (each null when
     * absent) of an answer.
     */
    public record BytesReply(int status, byte[] body, String resKey, String retryAfter) {
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
        HttpRequest.Builder b = request(url, timeout).GET();
        headers.forEach(b::header);
        return send(url, b);
    }

    /** GETs at most {@code maxBytes} of an answer: a longer one is an error, never held in memory. */
    public Reply get(String url, Map<String, String> headers, int maxBytes) {
        HttpRequest.Builder b = request(url, timeout).GET();
        headers.forEach(b::header);
        try {
            HttpResponse<InputStream> r = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = r.body()) {
                byte[] body = in.readNBytes(maxBytes + 1);
                if (body.length > maxBytes) {
                    throw new ProviderHttpException("answer of " + url + " is larger than " + maxBytes + " bytes",
                            r.statusCode(), null);
                }
                return new Reply(r.statusCode(), new String(body, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new ProviderHttpException("Cannot reach provider at " + url + ": " + e, -1, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderHttpException("Interrupted while calling " + url, -1, e);
        }
    }

    /** POSTs a JSON text. */
    public Reply postJson(String url, String json) {
        return send(url, request(url, timeout).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    /** POSTs a multipart form; {@code requestTimeout} covers the whole upload (large datasets need more). */
    public Reply postMultipart(String url, Multipart form, Duration requestTimeout) {
        return send(url, request(url, requestTimeout).header("Content-Type", form.contentType())
                .POST(form.publisher()));
    }

    /** POSTs exactly {@code body} (the bytes a response signature covers) and keeps the answer's bytes. */
    public BytesReply postBytes(String url, Map<String, String> headers, String contentType, byte[] body) {
        HttpRequest.Builder b = request(url, timeout).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(b::header);
        return sendBytes(url, b);
    }

    /** GETs {@code url} and keeps the answer's exact bytes (e.g. a broker-hosted image, an async job). */
    public BytesReply getBytes(String url, Map<String, String> headers) {
        HttpRequest.Builder b = request(url, timeout).GET();
        headers.forEach(b::header);
        return sendBytes(url, b);
    }

    private BytesReply sendBytes(String url, HttpRequest.Builder b) {
        try {
            HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new BytesReply(r.statusCode(), r.body(), r.headers().firstValue("ZG-Res-Key").orElse(null),
                    r.headers().firstValue("Retry-After").orElse(null));
        } catch (IOException e) {
            throw new ProviderHttpException("Cannot reach provider at " + url + ": " + e, -1, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderHttpException("Interrupted while calling " + url, -1, e);
        }
    }

    private static HttpRequest.Builder request(String url, Duration timeout) {
        try {
            return HttpRequest.newBuilder(URI.create(url)).timeout(timeout);
        } catch (IllegalArgumentException e) {
            throw new ProviderHttpException("Invalid provider URL " + url + ": " + e.getMessage(), -1, e);
        }
    }

    private Reply send(String url, HttpRequest.Builder b) {
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
