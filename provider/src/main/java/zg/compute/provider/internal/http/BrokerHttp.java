package zg.compute.provider.internal.http;

import zg.compute.server.RawBody;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.CorsHandler;
import java.time.Clock;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zg.compute.provider.ProviderConfig;
import zg.compute.provider.Store;
import zg.compute.provider.TeeKeySource;
import zg.compute.provider.internal.store.TimeOrderedIds;
import zg.compute.provider.internal.auth.Authenticator;
import zg.compute.provider.internal.auth.RequestRejected;
import zg.compute.provider.internal.billing.BalanceGate;
import zg.compute.provider.internal.http.PaidPipeline.Admitted;
import zg.compute.provider.internal.service.HostedImages;
import zg.compute.provider.internal.service.ModelCatalog;
import zg.compute.provider.internal.service.PaidRequest;
import zg.compute.provider.internal.service.ServiceStrategy;
import zg.compute.provider.internal.chain.ChainUnavailable;
import zg.compute.provider.internal.chain.ServiceStatus;
import zg.compute.provider.internal.metrics.BrokerMetrics;
import zg.compute.provider.internal.metrics.MetricsHttp;
import zg.compute.provider.internal.service.ServiceStrategies;
import zg.compute.server.GuardedHttpServer;

/**
 * The broker's HTTP API (provider.md §11.6): the billed route of the provider's service type (chat,
 * images, edits, transcriptions or embeddings: a {@link ServiceStrategy}), the free signature and
 * attestation-report routes, broker-hosted images, the async image jobs ({@link AsyncJobs}), the quote, the
 * user's unsettled fee, models and health. Every other path is refused, so the provider's upstream secret can
 * never be used for free.
 */
public final class BrokerHttp {

    private static final Logger log = LoggerFactory.getLogger(BrokerHttp.class);

    public static final long MAX_BODY = 32L * 1024 * 1024;
    static final String TOO_LARGE = "Request body size exceeds the maximum allowed size of 32MB";
    /**
     * The body limit of every request that is not a paid one whose headers authenticated a user who may pay: the
     * full {@link #MAX_BODY} is only read for them (16 unauthenticated 31 MiB bodies took the JVM to 1.46 GB).
     */
    public static final long UNAUTHENTICATED_BODY = 64 * 1024;

    /** Upstream headers a relayed answer does not repeat; a rewritten one (another body) drops the body's too. */
    private static final Set<String> NOT_RELAYED = Set.of("content-length", "transfer-encoding", "connection",
            "keep-alive");
    private static final Set<String> REWRITTEN = Set.of("content-length", "transfer-encoding", "connection",
            "keep-alive", "content-encoding", "content-type", "content-md5", "etag");

    private final Vertx vertx;
    private final ProviderConfig config;
    private final PaidPipeline pipeline;
    private final ServiceStrategy strategy;
    private final ModelCatalog catalog;
    /** The metrics label of the billed route. */
    private final String route;
    private final Authenticator auth;
    private final Store store;
    private final TeeKeySource tee;
    private final String provider;
    private final BrokerMetrics metrics;
    private final HostedImages images;
    private final AsyncJobs async;
    private final LoraHttp lora;
    private final Clock clock;
    private final RawBody smallBody = new RawBody(UNAUTHENTICATED_BODY);
    private final RawBody fullBody = new RawBody(MAX_BODY);
    private GuardedHttpServer.Listeners listeners;
    private MetricsHttp metricsServer;

    /** @param images broker-hosted images of an image service, else null */
    public BrokerHttp(Vertx vertx, ProviderConfig config, ServiceStrategy strategy, ModelCatalog catalog,
            String upstream, Authenticator auth, BalanceGate gate, ServiceStatus service, Store store,
            TeeKeySource tee, String provider, Clock clock, BrokerMetrics metrics, HostedImages images) {
        this(vertx, config, strategy, catalog, upstream, auth, gate, service, store, tee, provider, clock, metrics,
                images, null);
    }

