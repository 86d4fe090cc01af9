package zg.compute.provider.internal.http;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.CorsHandler;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zg.compute.protocol.signing.ResponseSignature;
import zg.compute.provider.ProviderConfig;
import zg.compute.provider.Store;
import zg.compute.provider.TeeKeySource;
import zg.compute.provider.internal.auth.Authenticator;
import zg.compute.provider.internal.auth.RequestRejected;
import zg.compute.provider.internal.billing.BalanceGate;
import zg.compute.provider.internal.billing.OutputLimit;
import zg.compute.provider.internal.billing.UserConcurrency;
import zg.compute.provider.internal.service.ModelCatalog;
import zg.compute.provider.internal.service.PaidRequest;
import zg.compute.provider.internal.service.ServiceStrategy;
import zg.compute.provider.internal.chain.AccountCache.AccountView;
import zg.compute.provider.internal.chain.ServiceStatus;
import zg.compute.provider.internal.metrics.BrokerMetrics;

/**
 * The broker's HTTP API (provider.md §11.6): the billed route of the provider's service type (chat,
 * images, edits, transcriptions or embeddings: a {@link ServiceStrategy}), the free signature and
 * attestation-report routes, the quote, the user's unsettled fee, models and health. Every other
 * path is refused, so the provider's upstream secret can never be used for free.
 */
public final class BrokerHttp {

    private static final Logger log = LoggerFactory.getLogger(BrokerHttp.class);

    public static final long MAX_BODY = 32L * 1024 * 1024;
    static final String TOO_LARGE = "Request body size exceeds the maximum allowed size of 32MB";

    /** Never forwarded: the user's credentials and the legacy auth headers, plus hop-by-hop headers. */
    private static final Set<String> STRIPPED = Set.of("authorization", "address", "fee", "input-fee", "nonce",
            "request-hash", "signature", "session-token", "session-signature", "vllm-proxy", "host", "content-length",
            "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization",
            "proxy-connection", "accept-encoding", "origin", "referer", "cookie");
    private static final Set<String> NOT_RELAYED = Set.of("content-length", "transfer-encoding", "connection",
            "keep-alive");

    private final Vertx vertx;
    private final ProviderConfig config;
    private final String upstream;
    private final Authenticator auth;
    private final BalanceGate gate;
    private final UserConcurrency concurrency;
    private final ServiceStrategy strategy;
    private final ModelCatalog catalog;
    /** The metrics label of the billed route. */
    private final String route;
    private final ServiceStatus service;
    private final Store store;
    private final TeeKeySource tee;
    private final String provider;
    private final Clock clock;
    private final HttpClient client;
    private final BrokerMetrics metrics;
    private HttpServer server;

    public BrokerHttp(Vertx vertx, ProviderConfig config, ServiceStrategy strategy, ModelCatalog catalog,
            String upstream, Authenticator auth,
            BalanceGate gate,
            ServiceStatus service, Store store, TeeKeySource tee, String provider, Clock clock, BrokerMetrics metrics) {
        this.metrics = metrics;
        this.vertx = vertx;
        this.config = config;
        this.upstream = upstream.replaceAll("/+$", "");
        this.auth = auth;
        this.gate = gate;
        this.concurrency = new UserConcurrency(config.limits().maxConcurrentPerUser());
        this.strategy = strategy;
        this.catalog = catalog;
        this.route = strategy.type().equals("chatbot") ? "chat" : strategy.type();
        this.service = service;
        this.store = store;
        this.tee = tee;
        this.provider = provider;
        this.clock = clock;
        this.client = vertx.createHttpClient(new HttpClientOptions().setDecompressionSupported(false)
                .setKeepAlive(true).setConnectTimeout(10_000)
                // a model may think for minutes, but a silent upstream must not hold a request forever
                .setIdleTimeout(600), new PoolOptions().setHttp1MaxSize(256));
    }

