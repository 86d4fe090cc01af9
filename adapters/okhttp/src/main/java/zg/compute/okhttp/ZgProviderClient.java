package zg.compute.okhttp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSource;
import zg.compute.sdk.InferenceBroker;
import zg.compute.sdk.ProviderHttpException;
import zg.compute.sdk.ResponseOutcome;
import zg.compute.sdk.ServiceMetadata;
import zg.compute.sdk.ZGComputeException;

/**
 * The OpenAI-compatible routes of one 0G provider over OkHttp with {@link ZgInterceptor}: what the framework
 * adapters (LangChain4j, Spring AI) send their JSON through. Every call is authenticated afresh, verified and
 * counted; a refused request is a one-line {@link ProviderHttpException} with the provider's error text.
 */
public final class ZgProviderClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MediaType APPLICATION_JSON = MediaType.get("application/json");
    /** Model servers may think long before the first byte; a stalled connection still ends. */
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofMinutes(5);

    private final InferenceBroker inference;
    private final String provider;
    private final ServiceMetadata metadata;
    private final OkHttpClient http;

    private ZgProviderClient(InferenceBroker inference, String provider, ServiceMetadata metadata, OkHttpClient http) {
        this.inference = inference;
        this.provider = provider;
        this.metadata = metadata;
        this.http = http;
    }

    /** A client for {@code provider}'s {@code <url>/v1/proxy} and its on-chain model. */
    public static ZgProviderClient create(InferenceBroker inference, String provider) {
        return create(inference, provider, null);
    }

    /** As {@link #create(InferenceBroker, String)} for {@code model} of a multi-model provider (null: the default). */
    public static ZgProviderClient create(InferenceBroker inference, String provider, String model) {
        ServiceMetadata meta = inference.getServiceMetadata(provider, model);
        OkHttpClient http = new OkHttpClient.Builder()
                .addInterceptor(new ZgInterceptor(inference, provider))
                .readTimeout(DEFAULT_READ_TIMEOUT)
                .build();
        return new ZgProviderClient(inference, provider, meta, http);
    }

    public String provider() {
        return provider;
    }

    /** The model requests name unless they say otherwise. */
    public String model() {
        return metadata.model();
    }

    public String endpoint() {
        return metadata.endpoint();
    }

    public InferenceBroker inference() {
        return inference;
    }

    /** {@code POST <endpoint><route>} with a JSON body; the whole answer, verified. */
    public ZgAnswer postJson(String route, String json) {
        AtomicReference<ResponseOutcome> outcome = new AtomicReference<>();
        try (Response r = http.newCall(request(route, json, outcome)).execute()) {
            ResponseBody body = r.body();
            byte[] bytes = body == null ? new byte[0] : body.bytes();
            if (!r.isSuccessful()) {
                throw refused(route, r.code(), bytes);
            }
            return new ZgAnswer(bytes, outcome.get());
        } catch (IOException e) {
            throw new ZGComputeException("POST " + route + " to " + provider + " failed: " + e.getMessage());
        }
    }

    /**
     * {@code POST <endpoint><route>} expecting server-sent events: each {@code data:} chunk but {@code [DONE]} is
     * given to {@code onChunk} as it arrives; returns the outcome once the stream has ended (the signature covers
     * all of it).
     */
    public ResponseOutcome streamJson(String route, String json, Consumer<JsonNode> onChunk) {
        AtomicReference<ResponseOutcome> outcome = new AtomicReference<>();
        try (Response r = http.newCall(request(route, json, outcome)).execute()) {
            ResponseBody body = r.body();
            if (!r.isSuccessful() || body == null) {
                throw refused(route, r.code(), body == null ? new byte[0] : body.bytes());
            }
            BufferedSource source = body.source();
            String line;
            while ((line = source.readUtf8Line()) != null) {
                String l = line.strip();
                if (!l.startsWith("data:")) {
                    continue;
                }
                String data = l.substring(5).strip();
                if (!data.equals("[DONE]") && !data.isEmpty()) {
                    onChunk.accept(JSON.readTree(data));
                }
            }
            return outcome.get();
        } catch (IOException e) {
            throw new ZGComputeException("POST " + route + " (stream) to " + provider + " failed: " + e.getMessage());
        }
    }

    private Request request(String route, String json, AtomicReference<ResponseOutcome> outcome) {
        return new Request.Builder()
                .url(metadata.endpoint() + route)
                .post(RequestBody.create(json.getBytes(StandardCharsets.UTF_8), APPLICATION_JSON))
                .tag(ResponseListener.class, outcome::set)
                .build();
    }

    private static ProviderHttpException refused(String route, int status, byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8).strip();
        try {
            JsonNode n = JSON.readTree(text);
            JsonNode e = n == null ? null : n.get("error");
            if (e != null && e.isTextual()) {
                text = e.asText();
            } else if (e != null && e.path("message").isTextual()) {
                text = e.get("message").asText();
            }
        } catch (IOException | RuntimeException notJson) {
            // the raw text
        }
        text = text.replaceAll("\\s+", " ");
        if (text.length() > 300) {
            text = text.substring(0, 300) + "…";
        }
        return new ProviderHttpException("POST " + route + " failed: HTTP " + status + (text.isEmpty() ? "" : ": " + text),
                status, null);
    }

}
