package zg.compute.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A plain java.net.http client for the local proxies of {@code inference serve} / {@code router-serve}. */
final class ProxyClient {

    static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    ProxyClient(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    static byte[] chatBody(String userMessage, boolean stream) {
        try {
            return JSON.writeValueAsBytes(Map.of("model", "ignored-by-the-proxy", "stream", stream,
                    "messages", List.of(Map.of("role", "user", "content", userMessage))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    HttpResponse<String> post(String path, byte[] body) throws IOException, InterruptedException {
        return http.send(request(path, body).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A JSON POST whose answer is binary (audio). */
    HttpResponse<byte[]> postForBytes(String path, byte[] body) throws IOException, InterruptedException {
        return http.send(request(path, body).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpRequest.Builder request(String path, byte[] body) {
        return HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        return http.send(req, handler);
    }

    HttpResponse<String> chat(String userMessage) throws IOException, InterruptedException {
        return post("/v1/chat/completions", chatBody(userMessage, false));
    }

    /** {@code POST /v1/verify {"id": id}} → the answer's JSON. */
    JsonNode verify(String id) throws IOException, InterruptedException {
        HttpResponse<String> r = post("/v1/verify", JSON.writeValueAsBytes(Map.of("id", id)));
        if (r.statusCode() != 200) {
            throw new AssertionError("verify answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    static JsonNode json(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON (HTTP " + r.statusCode() + "): " + r.body(), e);
        }
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
