package zg.compute.okhttp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
import zg.compute.sdk.InvalidRequestException;
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

    /**
     * {@code POST /chat/completions} with {@code turns}; {@code model} null means {@link #model()};
     * {@code parameters} are further OpenAI fields ({@code temperature}, {@code max_tokens}, …; null values left out).
     */
    public ChatResult chat(List<ChatTurn> turns, String model, Map<String, Object> parameters) {
        ZgAnswer a = postJson("/chat/completions", chatJson(turns, model, parameters, false));
        JsonNode doc;
        try {
            doc = JSON.readTree(a.body());
        } catch (IOException e) {
            throw new ZGComputeException("The provider's chat answer is not JSON");
        }
        JsonNode choice = doc.path("choices").path(0);
        JsonNode usage = doc.path("usage");
        return new ChatResult(choice.path("message").path("content").asText(""),
                choice.path("finish_reason").asText(null), usage.path("prompt_tokens").asLong(-1),
                usage.path("completion_tokens").asLong(-1), doc.path("id").asText(null),
                doc.path("model").asText(null), a.outcome());
    }

    /**
     * As {@link #chat}, streamed: each piece of text goes to {@code onText} as it arrives (the final usage is asked
     * for with {@code stream_options.include_usage}); the result holds the whole text and the outcome.
     */
    public ChatResult chatStream(List<ChatTurn> turns, String model, Map<String, Object> parameters,
            Consumer<String> onText) {
        StringBuilder text = new StringBuilder();
        String[] last = new String[3]; // finish_reason, id, model
        long[] usage = {-1, -1};
        ResponseOutcome outcome = streamJson("/chat/completions", chatJson(turns, model, parameters, true), chunk -> {
            last[1] = last[1] == null ? chunk.path("id").asText(null) : last[1];
            last[2] = last[2] == null ? chunk.path("model").asText(null) : last[2];
            for (JsonNode c : chunk.path("choices")) {
                String piece = c.path("delta").path("content").asText("");
                if (!piece.isEmpty()) {
                    text.append(piece);
                    onText.accept(piece);
                }
                if (c.path("finish_reason").isTextual()) {
                    last[0] = c.get("finish_reason").asText();
                }
            }
            if (chunk.path("usage").isObject()) {
                usage[0] = chunk.get("usage").path("prompt_tokens").asLong(-1);
                usage[1] = chunk.get("usage").path("completion_tokens").asLong(-1);
            }
        });
        return new ChatResult(text.toString(), last[0], usage[0], usage[1], last[1], last[2], outcome);
    }

    private String chatJson(List<ChatTurn> turns, String model, Map<String, Object> parameters, boolean stream) {
        if (turns == null || turns.isEmpty()) {
            throw new InvalidRequestException("A chat request needs at least one message");
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("model", model != null ? model : metadata.model());
        ArrayNode messages = body.putArray("messages");
        for (ChatTurn t : turns) {
            messages.addObject().put("role", t.role()).put("content", t.content());
        }
        if (parameters != null) {
            parameters.forEach((k, v) -> {
                if (v != null) {
                    body.set(k, JSON.valueToTree(v));
                }
            });
        }
        if (stream) {
            body.put("stream", true);
            body.putObject("stream_options").put("include_usage", true);
        }
        return body.toString();
    }

    private Request request(String route, String json, AtomicReference<ResponseOutcome> outcome) {
        return new Request.Builder()
                .url(metadata.endpoint() + route)
                .post(RequestBody.create(json.getBytes(StandardCharsets.UTF_8), APPLICATION_JSON))
                .tag(ResponseListener.class, outcome::set)
                .build();
    }

    private static ProviderHttpException refused(String route, int status, byte[] body) {
        String text = ProviderHttpException.providerText(body);
        if (text.length() > 300) {
            text = text.substring(0, 300) + "…";
        }
        return new ProviderHttpException("POST " + route + " failed: HTTP " + status + (text.isEmpty() ? "" : ": " + text),
                status, null);
    }

}