    /** @param lora LoRA adapters served here, else null */
    public BrokerHttp(Vertx vertx, ProviderConfig config, ServiceStrategy strategy, ModelCatalog catalog,
            String upstream, Authenticator auth, BalanceGate gate, ServiceStatus service, Store store,
            TeeKeySource tee, String provider, Clock clock, BrokerMetrics metrics, HostedImages images,
            zg.compute.provider.internal.lora.LoraAdapters lora) {
        this.metrics = metrics;
        this.vertx = vertx;
        this.config = config;
        this.pipeline = new PaidPipeline(vertx, config, strategy, upstream, auth, gate, service, store, tee, clock,
                metrics);
        this.strategy = strategy;
        this.catalog = catalog;
        this.route = pipeline.route();
        this.auth = auth;
        this.store = store;
        this.tee = tee;
        this.provider = provider;
        this.images = images;
        this.clock = clock;
        this.async = new AsyncJobs(pipeline, config.async(), store, clock, provider, metrics);
        this.lora = new LoraHttp(pipeline, auth, lora, metrics);
    }

    public int start(String host, int port) {
        Router router = Router.router(vertx);
        router.route().handler(cors());
        router.route().handler(this::body);
        router.errorHandler(413, ctx -> {
            closeAfterAnswer(ctx); // the rest of the body is not read
            error(ctx.response(), 413, TOO_LARGE);
        });
        router.errorHandler(500, ctx -> {
            log.error("request failed", ctx.failure());
            error(ctx.response(), 500, "Internal Server Error");
        });
        router.get("/health").handler(ctx -> json(ctx.response(), 200, new JsonObject().put("status", "ok")));
        router.get("/v1/models").handler(this::models);
        router.get("/v1/quote").handler(ctx -> ctx.response().putHeader("Content-Type", "text/plain; charset=utf-8")
                .end(tee.quoteJson()));
        router.get("/v1/user/:addr/unsettledfee").handler(this::unsettledFee);
        router.route("/v1/proxy/*").handler(this::proxy);
        async.routes(router);
        lora.routes(router);
        router.route().last().handler(ctx -> error(ctx.response(), 400, "endpoint not supported"));
        ProviderConfig.Server s = config.server();
        listeners = GuardedHttpServer.listen(vertx, new HttpServerOptions().setCompressionSupported(false),
                s.limits(), router, host, port, " (server.port)", s.eventLoops());
        if (s.metrics()) {
            try {
                metricsServer = MetricsHttp.start(vertx, metrics, s.metricsHost(), s.metricsPort(), s.limits());
            } catch (RuntimeException e) {
                listeners.close().await();
                throw e;
            }
        }
        return listeners.actualPort();
    }

    /** The port of the {@code /metrics} listener, or -1 when metrics are off. */
    public int metricsPort() {
        return metricsServer == null ? -1 : metricsServer.port();
    }

    public void stop() {
        async.close();
        if (metricsServer != null) {
            metricsServer.close();
        }
        if (listeners != null) {
            listeners.close().await();
        }
        pipeline.close();
    }

    /**
     * Reads the body: a paid request only once its headers authenticated a user who may pay (then up to
     * {@link #MAX_BODY}); every other request up to {@link #UNAUTHENTICATED_BODY}. A refused paid request is
     * answered at once and its connection closed, its body never read.
     */
    private void body(RoutingContext ctx) {
        if (!isPaid(ctx.request())) {
            smallBody.handle(ctx);
            return;
        }
        HttpServerRequest req = ctx.request();
        String authorization = req.getHeader("Authorization");
        try {
            if (pipeline.authorizeFromMemory(authorization).isPresent()) {
                fullBody.handle(ctx); // a warm user: no hand-off to a worker for the header checks
                return;
            }
        } catch (RequestRejected refused) {
            metrics.request(route, "rejected");
            closeAfterAnswer(ctx);
            fail(ctx.response(), refused);
            return;
        }
        req.pause();
        pipeline.blocking(() -> pipeline.authorize(authorization)).onComplete(ar -> {
            if (ar.succeeded()) {
                fullBody.handle(ctx);
            } else {
                metrics.request(route, "rejected");
                closeAfterAnswer(ctx);
                fail(ctx.response(), ar.cause());
            }
        });
    }

    /** For an answer sent before the body was read: the connection closes after it instead of reading on. */
    /** How long a refused request's connection keeps discarding input before it is closed. */
    private static final long LINGER_MILLIS = 500;

