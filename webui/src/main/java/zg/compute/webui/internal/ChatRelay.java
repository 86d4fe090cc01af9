package zg.compute.webui.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import zg.compute.sdk.InferenceBroker;
import zg.compute.sdk.InvalidRequestException;
import zg.compute.sdk.ResponseVerification;
import zg.compute.sdk.ServiceMetadata;

/**
 * One streamed chat completion with an on-chain provider, relayed to the page as it arrives: acknowledges the
 * provider on first use, signs the request with the SDK's headers, and when the stream ends accounts the fee and
 * checks the TEE signature over exactly the bytes sent and received (sha256(request):sha256(response)). The page
 * gets NDJSON lines: {@code {"delta":…}} per piece of text, then one {@code {"done":true,…}} or {@code {"error":…}}.
 */
public final class ChatRelay {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_ANSWER_BYTES = 8L * 1024 * 1024;

    private final InferenceBroker inference;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    /** Endpoint per provider (and model), read once; dropped when the provider cannot be reached so a restart recovers. */
    private final Map<String, ServiceMetadata> endpoints = new ConcurrentHashMap<>();

    public ChatRelay(InferenceBroker inference) {
        this.inference = inference;
    }

    public void stream(Body body, HttpServerResponse resp) {
        String provider = body.required("provider");
        Object messages = body.json().getValue("messages");
        if (!(messages instanceof JsonArray list) || list.isEmpty()) {
            throw new InvalidRequestException("messages is required and must be a non-empty array");
        }
        String model = body.optional("model");
        String key = provider.toLowerCase(Locale.ROOT) + "|" + (model == null ? "" : model);
        ServiceMetadata meta = endpoints.computeIfAbsent(key, k -> {
            inference.acknowledgeProviderSigner(provider);
            return model == null ? inference.getServiceMetadata(provider) : inference.getServiceMetadata(provider, model);
        });
        byte[] request = new JsonObject().put("model", meta.model()).put("messages", list).put("stream", true)
                .encode().getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(meta.endpoint() + "/chat/completions"))
                .timeout(Duration.ofSeconds(120)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(request));
        inference.getRequestHeaders(provider).forEach(rb::header);
        HttpResponse<InputStream> r;
        try {
            r = http.send(rb.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            forget(key, provider);
            throw new ProviderFailure(unreachable(provider, meta.endpoint(), e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderFailure("interrupted while waiting for provider " + provider);
        }
        if (r.statusCode() != 200) {
            throw new ProviderFailure("provider " + provider + " answered HTTP " + r.statusCode() + ": "
                    + errorText(readAll(r.body())));
        }
        resp.setChunked(true).putHeader("Content-Type", "application/x-ndjson").putHeader("Cache-Control", "no-store");
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        StringBuilder text = new StringBuilder();
        JsonNode usage = null;
        String firstId = null;
        try (InputStream in = r.body()) {
            // the provider signs the bytes exactly as sent: keep them raw, split lines only to read them
            byte[] buf = new byte[8192];
            int lineStart = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                answer.write(buf, 0, n);
                if (answer.size() > MAX_ANSWER_BYTES) {
                    throw new ProviderFailure("provider " + provider + " sent more than 8 MB: stopped");
                }
                byte[] all = answer.toByteArray();
                for (int i = lineStart; i < all.length; i++) {
                    if (all[i] == '\n') {
                        String line = new String(all, lineStart, i - lineStart, StandardCharsets.UTF_8).strip();
                        lineStart = i + 1;
                        Chunk c = chunk(line);
                        if (c == null) {
                            continue;
                        }
                        firstId = firstId == null ? c.id() : firstId;
                        usage = c.usage() != null ? c.usage() : usage;
                        if (!c.delta().isEmpty()) {
                            text.append(c.delta());
                            resp.write(new JsonObject().put("delta", c.delta()).encode() + "\n");
                        }
                    }
                }
            }
        } catch (IOException e) {
            forget(key, provider);
            resp.end(new JsonObject().put("error", "the stream from provider " + provider + " broke off: "
                    + describe(e) + " — the reply is incomplete; send again").encode() + "\n");
            return;
        } catch (ProviderFailure e) {
            resp.end(new JsonObject().put("error", e.getMessage()).encode() + "\n");
            return;
        }
        String chatId = r.headers().firstValue("ZG-Res-Key").orElse(firstId);
        JsonObject done;
        try {
            done = settle(provider, chatId, usage, request, answer.toByteArray(), text.toString());
        } catch (RuntimeException e) {
            done = new JsonObject().put("error", "the reply arrived but could not be checked: " + Replies.friendly(e));
        }
        resp.end(done.encode() + "\n");
    }

    /** The next message reads the provider's service from the chain again (a restarted devnet may have moved it). */
    private void forget(String key, String provider) {
        endpoints.remove(key);
        inference.forgetProvider(provider);
    }

    /** processResponse over the exact bytes; the fee is what that call added to the SDK's count for the provider. */
    private synchronized JsonObject settle(String provider, String chatId, JsonNode usage, byte[] request,
            byte[] response, String text) {
        var before = inference.cachedFee(provider);
        ResponseVerification v = inference.processResponse(provider, chatId, usage == null ? null : usage.toString(),
                request, response);
        var fee = inference.cachedFee(provider).subtract(before);
        return new JsonObject().put("done", true).put("chatId", chatId).put("verification", v.name())
                .put("requestSha256", sha256(request)).put("responseSha256", sha256(response))
                .put("usage", usage == null ? null : new JsonObject(usage.toString()))
                .put("fee", Body.amount(fee.signum() < 0 ? java.math.BigInteger.ZERO : fee)).put("text", text);
    }

    private record Chunk(String id, JsonNode usage, String delta) {
    }

    /** One SSE {@code data:} line of a completion stream; null for anything else. */
    private static Chunk chunk(String line) throws IOException {
        if (!line.startsWith("data:")) {
            return null;
        }
        String data = line.substring(5).strip();
        if (data.isEmpty() || data.equals("[DONE]")) {
            return null;
        }
        JsonNode c = JSON.readTree(data);
        return new Chunk(c.hasNonNull("id") ? c.get("id").asText() : null, c.hasNonNull("usage") ? c.get("usage") : null,
                c.at("/choices/0/delta/content").asText(""));
    }

    static String unreachable(String provider, String url, IOException e) {
        return "cannot reach provider " + provider + " at " + url + ": " + describe(e)
                + " — is it running? Send again once it is back.";
    }

    /** A transport failure in words; Java leaves many of these without a message. */
    static String describe(IOException e) {
        if (e instanceof HttpConnectTimeoutException) {
            return "connection timed out";
        }
        if (e instanceof HttpTimeoutException) {
            return "no answer in time";
        }
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? "connection lost (" + e.getClass().getSimpleName() + ")" : m;
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readNBytes(4096), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static String errorText(String body) {
        try {
            JsonNode n = JSON.readTree(body);
            JsonNode e = n.path("error");
            String m = e.isObject() ? e.path("message").asText("") : e.asText("");
            return m.isBlank() ? body.strip() : m;
        } catch (IOException e) {
            return body.strip();
        }
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