    public int start(String host, int port) {
        Router router = Router.router(vertx);
        router.route().handler(cors());
        router.route().handler(new RawBody(MAX_BODY));
        router.errorHandler(413, ctx -> error(ctx.response(), 413, TOO_LARGE));
        router.errorHandler(500, ctx -> {
            log.error("request failed", ctx.failure());
            error(ctx.response(), 500, "Internal Server Error");
        });
        if (config.server().metrics()) {
            router.get("/metrics").handler(ctx -> ctx.response()
                    .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape()));
        }
        router.get("/health").handler(ctx -> json(ctx.response(), 200, new JsonObject().put("status", "ok")));
        router.get("/v1/models").handler(this::models);
        router.get("/v1/quote").handler(ctx -> ctx.response().putHeader("Content-Type", "text/plain; charset=utf-8")
                .end(tee.quoteJson()));
        router.get("/v1/user/:addr/unsettledfee").handler(this::unsettledFee);
        router.route("/v1/proxy/*").handler(this::proxy);
        router.route().last().handler(ctx -> error(ctx.response(), 400, "endpoint not supported"));
        server = vertx.createHttpServer(new HttpServerOptions().setCompressionSupported(false))
                .requestHandler(router);
        server.listen(port, host).await();
        return server.actualPort();
    }

    public void stop() {
        if (server != null) {
            server.close().await();
        }
        client.close().await();
    }

    private CorsHandler cors() {
        CorsHandler h = config.allowOrigins().contains("*") ? CorsHandler.create()
                : CorsHandler.create().addOrigins(config.allowOrigins());
        return h.allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.OPTIONS))
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
        } else {
            error(ctx.response(), 400, "endpoint not supported");
        }
    }

    // ---- the billed route of this provider's service type ----

    /**
     * An admitted request: its pending row holds {@code reserved}, the most it will be billed; {@code permit}
     * is its concurrency slot.
     */
    private record Admitted(String user, String requestId, PaidRequest request, Buffer forwardBody,
            String forwardContentType, BigInteger reserved, UserConcurrency.Permit permit) {
    }

    private void paid(RoutingContext ctx) {
        byte[] requestBytes = RawBody.of(ctx);
        String authorization = ctx.request().getHeader("Authorization");
        String contentType = ctx.request().getHeader("Content-Type");
        MultiMap incoming = ctx.request().headers();
        blocking(() -> admit(authorization, requestBytes, contentType)).onComplete(ar -> {
            if (ar.failed()) {
                metrics.request(route, "rejected");
                fail(ctx.response(), ar.cause());
            } else {
                forward(ctx.response(), incoming, requestBytes, ar.result());
            }
        });
    }

    private Admitted admit(String authorization, byte[] body, String contentType) throws RequestRejected {
        Authenticator.Authenticated a = auth.authenticate(authorization);
        AccountView account = a.account()
                .orElseThrow(() -> new RequestRejected(400, "get account from contract, account not exist"));
        if (!account.acknowledged()) {
            throw new RequestRejected(400, "user not acknowledge the provider, please use acknowledgeProviderSigner"
                    + " function in sdk first, it will take effect in 2 minutes");
        }
        if (!service.teeSignerAcknowledged()) {
            throw new RequestRejected(400, "service not acknowledge the tee signer");
        }
        PaidRequest request = strategy.read(body, contentType);
        UserConcurrency.Permit permit = concurrency.acquire(a.user());
        try {
            String id = UUID.randomUUID().toString();
            BigInteger reserved = gate.reserve(id, a.user(), account, request.minimumFee(), request.desiredFee(),
                    clock.millis());
            PaidRequest.Forward f = request.forward(reserved);
            return f == null ? new Admitted(a.user(), id, request, Buffer.buffer(body), contentType, reserved, permit)
                    : new Admitted(a.user(), id, request, Buffer.buffer(f.body()), f.contentType(), reserved, permit);
        } catch (RequestRejected | RuntimeException e) {
            permit.release();
            throw e;
        }
    }

    /** The upstream never answered or answered an error: nothing is billed and the reservation goes back. */
    private void unbilled(Admitted ad) {
        blocking(() -> {
            try {
                store.failRequest(ad.requestId());
            } finally {
                ad.permit().release();
            }
            return null;
        });
    }

    private void forward(HttpServerResponse resp, MultiMap incoming, byte[] requestBytes, Admitted ad) {
        RequestOptions opts = new RequestOptions().setMethod(HttpMethod.POST)
                .setAbsoluteURI(upstream + strategy.path() + strategy.upstreamQuery());
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        incoming.forEach((k, v) -> {
            if (!STRIPPED.contains(k.toLowerCase(Locale.ROOT))) {
                headers.add(k, v);
            }
        });
        headers.set("Accept-Encoding", "gzip, deflate, br"); // what billing can decode
        if (ad.forwardContentType() != null) {
            headers.set("Content-Type", ad.forwardContentType());
        }
        for (Map.Entry<String, String> s : config.service().additionalSecret().entrySet()) {
            headers.set(s.getKey(), s.getValue());
        }
        long started = System.nanoTime();
        client.request(opts).compose(req -> {
            req.headers().addAll(headers);
            return req.send(ad.forwardBody());
        }).onComplete(ar -> {
            metrics.upstreamLatency(Duration.ofNanos(System.nanoTime() - started));
            if (ar.failed()) {
                metrics.request(route, "upstream_unreachable");
                log.warn("upstream call failed for request {}: {}", ad.requestId(), ar.cause().toString());
                unbilled(ad);
                error(resp, 502, "upstream model server unavailable");
            } else {
                relay(resp, requestBytes, ad, ar.result());
            }
        });
    }

    private void relay(HttpServerResponse resp, byte[] requestBytes, Admitted ad, HttpClientResponse up) {
        up.headers().forEach((k, v) -> {
            if (!NOT_RELAYED.contains(k.toLowerCase(Locale.ROOT))) {
                resp.headers().add(k, v);
            }
        });
        resp.setStatusCode(up.statusCode()).setChunked(true);
        if (up.statusCode() != 200) {
            metrics.request(route, "upstream_error");
            // Upstream errors pass through verbatim and are never billed.
            up.body().onComplete(b -> {
                unbilled(ad);
                resp.end(b.succeeded() ? b.result() : Buffer.buffer());
            });
            return;
        }
        String chatKey = UUID.randomUUID().toString();
        resp.putHeader("ZG-Res-Key", chatKey).putHeader("Provider", provider);
        String contentType = up.getHeader("Content-Type");
        boolean sse = contentType != null && contentType.toLowerCase(Locale.ROOT).contains("event-stream");
        if (sse) {
            resp.putHeader("X-Accel-Buffering", "no");
        }
        Buffer received = Buffer.buffer();
        String encoding = up.getHeader("Content-Encoding");
        // An upstream that ignores max_tokens must not stream past what the reservation covers: count the
        // SSE events (about one token each) of a plain stream and end it cleanly at the limit.
        long eventLimit = ad.request().streamEventLimit(ad.reserved());
        OutputLimit limit = eventLimit >= 0 && sse && (encoding == null || encoding.isBlank() || encoding.equalsIgnoreCase("identity"))
                ? new OutputLimit(eventLimit) : null;
        AtomicBoolean finished = new AtomicBoolean();
        AtomicReference<Consumer<Throwable>> finishRef = new AtomicReference<>();
        up.handler(chunk -> {
            if (finished.get()) {
                return;
            }
            received.appendBuffer(chunk);
            if (!resp.closed()) {
                resp.write(chunk);
                if (resp.writeQueueFull()) {
                    up.pause();
                    resp.drainHandler(v -> up.resume());
                }
            }
            if (limit != null && limit.exceededBy(chunk)) {
                log.warn("request {}: the upstream streamed past the {} output tokens the user's balance covers;"
                        + " ending the stream", ad.requestId(), eventLimit);
                Buffer done = Buffer.buffer("\n\ndata: [DONE]\n\n");
                received.appendBuffer(done);
                if (!resp.closed()) {
                    resp.write(done);
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
            blocking(() -> {
                try {
                    settleResponse(ad, requestBytes, received.getBytes(), encoding, contentType, chatKey);
                } finally {
                    ad.permit().release();
                }
                return null;
            }).onComplete(done -> {
                if (done.failed()) {
                    log.error("billing/signing failed for request {}", ad.requestId(), done.cause());
                }
                if (!resp.closed()) {
                    if (broken == null) {
                        resp.end();
                    } else {
                        resp.reset();
                    }
                }
            });
        };
        finishRef.set(finish);
        up.exceptionHandler(finish::accept);
        up.endHandler(v -> finish.accept(null));
    }

    /** Bill from what the client received (never more than the reservation), then sign it. */
    private void settleResponse(Admitted ad, byte[] requestBytes, byte[] responseBytes, String encoding,
            String contentType, String chatKey) {
        PaidRequest.Response response = new PaidRequest.Response(responseBytes, encoding, contentType);
        PaidRequest.Bill bill = ad.request().bill(response);
        BigInteger inFee = bill.inputFee();
        BigInteger outFee = bill.outputFee();
        if (bill.total().compareTo(ad.reserved()) > 0) {
            // More than the user's balance was reserved for (an upstream past max_tokens, a prompt the broker
            // under-counted): the user is never billed beyond what the account could pay at admission.
            log.warn("request {}: usage {} costs {} neuron, more than the {} reserved; billing the reservation",
                    ad.requestId(), bill, bill.total(), ad.reserved());
            inFee = inFee.min(ad.reserved());
            outFee = ad.reserved().subtract(inFee);
        }
        ResponseSignature sig = ResponseSignature.sign(ad.request().signedText(requestBytes, response), tee.key());
        store.billAndSign(ad.requestId(), bill.inputCount(), bill.outputCount(), inFee, outFee, chatKey, sig.text(),
                sig.signature(), clock.millis() + config.caches().signature().toMillis());
        metrics.request(route, "served");
        metrics.billed(inFee.add(outFee));
    }

    // ---- free and user routes ----

    private void signature(RoutingContext ctx, String chatKey) {
        blocking(() -> store.signature(chatKey, clock.millis())).onComplete(ar -> {
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
        blocking(() -> {
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

    private <T> Future<T> blocking(Callable<T> work) {
        return vertx.executeBlocking(work, false);
    }

    private void fail(HttpServerResponse resp, Throwable cause) {
        if (cause instanceof RequestRejected r) {
            metrics.rejected(BrokerMetrics.reasonOf(r.getMessage()));
            if (r.status() == 429) {
                resp.putHeader("Retry-After", "1");
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

    private static void json(HttpServerResponse resp, int status, JsonObject body) {
        if (resp.ended() || resp.closed()) {
            return;
        }
        resp.setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
    }
}