    public static void closeAfterAnswer(RoutingContext ctx) {
        ctx.response().putHeader("Connection", "close");
        ctx.addEndHandler(v -> {
            HttpServerRequest req = ctx.request();
            if (req.isEnded()) {
                req.connection().close();
                return;
            }
            // A lingering close: the client may still be sending the body it was refused. Closing with unread
            // bytes resets the connection, which can destroy the answer before the client reads it, so what
            // still arrives is discarded (never kept) for a moment first.
            req.handler(ignored -> { });
            req.resume();
            ctx.vertx().setTimer(LINGER_MILLIS, t -> req.connection().close());
        });
    }

    /** The billed route (sync, or async when enabled for this type): the only ones with a large body. */
    private boolean isPaid(HttpServerRequest req) {
        if (req.method() != HttpMethod.POST) {
            return false;
        }
        String path = req.path();
        if (path.startsWith("/v1/proxy/")) {
            return targetPath(path).equals(strategy.path());
        }
        return config.async().enabled() && ServiceStrategies.ASYNC_TYPES.contains(strategy.type())
                && path.equals("/v1/async" + strategy.path());
    }

    private CorsHandler cors() {
        CorsHandler h = config.allowOrigins().contains("*") ? CorsHandler.create()
                : CorsHandler.create().addOrigins(config.allowOrigins());
        return h.allowedMethods(Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST, HttpMethod.OPTIONS))
                .allowedHeaders(Set.of("Authorization", "Content-Type", "Accept", "Cache-Control", "X-Requested-With"))
                .exposedHeaders(Set.of("ZG-Res-Key", "Provider", "content-encoding", "Retry-After"))
                .maxAgeSeconds(86_400);
    }

    /** Path policy: strip /v1/proxy, collapse a leading /v1, ignore the query and a trailing slash. */
    static String targetPath(String path) {
        String p = path.substring("/v1/proxy".length());
        if (p.startsWith("/v1/")) {
            p = p.substring(3);
        }
        while (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }

    private void proxy(RoutingContext ctx) {
        String target = targetPath(ctx.request().path());
        HttpMethod m = ctx.request().method();
        if (target.equals(strategy.path()) && m == HttpMethod.POST) {
            paid(ctx);
        } else if (target.toLowerCase(Locale.ROOT).startsWith("/signature/") && m == HttpMethod.GET) {
            signature(ctx, target.substring("/signature/".length()));
        } else if (target.equals("/attestation/report") && m == HttpMethod.GET) {
            attestationReport(ctx);
        } else if (target.startsWith("/images/") && (m == HttpMethod.GET || m == HttpMethod.HEAD)
                && target.split("/", -1).length == 4) {
            String[] parts = target.split("/", -1); // "", "images", chatKey, index
            hostedImage(ctx, parts[2], parts[3]);
        } else {
            error(ctx.response(), 400, "endpoint not supported");
        }
    }

    // ---- the billed route of this provider's service type ----

    private void paid(RoutingContext ctx) {
        byte[] requestBytes = RawBody.bytes(ctx);
        String authorization = ctx.request().getHeader("Authorization");
        String contentType = ctx.request().getHeader("Content-Type");
        MultiMap headers = PaidPipeline.forwardable(ctx.request().headers());
        HttpServerResponse resp = ctx.response();
        Optional<Admitted> warm;
        try {
            warm = pipeline.admitFromMemory(authorization, requestBytes, contentType);
        } catch (RequestRejected refused) {
            metrics.request(route, "rejected");
            fail(resp, refused);
            return;
        }
        Future<Admitted> admitted = warm.isPresent() ? Future.succeededFuture(warm.get())
                : pipeline.blocking(() -> pipeline.admit(authorization, requestBytes, contentType));
        admitted.onComplete(ar -> {
            if (ar.failed()) {
                metrics.request(route, "rejected");
                fail(resp, ar.cause());
                return;
            }
            Admitted ad = ar.result();
            pipeline.send(ad, headers).onComplete(up -> {
                if (up.failed()) {
                    pipeline.unbilled(ad);
                    error(resp, 502, "upstream model server unavailable");
                } else if (up.result().statusCode() != 200) {
                    relayError(resp, ad, up.result());
                } else if (ad.request().rewritesResponse()) {
                    deliver(resp, requestBytes, ad, up.result());
                } else {
                    relay(resp, requestBytes, ad, up.result());
                }
            });
        });
    }

    private static void copyHeaders(HttpClientResponse up, HttpServerResponse resp, Set<String> skipped) {
        up.headers().forEach((k, v) -> {
            if (!skipped.contains(k.toLowerCase(Locale.ROOT))) {
                resp.headers().add(k, v);
            }
        });
    }

    /** Upstream errors pass through verbatim, streamed (never held), and are never billed. */
    private void relayError(HttpServerResponse resp, Admitted ad, HttpClientResponse up) {
        copyHeaders(up, resp, NOT_RELAYED);
        resp.setStatusCode(up.statusCode()).setChunked(true);
        up.pipeTo(resp).onComplete(done -> {
            pipeline.unbilled(ad);
            if (done.failed() && !resp.closed()) {
                resp.reset();
            }
        });
    }

    /**
     * An answer the client gets in another form ({@link PaidRequest#deliver}, e.g. images as broker-hosted
     * URLs): read whole, billed and signed as received from the upstream, then the delivered body is sent.
     */
    private void deliver(HttpServerResponse resp, byte[] requestBytes, Admitted ad, HttpClientResponse up) {
        String encoding = up.getHeader("Content-Encoding");
        String contentType = up.getHeader("Content-Type");
        PaidPipeline.whole(up).onComplete(b -> {
            if (b.failed()) {
                log.warn("upstream answer broke off for request {}: {}", ad.requestId(), b.cause().getMessage());
                pipeline.unbilled(ad);
                error(resp, 502, "upstream model server unavailable");
                return;
            }
            String chatKey = TimeOrderedIds.next();
            PaidRequest.Response response = new PaidRequest.Response(b.result().getBytes(), encoding, contentType);
            pipeline.blocking(() -> {
                PaidRequest.Delivery d;
                try {
                    d = ad.request().deliver(response, chatKey);
                } catch (RequestRejected refused) {
                    pipeline.unbilled(ad);
                    throw refused;
                }
                try {
                    settleResponse(ad, requestBytes, response, chatKey);
                } finally {
                    ad.permit().release();
                }
                return d;
            }).onComplete(done -> {
                if (done.failed()) {
                    fail(resp, done.cause());
                    return;
                }
                copyHeaders(up, resp, REWRITTEN);
                resp.putHeader("ZG-Res-Key", chatKey).putHeader("Provider", provider)
                        .putHeader("Content-Type", done.result().contentType());
                if (!resp.closed()) {
                    resp.setStatusCode(200).end(Buffer.buffer(done.result().body()));
                }
            });
        });
    }

    private void relay(HttpServerResponse resp, byte[] requestBytes, Admitted ad, HttpClientResponse up) {
        copyHeaders(up, resp, NOT_RELAYED);
        String chatKey = TimeOrderedIds.next();
        resp.putHeader("ZG-Res-Key", chatKey).putHeader("Provider", provider);
        String contentType = up.getHeader("Content-Type");
        boolean sse = contentType != null && contentType.toLowerCase(Locale.ROOT).contains("event-stream");
        // A small answer that is not a stream goes out whole with the end (one write instead of two); the client
        // has it no later, as a response ends only once its bill is committed anyway.
        boolean whole = !sse && declaredLength(up) <= PaidPipeline.INLINE_BODY_LIMIT;
        resp.setStatusCode(up.statusCode());
        RelayedBody out = new RelayedBody(vertx.getOrCreateContext(), resp, up, whole);
        if (sse) {
            resp.putHeader("X-Accel-Buffering", "no");
        }
        String encoding = up.getHeader("Content-Encoding");
        ReceivedBody received = new ReceivedBody(ad.request().meter(ad.reserved(), contentType, encoding),
                ReceivedBody.KEEP_LIMIT);
        AtomicBoolean finished = new AtomicBoolean();
        AtomicReference<Consumer<Throwable>> finishRef = new AtomicReference<>();
        up.handler(chunk -> {
            if (finished.get()) {
                return;
            }
            received.append(chunk);
            if (!resp.closed()) {
                out.write(chunk);
            }
            if (received.pastLimit()) {
                log.warn("request {}: the upstream streamed past the output the user's balance covers;"
                        + " ending the stream", ad.requestId());
                Buffer done = Buffer.buffer("\n\ndata: [DONE]\n\n");
                received.append(done);
                if (!resp.closed()) {
                    out.write(done);
                }
                finishRef.get().accept(null);
                up.request().reset();
            }
        });
        resp.closeHandler(v -> up.resume()); // keep reading: the user is billed even after disconnecting
        // Runs once, at the end of the upstream body or when it breaks off: what the user received is
        // billed and signed either way; a broken stream is also broken for the client (reset, not a
        // clean end that would pass a truncated answer off as complete).
        Consumer<Throwable> finish = broken -> {
            if (!finished.compareAndSet(false, true)) {
                return;
            }
            if (broken != null) {
                log.warn("upstream stream broke for request {}: {}", ad.requestId(), broken.toString());
            }
            out.holdForEnd();
            pipeline.bill(ad, requestBytes, received.response(encoding, contentType), chatKey).onComplete(done -> {
                if (resp.closed()) {
                    return;
                }
                if (done.failed()) {
                    // never passed off as billed: an answer the client has none of yet is withheld, a flowing
                    // stream broken off
                    if (!out.flowing()) {
                        resp.headers().remove("ZG-Res-Key");
                        fail(resp, done.cause());
                    } else {
                        resp.reset();
                    }
                    return;
                }
                if (broken != null) {
                    resp.reset();
                } else {
                    out.end();
                }
            });
        };
        finishRef.set(finish);
        up.exceptionHandler(finish::accept);
        up.endHandler(v -> finish.accept(null));
    }

    /** The upstream answer's Content-Length, or {@code Long.MAX_VALUE} when it has none (chunked, or to the close). */
    private static long declaredLength(HttpClientResponse up) {
        String n = up.getHeader("Content-Length");
        if (n == null) {
            return Long.MAX_VALUE;
        }
        try {
            return Long.parseLong(n.trim());
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    /** Bill from what the client received (never more than the reservation), then sign it. */
    private void settleResponse(Admitted ad, byte[] requestBytes, PaidRequest.Response response, String chatKey)
            throws RequestRejected {
        pipeline.served(pipeline.chargeAndStore(ad, requestBytes, response, chatKey));
    }

    /** {@code GET|HEAD /v1/proxy/images/{chatKey}/{i}}: a broker-hosted image, no auth (the key is the secret). */
    private void hostedImage(RoutingContext ctx, String chatKey, String index) {
        HttpServerResponse resp = ctx.response();
        if (images == null) {
            error(resp, 404, "image not found or expired");
            return;
        }
        pipeline.blocking(() -> images.find(chatKey, index)).onComplete(ar -> {
            if (ar.failed()) {
                fail(resp, ar.cause());
            } else if (ar.result().isEmpty()) {
                error(resp, 404, "image not found or expired");
            } else {
                HostedImages.Image img = ar.result().get();
                resp.putHeader("Content-Type", img.contentType()).putHeader("Cache-Control", "private, max-age=300");
                if (ctx.request().method() == HttpMethod.HEAD) {
                    resp.putHeader("Content-Length", Long.toString(img.size())).end();
                } else {
                    resp.sendFile(img.file().toString()).onFailure(e -> {
                        if (!resp.headWritten()) {
                            error(resp, 404, "image not found or expired");
                        } else {
                            resp.reset();
                        }
                    });
                }
            }
        });
    }

    // ---- free and user routes ----

    private void signature(RoutingContext ctx, String chatKey) {
        pipeline.blocking(() -> store.signature(chatKey, clock.millis())).onComplete(ar -> {
            if (ar.failed()) {
                fail(ctx.response(), ar.cause());
            } else if (ar.result().isEmpty()) {
                error(ctx.response(), 400, "Chat id not found or expired, chat_id_not_found");
            } else {
                json(ctx.response(), 200, new JsonObject().put("text", ar.result().get().text())
                        .put("signature", ar.result().get().signature()).put("signing_address", tee.address())
                        .put("signing_algo", "ecdsa"));
            }
        });
    }

    /**
     * The LLM node's attestation (§5.2, §11.5). This broker signs with its own TEE key (never a separate
     * target), so the report is that key's: its address and quote. No GPU evidence is collected.
     */
    private void attestationReport(RoutingContext ctx) {
        String model = ctx.request().getParam("model");
        if (model != null && !catalog.serves(model)) {
            error(ctx.response(), 400, catalog.notServed(model));
            return;
        }
        json(ctx.response(), 200, new JsonObject().put("signing_address", tee.address())
                .put("signing_algo", "ecdsa")
                .put("intel_quote", Base64.getEncoder().encodeToString(tee.tdxQuote()))
                .putNull("nvidia_payload")
                .put("tee_key_source", tee.kind()).put("attested", tee.attested()));
    }

    private void unsettledFee(RoutingContext ctx) {
        String addr = ctx.pathParam("addr");
        String authorization = ctx.request().getHeader("Authorization");
        pipeline.blocking(() -> {
            Authenticator.Authenticated a = auth.authenticate(authorization);
            if (!a.user().equalsIgnoreCase(addr)) {
                throw new RequestRejected(403, "you can only query your own unsettled fee");
            }
            return new JsonObject().put("userAddress", a.user()).put("unsettledFee", store.unsettledFee(a.user()).toString());
        }).onComplete(ar -> {
            if (ar.failed()) {
                fail(ctx.response(), ar.cause());
            } else {
                json(ctx.response(), 200, ar.result());
            }
        });
    }

    /**
     * The catalog the official SDK's {@code getProviderModels} reads ({@code {object: list, data: [...]}}): per
     * model {@code pricing.prompt}/{@code completion} in neuron ({@code image} for image services, as the official
     * CLI shows it), plus {@code inputPrice}/{@code outputPrice}/{@code unit} as before.
     */
    private void models(RoutingContext ctx) {
        JsonArray data = new JsonArray();
        for (ProviderConfig.Model m : catalog.models()) {
            JsonObject pricing = new JsonObject().put("prompt", m.inputPrice().toString())
                    .put("completion", m.outputPrice().toString());
            if (strategy.type().contains("image")) {
                pricing.put("image", m.outputPrice().toString());
            }
            pricing.put("inputPrice", m.inputPrice().toString()).put("outputPrice", m.outputPrice().toString())
                    .put("unit", strategy.priceUnit());
            data.add(new JsonObject().put("id", m.name()).put("object", "model").put("owned_by", provider)
                    .put("provider", provider).put("type", strategy.type()).put("pricing", pricing));
        }
        json(ctx.response(), 200, new JsonObject().put("object", "list").put("data", data));
    }

    // ---- plumbing ----

    private void fail(HttpServerResponse resp, Throwable cause) {
        fail(resp, cause, metrics);
    }

    /**
     * A refusal as {@code {"error": …}} with its status (429: retry in 1 s, 503: in 5 s; an unreachable chain is a
     * 503 too); anything else is a 500.
     */
    static void fail(HttpServerResponse resp, Throwable cause, BrokerMetrics metrics) {
        if (cause instanceof ChainUnavailable) {
            metrics.rejected("chain");
            resp.putHeader("Retry-After", "5");
            error(resp, 503, cause.getMessage()); // logged once per outage window by RpcOutage, not here
        } else if (cause instanceof RequestRejected r) {
            metrics.rejected(BrokerMetrics.reasonOf(r.getMessage()));
            if (r.status() == 429) {
                resp.putHeader("Retry-After", "1");
            } else if (r.status() == 503) {
                resp.putHeader("Retry-After", "5");
            }
            error(resp, r.status(), r.getMessage());
        } else {
            log.error("request failed", cause);
            error(resp, 500, "Internal Server Error");
        }
    }

    static void error(HttpServerResponse resp, int status, String message) {
        json(resp, status, new JsonObject().put("error", message));
    }

    static void json(HttpServerResponse resp, int status, JsonObject body) {
        if (resp.ended() || resp.closed()) {
            return;
        }
        resp.setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
    }
}
