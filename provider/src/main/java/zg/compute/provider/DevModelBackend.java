package zg.compute.provider;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import zg.compute.provider.internal.dev.DevLoraAdapter;
import zg.compute.provider.internal.dev.TokenCounter;

/**
 * A DEVELOPMENT model backend: an OpenAI-compatible {@code /chat/completions} (JSON and SSE) that
 * answers with deterministic text instead of running a model, so the broker and the devnet work
 * without a GPU. It is not a model and must not be sold as one.
 *
 * <p>Reply: {@code Development backend reply to: <last user message>}, cut to {@code max_tokens}
 * (default 64). Token counting ({@link TokenCounter}): a token is a run of letters, a run of digits
 * or one other non-space character; {@code prompt_tokens} = Σ over messages of (tokens of content + 1
 * for the role). Streams send one chunk per token and, with
 * {@code stream_options.include_usage}, a final chunk with {@code usage}.
 *
 * <p>LoRA as vLLM's dynamic LoRA API has it: {@code POST /v1/load_lora_adapter {"lora_name","lora_path"}} loads
 * an adapter the development trainer wrote ({@link DevLoraAdapter}); a chat whose {@code model} is that name is
 * answered by the adapter: the greedy continuation of the last user message, {@code max_tokens} bytes.
 */
public final class DevModelBackend implements ModelBackend {

    public static final String REPLY_PREFIX = "Development backend reply to: ";
    private static final int DEFAULT_MAX_TOKENS = 64;
    /** The most an adapter generates per answer. */
    private static final int MAX_ADAPTER_BYTES = 4096;

    private final Vertx vertx;
    private final HttpServer server;
    private final AtomicLong ids = new AtomicLong();
    private final Map<String, DevLoraAdapter> adapters = new ConcurrentHashMap<>();

    private DevModelBackend(Vertx vertx, HttpServer server) {
        this.vertx = vertx;
        this.server = server;
    }

    /** Starts on 127.0.0.1:{@code port} (0 = any free port). */
    public static DevModelBackend start(Vertx vertx, int port) {
        DevModelBackend[] self = new DevModelBackend[1];
        HttpServer server = vertx.createHttpServer().requestHandler(r -> self[0].handle(r));
        self[0] = new DevModelBackend(vertx, server);
        server.listen(port, "127.0.0.1").await();
        return self[0];
    }

    @Override
    public String baseUrl() {
        return "http://127.0.0.1:" + server.actualPort() + "/v1";
    }

    private void handle(HttpServerRequest req) {
        String path = req.path().replaceFirst("^/v1", "");
        if (req.method().name().equals("GET") && path.equals("/models")) {
            JsonArray data = new JsonArray();
            adapters.keySet().forEach(n -> data.add(new JsonObject().put("id", n).put("object", "model")));
            req.response().putHeader("Content-Type", "application/json")
                    .end(new JsonObject().put("object", "list").put("data", data).encode());
            return;
        }
        if (req.method().name().equals("POST") && path.equals("/load_lora_adapter")) {
            req.body().onSuccess(body -> loadLora(req, body)).onFailure(e -> error(req, 400, e.getMessage()));
            return;
        }
        if (!req.method().name().equals("POST") || !path.equals("/chat/completions")) {
            error(req, 404, "not found: " + req.method() + " " + req.path());
            return;
        }
        req.body().onSuccess(body -> complete(req, body)).onFailure(e -> error(req, 400, e.getMessage()));
    }

    /** The body as a JSON object, or null after answering 400. */
    private static JsonObject jsonObject(HttpServerRequest req, Buffer body) {
        try {
            return body.toJsonObject();
        } catch (DecodeException | ClassCastException e) {
            error(req, 400, "request body is not a JSON object");
            return null;
        }
    }

