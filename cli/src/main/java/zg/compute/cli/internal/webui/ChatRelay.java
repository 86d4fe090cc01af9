package zg.compute.cli.internal.webui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import zg.compute.cli.internal.serve.ProviderTarget;
import zg.compute.cli.internal.serve.Route;
import zg.compute.sdk.InferenceBroker;
import zg.compute.sdk.InvalidRequestException;
import zg.compute.sdk.ResponseVerification;

/**
 * One non-streamed chat with an on-chain provider: acknowledges it on first use (as {@code inference serve}
 * does), signs the request with the SDK's headers, then accounts the fee and checks the TEE signature over
 * exactly the bytes sent and received.
 */
final class ChatRelay {

    /** The provider could not be reached or refused the request: a 502 for the page. */
    static final class ProviderFailure extends RuntimeException {
        ProviderFailure(String message) {
            super(message);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final InferenceBroker inference;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final Map<String, ProviderTarget> targets = new ConcurrentHashMap<>();

    ChatRelay(InferenceBroker inference) {
        this.inference = inference;
    }

    JsonObject send(String provider, Object messages) {
        if (!(messages instanceof JsonArray list) || list.isEmpty()) {
            throw new InvalidRequestException("messages is required and must be a non-empty array");
        }
        ProviderTarget target = targets.computeIfAbsent(provider.toLowerCase(java.util.Locale.ROOT),
                p -> ProviderTarget.connect(inference, provider));
        byte[] request = new JsonObject().put("model", target.model()).put("messages", list).put("stream", false)
                .encode().getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(target.baseUrl() + Route.CHAT.path())).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(request));
        target.requestHeaders().forEach(b::header);
        HttpResponse<byte[]> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new ProviderFailure("cannot reach provider " + provider + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderFailure("interrupted while waiting for provider " + provider);
        }
        String text = new String(r.body(), StandardCharsets.UTF_8);
        if (r.statusCode() != 200) {
            throw new ProviderFailure("provider " + provider + " answered " + r.statusCode() + ": " + text);
        }
        JsonNode body;
        try {
            body = JSON.readTree(r.body());
        } catch (IOException e) {
            throw new ProviderFailure("provider " + provider + " answered with invalid JSON");
        }
        JsonNode usage = body.get("usage");
        String chatId = r.headers().firstValue("ZG-Res-Key").orElse(body.path("id").asText(null));
        ResponseVerification v = inference.processResponse(provider, chatId, usage == null ? null : usage.toString(),
                request, r.body());
        return new JsonObject().put("reply", body.at("/choices/0/message/content").asText(""))
                .put("usage", usage == null ? null : new JsonObject(usage.toString()))
                .put("chatId", chatId).put("verified", v == ResponseVerification.VERIFIED);
    }
}
