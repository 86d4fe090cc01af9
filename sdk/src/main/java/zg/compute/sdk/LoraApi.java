package zg.compute.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import zg.compute.protocol.finetuning.AdapterName;
import zg.compute.sdk.internal.http.ProviderHttp;

/**
 * {@code broker.inference().lora()}: fine-tuned LoRA adapters on an inference provider (the official SDK's
 * {@code loraProcessor}, sdk-cli.md; routes of fine-tuning.md §1.10). The provider serves an adapter once its
 * fine-tuning provider fed it the key and the user acknowledged the model on chain; a chat with the adapter is
 * billed and signed as a chat with its base model.
 */
public final class LoraApi {

    /** Adapter states the official SDK knows. */
    public static final Set<String> DONE = Set.of("ready", "active");
    /** Status poll interval while waiting for a deploy (sdk-cli.md: 3 s / 2 s; one interval here). */
    public static final Duration POLL = Duration.ofSeconds(2);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);
    public static final String DEFAULT_SYSTEM_PROMPT = "You are a helpful assistant.";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One of the caller's adapters. */
    public record AdapterInfo(String adapterName, String taskId, String state) {
    }

    /** @param error why it failed, else null */
    public record AdapterStatus(String adapterName, String state, String error) {
    }

    /** What a deploy answered (and, when waited for, the final state). */
    public record Deployment(String message, String adapterName, String state) {
    }

    /** A chat answer of an adapter: content, usage, the fee counted and whether the TEE signature verified. */
    public record Chat(String content, long promptTokens, long completionTokens, BigInteger fee,
            ResponseVerification verification, String chatId) {
    }

    private final InferenceBroker broker;
    private final ProviderHttp http;

    LoraApi(InferenceBroker broker, ProviderHttp http) {
        this.broker = broker;
        this.http = http;
    }

    /** {@code GET <base>/v1/lora/adapters}: the caller's adapters. */
    public List<AdapterInfo> listAdapters(String provider) {
        JsonNode doc = get(provider, "/v1/lora/adapters");
        List<AdapterInfo> out = new ArrayList<>();
        for (JsonNode a : doc.path("adapters")) {
            out.add(new AdapterInfo(a.path("adapterName").asText(), a.path("taskId").asText(),
                    a.path("state").asText()));
        }
        return out;
    }

    /** {@code GET <base>/v1/lora/adapters/<name>}. */
    public AdapterStatus getAdapterStatus(String provider, String adapterName) {
        JsonNode a = get(provider, "/v1/lora/adapters/" + URLEncoder.encode(adapterName, StandardCharsets.UTF_8));
        return new AdapterStatus(a.path("adapterName").asText(adapterName), a.path("state").asText(),
                a.hasNonNull("error") ? a.get("error").asText() : null);
    }

    /** The provider's name for the task's adapter, else {@link AdapterName#of}. */
    public String resolveAdapterName(String provider, String taskId, String baseModel) {
        return listAdapters(provider).stream().filter(a -> a.taskId().equals(taskId)).map(AdapterInfo::adapterName)
                .findFirst().orElse(AdapterName.of(baseModel, taskId));
    }

    /**
     * {@code POST <base>/v1/lora/adapters/deploy {taskId, baseModel}}; with {@code wait}, polls until the adapter is
     * ready or active ({@code failed}: a {@link ZGComputeException} with the provider's reason; past
     * {@code timeout}: one too). An adapter already active is not deployed again.
     */
    public Deployment deployAdapter(String provider, String baseModel, String taskId, boolean wait, Duration timeout,
            Consumer<String> onProgress) {
        require(baseModel, "baseModel");
        require(taskId, "taskId");
        String name = AdapterName.of(baseModel, taskId);
        ObjectNode body = JSON.createObjectNode().put("taskId", taskId).put("baseModel", baseModel);
        return deploy(provider, name, body, wait, timeout, onProgress);
    }

    /** {@code POST <base>/v1/lora/adapters/deploy {adapterName}}: an adapter the provider already knows. */
    public Deployment deployAdapterByName(String provider, String adapterName, boolean wait, Duration timeout,
            Consumer<String> onProgress) {
        require(adapterName, "adapterName");
        return deploy(provider, adapterName, JSON.createObjectNode().put("adapterName", adapterName), wait, timeout,
                onProgress);
    }

    private Deployment deploy(String provider, String name, ObjectNode body, boolean wait, Duration timeout,
            Consumer<String> onProgress) {
        Consumer<String> progress = onProgress == null ? s -> { } : onProgress;
        String url = broker.baseUrl(provider) + "/v1/lora/adapters/deploy";
        ProviderHttp.BytesReply r = http.postBytes(url, broker.authHeader(provider), "application/json",
                body.toString().getBytes(StandardCharsets.UTF_8));
        if (!r.ok()) {
            throw new ProviderHttpException("Deploy of adapter " + name + " failed: HTTP " + r.status()
                    + InferenceBroker.errorText(r.body()), r.status(), null);
        }
        JsonNode answer = read(r.body());
        String adapter = answer.path("adapterName").asText(name);
        String state = answer.path("state").asText("pending");
        progress.accept("deploy of " + adapter + ": " + state);
        if (!wait) {
            return new Deployment(answer.path("message").asText(""), adapter, state);
        }
        long deadline = System.nanoTime() + (timeout == null ? DEFAULT_TIMEOUT : timeout).toNanos();
        while (!DONE.contains(state)) {
            if (state.equals("failed")) {
                AdapterStatus s = getAdapterStatus(provider, adapter);
                throw new ZGComputeException("Adapter " + adapter + " failed to deploy: " + s.error());
            }
            if (System.nanoTime() > deadline) {
                throw new ZGComputeException("Adapter " + adapter + " is still " + state + " after "
                        + (timeout == null ? DEFAULT_TIMEOUT : timeout).toSeconds() + " s");
            }
            sleep();
            AdapterStatus s = getAdapterStatus(provider, adapter);
            if (!s.state().equals(state)) {
                progress.accept("adapter " + adapter + ": " + s.state());
            }
            state = s.state();
        }
        return new Deployment(answer.path("message").asText(""), adapter, state);
    }

    /**
     * {@code POST <url>/v1/proxy/chat/completions {model: adapterName, messages: [system, user]}} through the
     * normal paid path: the fee is counted as a chat with {@code baseModel} and the TEE signature checked.
     *
     * @param baseModel the adapter's base model (its prices when the provider lists it, else the default's)
     */
    public Chat chat(String provider, String adapterName, String baseModel, String message, String systemPrompt) {
        require(adapterName, "adapterName");
        require(message, "message");
        ObjectNode body = JSON.createObjectNode().put("model", adapterName);
        var messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content",
                systemPrompt == null ? DEFAULT_SYSTEM_PROMPT : systemPrompt);
        messages.addObject().put("role", "user").put("content", message);
        byte[] request = body.toString().getBytes(StandardCharsets.UTF_8);
        InferenceBroker.Paid p = broker.paidFor(provider, "/chat/completions", "application/json", request,
                a -> new String(a, StandardCharsets.UTF_8), baseModel == null ? null
                        : broker.adapterPricedAs(provider, baseModel));
        JsonNode doc = read(p.body());
        return new Chat(doc.path("choices").path(0).path("message").path("content").asText(""),
                doc.path("usage").path("prompt_tokens").asLong(), doc.path("usage").path("completion_tokens").asLong(),
                p.fee(), p.verification(), p.chatId());
    }

    private JsonNode get(String provider, String path) {
        ProviderHttp.Reply r = http.get(broker.baseUrl(provider) + path, broker.authHeader(provider), 1 << 20);
        if (!r.ok()) {
            throw new ProviderHttpException("GET " + path + " failed: HTTP " + r.status()
                    + InferenceBroker.errorText(r.body().getBytes(StandardCharsets.UTF_8)), r.status(), null);
        }
        return read(r.body().getBytes(StandardCharsets.UTF_8));
    }

    private static JsonNode read(byte[] body) {
        try {
            JsonNode n = JSON.readTree(body);
            if (n != null && n.isObject()) {
                return n;
            }
        } catch (Exception e) {
            // below
        }
        throw new ZGComputeException("The provider's LoRA answer is not a JSON object");
    }

    private static void require(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new InvalidRequestException(name + " is required");
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ZGComputeException("Interrupted while waiting for the adapter");
        }
    }
}