    /** Loads on a worker thread (file reads); answers as vLLM does: 200 text, or 400 with the reason. */
    private void loadLora(HttpServerRequest req, Buffer body) {
        JsonObject in = jsonObject(req, body);
        if (in == null) {
            return;
        }
        String name = in.getValue("lora_name") instanceof String n ? n : null;
        String path = in.getValue("lora_path") instanceof String p ? p : null;
        if (name == null || name.isBlank() || path == null) {
            error(req, 400, "lora_name and lora_path are required");
            return;
        }
        vertx.executeBlocking(() -> DevLoraAdapter.load(Path.of(path)), false).onComplete(ar -> {
            if (ar.failed()) {
                error(req, 400, "cannot load adapter " + name + ": " + ar.cause().getMessage());
            } else {
                adapters.put(name, ar.result());
                req.response().putHeader("Content-Type", "text/plain")
                        .end("Success: LoRA adapter '" + name + "' added successfully.");
            }
        });
    }

    private void complete(HttpServerRequest req, Buffer body) {
        JsonObject in = jsonObject(req, body);
        if (in == null) {
            return;
        }
        JsonArray messages = in.getJsonArray("messages");
        if (messages == null || messages.isEmpty()) {
            error(req, 400, "messages must be a non-empty array");
            return;
        }
        int promptTokens = 0;
        String lastUser = "";
        for (Object o : messages) {
            if (!(o instanceof JsonObject m)) {
                error(req, 400, "every message must be an object");
                return;
            }
            String content = m.getValue("content") instanceof String s ? s : "";
            promptTokens += TokenCounter.count(content) + 1;
            if ("user".equals(m.getString("role"))) {
                lastUser = content;
            }
        }
        int max = in.getInteger("max_tokens", in.getInteger("max_completion_tokens", DEFAULT_MAX_TOKENS));
        String model = in.getValue("model") instanceof String m ? m : "dev-model";
        DevLoraAdapter adapter = adapters.get(model);
        List<String> all = TokenCounter.pieces(adapter == null ? REPLY_PREFIX + lastUser
                : adapter.continuation(lastUser, Math.min(Math.max(0, max), MAX_ADAPTER_BYTES)));
        List<String> pieces = all.subList(0, Math.min(all.size(), Math.max(0, max)));
        String finish = adapter != null || pieces.size() < all.size() ? "length" : "stop";
        String id = "chatcmpl-dev-" + ids.incrementAndGet();
        long created = System.currentTimeMillis() / 1000;
        JsonObject usage = new JsonObject().put("prompt_tokens", promptTokens).put("completion_tokens", pieces.size())
                .put("total_tokens", promptTokens + pieces.size());

        if (!Boolean.TRUE.equals(in.getValue("stream"))) {
            JsonObject out = new JsonObject().put("id", id).put("object", "chat.completion").put("created", created)
                    .put("model", model).put("choices", new JsonArray().add(new JsonObject().put("index", 0)
                            .put("message", new JsonObject().put("role", "assistant").put("content", String.join("", pieces)))
                            .put("finish_reason", finish)))
                    .put("usage", usage);
            req.response().putHeader("Content-Type", "application/json").end(out.encode());
            return;
        }
        boolean includeUsage = in.getJsonObject("stream_options", new JsonObject()).getBoolean("include_usage", false);
        var resp = req.response().setChunked(true).putHeader("Content-Type", "text/event-stream")
                .putHeader("Cache-Control", "no-cache");
        resp.write(chunk(id, created, model, new JsonObject().put("role", "assistant").put("content", ""), null));
        for (String p : pieces) {
            resp.write(chunk(id, created, model, new JsonObject().put("content", p), null));
        }
        resp.write(chunk(id, created, model, new JsonObject(), finish));
        if (includeUsage) {
            resp.write("data: " + new JsonObject().put("id", id).put("object", "chat.completion.chunk")
                    .put("created", created).put("model", model).put("choices", new JsonArray()).put("usage", usage)
                    .encode() + "\n\n");
        }
        resp.end("data: [DONE]\n\n");
    }

    private static String chunk(String id, long created, String model, JsonObject delta, String finish) {
        JsonObject choice = new JsonObject().put("index", 0).put("delta", delta).put("finish_reason", finish);
        return "data: " + new JsonObject().put("id", id).put("object", "chat.completion.chunk").put("created", created)
                .put("model", model).put("choices", new JsonArray().add(choice)).encode() + "\n\n";
    }

    private static void error(HttpServerRequest req, int status, String message) {
        req.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("error", new JsonObject().put("message", message)).encode());
    }

    @Override
    public void close() {
        server.close().await();
    }
}
