package zg.compute.provider.internal.http;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.math.BigInteger;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zg.compute.protocol.signing.ResponseSignature;
import zg.compute.provider.ProviderConfig;
import zg.compute.provider.Store;
import zg.compute.provider.TeeKeySource;
import zg.compute.provider.internal.auth.Authenticator;
import zg.compute.provider.internal.auth.RequestRejected;
import zg.compute.provider.internal.billing.BalanceGate;
import zg.compute.provider.internal.billing.UserConcurrency;
import zg.compute.provider.internal.chain.AccountCache.AccountView;
import zg.compute.provider.internal.chain.ServiceStatus;
import zg.compute.provider.internal.metrics.BrokerMetrics;
import zg.compute.provider.internal.service.PaidRequest;
import zg.compute.provider.internal.service.ServiceStrategy;
import zg.compute.provider.internal.store.TimeOrderedIds;

/**
 * The steps of a paid request that do not depend on who receives the answer (the HTTP client of the
 * sync route or an async job): admission (auth, acknowledgements, strict read, concurrency slot,
 * reservation), the upstream call, and the charge of a 200 answer (fee capped at the reservation,
 * signed text signed by the TEE key).
 */
final class PaidPipeline {

    private static final Logger log = LoggerFactory.getLogger(PaidPipeline.class);

    /** Never forwarded: the user's credentials and the legacy auth headers, plus hop-by-hop headers. */
    private static final Set<String> STRIPPED = Set.of("authorization", "address", "fee", "input-fee", "nonce",
            "request-hash", "signature", "session-token", "session-signature", "vllm-proxy", "host", "content-length",
            "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization",
            "proxy-connection", "accept-encoding", "origin", "referer", "cookie");

    /**
     * The largest request body admitted, and answer billed, on the event loop (parsing and counting it takes
     * microseconds); a larger one goes to a worker thread.
     */
    static final int INLINE_BODY_LIMIT = 64 * 1024;

    /** The longest answer read whole (ten large b64 pictures fit). */
    static final int WHOLE_LIMIT = 64 * 1024 * 1024;

    /**
     * An admitted request: its pending row holds {@code reserved}, the most it will be billed; {@code permit}
     * is its concurrency slot.
     */
    record Admitted(String user, String requestId, PaidRequest request, Buffer forwardBody,
            String forwardContentType, BigInteger reserved, UserConcurrency.Permit permit) {
    }

    /** What a 200 answer is billed (never more than the reservation) and its signature. */
    record Charge(long inputCount, long outputCount, BigInteger inputFee, BigInteger outputFee,
            ResponseSignature signature) {
        BigInteger total() {
            return inputFee.add(outputFee);
        }
    }

    private final Vertx vertx;
    private final ProviderConfig config;
    private final ServiceStrategy strategy;
    private final String upstreamHost;
    private final int upstreamPort;
    private final boolean upstreamSsl;
    /** The upstream's base path and this type's path. */
    private final String upstreamPath;
    private final Authenticator auth;
    private final BalanceGate gate;
    private final UserConcurrency concurrency;
    private final ServiceStatus service;
    private final Store store;
    private final TeeKeySource tee;
    private final Clock clock;
    private final BrokerMetrics metrics;
    private final UpstreamClients clients;
    /** The metrics label of the billed route. */
    private final String route;

    PaidPipeline(Vertx vertx, ProviderConfig config, ServiceStrategy strategy, String upstream, Authenticator auth,
            BalanceGate gate, ServiceStatus service, Store store, TeeKeySource tee, Clock clock,
            BrokerMetrics metrics) {
        this.vertx = vertx;
        this.config = config;
        this.strategy = strategy;
        // parsed once: an absolute URI per request cost a URL parse each
        URI base = URI.create(upstream.replaceAll("/+$", ""));
        this.upstreamSsl = "https".equalsIgnoreCase(base.getScheme());
        this.upstreamHost = base.getHost();
        this.upstreamPort = base.getPort() > 0 ? base.getPort() : upstreamSsl ? 443 : 80;
        this.upstreamPath = (base.getRawPath() == null ? "" : base.getRawPath()) + strategy.path();
        this.auth = auth;
        this.gate = gate;
        this.concurrency = new UserConcurrency(config.limits().maxConcurrentPerUser());
        this.service = service;
        this.store = store;
        this.tee = tee;
        this.clock = clock;
        this.metrics = metrics;
        this.route = strategy.type().equals("chatbot") ? "chat" : strategy.type();
        this.clients = new UpstreamClients(vertx, new HttpClientOptions().setDecompressionSupported(false)
                .setKeepAlive(true).setConnectTimeout(10_000)
                // a model may think for minutes, but a silent upstream must not hold a request forever
                .setIdleTimeout(600), new PoolOptions().setHttp1MaxSize(256));
    }

    ServiceStrategy strategy() {
        return strategy;
    }

    String route() {
        return route;
    }

    /**
     * Blocking: the checks the headers alone decide (token, account, acknowledgements). Run before the body is
     * read, so only a user who may pay gets the full body limit.
     */
    Authorized authorize(String authorization) throws RequestRejected {
        return authorized(auth.authenticate(authorization));
    }

    /**
     * {@link #authorize} from memory alone (a verified token, a cached account): empty when it needs an
     * ecrecover or a chain read. Never blocks, so the event loop can take a warm request without a hand-off.
     */
    Optional<Authorized> authorizeFromMemory(String authorization) throws RequestRejected {
        if (!service.acknowledgedInMemory()) {
            return Optional.empty();
        }
        Optional<Authenticator.Authenticated> a = auth.authenticateFromMemory(authorization);
        return a.isEmpty() ? Optional.empty() : Optional.of(authorized(a.get()));
    }

    private Authorized authorized(Authenticator.Authenticated a) throws RequestRejected {
        AccountView account = a.account()
                .orElseThrow(() -> new RequestRejected(400, "get account from contract, account not exist"));
        if (!account.acknowledged()) {
            throw new RequestRejected(400, "user not acknowledge the provider, please use acknowledgeProviderSigner"
                    + " function in sdk first, it will take effect in 2 minutes");
        }
        if (!service.teeSignerAcknowledged()) {
            throw new RequestRejected(400, "service not acknowledge the tee signer");
        }
        return new Authorized(a.user(), account);
    }

    /** A user {@link #authorize} let through, with the account as read then. */
    record Authorized(String user, AccountView account) {
    }

    /**
     * Blocking: everything a request must pass before the upstream is called, its reservation last. The header
     * checks run again (cached by then: no ecrecover, no RPC) so the account is as fresh as the cache allows.
     */
    Admitted admit(String authorization, byte[] body, String contentType) throws RequestRejected {
        Authorized a = authorize(authorization);
        AccountView account = a.account();
        PaidRequest request = strategy.read(a.user(), body, contentType);
        UserConcurrency.Permit permit = concurrency.acquire(a.user());
        try {
            String id = TimeOrderedIds.next();
            BigInteger reserved = gate.reserve(id, a.user(), account, request.minimumFee(), request.desiredFee(),
                    clock.millis());
            return admitted(a.user(), id, request, body, contentType, reserved, permit);
        } catch (RequestRejected | RuntimeException e) {
            permit.release();
            throw e;
        }
    }

    /**
     * {@link #admit} without blocking, for a warm user of a store that reserves in memory and a small body: empty
     * when any step would need the chain, the database or much CPU (then {@link #admit} decides, off the loop).
     */
    Optional<Admitted> admitFromMemory(String authorization, byte[] body, String contentType) throws RequestRejected {
        if (!store.reservesInMemory() || body.length > INLINE_BODY_LIMIT) {
            return Optional.empty();
        }
        Optional<Authorized> authorized = authorizeFromMemory(authorization);
        if (authorized.isEmpty()) {
            return Optional.empty();
        }
        Authorized a = authorized.get();
        PaidRequest request = strategy.read(a.user(), body, contentType);
        UserConcurrency.Permit permit = concurrency.acquire(a.user());
        try {
            String id = TimeOrderedIds.next();
            Optional<BigInteger> reserved = gate.tryReserve(id, a.user(), a.account(), request.minimumFee(),
                    request.desiredFee(), clock.millis());
            if (reserved.isEmpty()) {
                permit.release(); // the chain may know of a top-up: admit() re-reads it
                return Optional.empty();
            }
            return Optional.of(admitted(a.user(), id, request, body, contentType, reserved.get(), permit));
        } catch (RuntimeException e) {
            permit.release();
            throw e;
        }
    }

    private static Admitted admitted(String user, String id, PaidRequest request, byte[] body, String contentType,
            BigInteger reserved, UserConcurrency.Permit permit) {
        PaidRequest.Forward f = request.forward(reserved);
        return f == null ? new Admitted(user, id, request, Buffer.buffer(body), contentType, reserved, permit)
                : new Admitted(user, id, request, Buffer.buffer(f.body()), f.contentType(), reserved, permit);
    }

    /** The authenticated user of {@code authorization} (blocking), for routes that read rather than pay. */
    String user(String authorization) throws RequestRejected {
        return auth.authenticate(authorization).user();
    }

    /** The client's headers that may go upstream (credentials and hop-by-hop headers dropped). */
    static MultiMap forwardable(MultiMap incoming) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        incoming.forEach((k, v) -> {
            if (!STRIPPED.contains(k.toLowerCase(Locale.ROOT))) {
                headers.add(k, v);
            }
        });
        return headers;
    }

    /** Sends the admitted request upstream; {@code headers} are {@link #forwardable} client headers. */
    Future<HttpClientResponse> send(Admitted ad, MultiMap headers) {
        RequestOptions opts = new RequestOptions().setMethod(HttpMethod.POST).setHost(upstreamHost)
                .setPort(upstreamPort).setSsl(upstreamSsl).setURI(upstreamPath + strategy.upstreamQuery());
        long started = System.nanoTime();
        return clients.current().request(opts).compose(req -> {
            MultiMap h = req.headers().addAll(headers);
            h.set("Accept-Encoding", "gzip, deflate, br"); // what billing can decode
            if (ad.forwardContentType() != null) {
                h.set("Content-Type", ad.forwardContentType());
            }
            for (Map.Entry<String, String> s : config.service().additionalSecret().entrySet()) {
                h.set(s.getKey(), s.getValue());
            }
            return req.send(ad.forwardBody());
        }).andThen(ar -> {
            metrics.upstreamLatency(Duration.ofNanos(System.nanoTime() - started));
            if (ar.failed()) {
                metrics.request(route, "upstream_unreachable");
                log.warn("upstream call failed for request {}: {}", ad.requestId(), ar.cause().toString());
            } else if (ar.result().statusCode() != 200) {
                metrics.request(route, "upstream_error");
            }
        });
    }

    /**
     * The whole answer, for a type that needs it before the client gets anything (images: delivered as URLs,
     * async jobs): at most {@link #WHOLE_LIMIT} bytes, a longer one fails (and is not billed) instead of being
     * held. Call it in the response's own callback, before any chunk can have arrived.
     */
    static Future<Buffer> whole(HttpClientResponse up) {
        Promise<Buffer> whole = Promise.promise();
        Buffer body = Buffer.buffer();
        up.handler(chunk -> {
            if (body.length() + chunk.length() > WHOLE_LIMIT) {
                if (whole.tryFail(new IllegalStateException("the upstream answer is longer than "
                        + WHOLE_LIMIT + " bytes"))) {
                    up.request().reset();
                }
            } else {
                body.appendBuffer(chunk);
            }
        });
        up.exceptionHandler(whole::tryFail);
        up.endHandler(v -> whole.tryComplete(body));
        return whole.future();
    }

    /** The upstream never answered or answered an error: nothing is billed and the reservation goes back. */
    void unbilled(Admitted ad) {
        blocking(() -> {
            try {
                store.failRequest(ad.requestId());
            } finally {
                ad.permit().release();
            }
            return null;
        });
    }

    /** Bill from the answer exactly as received (never more than the reservation), and sign it. */
    Charge charge(Admitted ad, byte[] requestBytes, PaidRequest.Response response) {
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
        return new Charge(bill.inputCount(), bill.outputCount(), inFee, outFee, sig);
    }

    /**
     * Charges a relayed answer and stores its bill and signature: the charge on the calling event loop when the
     * answer is small and the store queues writes itself, otherwise everything on a worker. Completes on the
     * caller's context once the bill is committed, or fails with {@link #notBilled} (the answer must then not
     * reach the client as if billed); the concurrency slot is released either way.
     */
    Future<Charge> bill(Admitted ad, byte[] requestBytes, PaidRequest.Response response, String chatKey) {
        // a metered answer (bytes not kept) was counted as it passed: charging it is cheap at any length
        boolean inline = store.reservesInMemory()
                && (response.bytes() == null || response.bytes().length <= INLINE_BODY_LIMIT)
                && (response.encoding() == null || response.encoding().isBlank()
                        || response.encoding().equalsIgnoreCase("identity"));
        long started = System.nanoTime();
        Future<Charge> done;
        if (inline) {
            done = chargeOnLoop(ad, requestBytes, response, chatKey);
        } else {
            done = blocking(() -> chargeAndStore(ad, requestBytes, response, chatKey));
        }
        return done.andThen(ar -> {
            metrics.billingLatency(Duration.ofNanos(System.nanoTime() - started));
            ad.permit().release();
            if (ar.succeeded()) {
                served(ar.result());
            }
        });
    }

    /** The charge on the calling event loop, the store's write queued without parking it. */
    private Future<Charge> chargeOnLoop(Admitted ad, byte[] requestBytes, PaidRequest.Response response,
            String chatKey) {
        Charge c;
        try {
            c = charge(ad, requestBytes, response);
        } catch (RuntimeException e) {
            return blocking(() -> {
                throw unchargeable(ad, e);
            });
        }
        return Future.fromCompletionStage(store.billAndSignAsync(ad.requestId(), c.inputCount(), c.outputCount(),
                c.inputFee(), c.outputFee(), chatKey, c.signature().text(), c.signature().signature(),
                signatureExpiry(), Runnable::run), vertx.getOrCreateContext())
                .map(v -> c).recover(e -> Future.failedFuture(notBilled(ad, e)));
    }

    /**
     * Blocking: charges the answer and stores its bill and signature in one transaction (not yet counted as served).
     * Throws {@link #NOT_BILLED} when either fails.
     */
    Charge chargeAndStore(Admitted ad, byte[] requestBytes, PaidRequest.Response response, String chatKey)
            throws RequestRejected {
        Charge c;
        try {
            c = charge(ad, requestBytes, response);
        } catch (RuntimeException e) {
            throw unchargeable(ad, e);
        }
        try {
            store.billAndSign(ad.requestId(), c.inputCount(), c.outputCount(), c.inputFee(), c.outputFee(), chatKey,
                    c.signature().text(), c.signature().signature(), signatureExpiry());
        } catch (RuntimeException e) {
            throw notBilled(ad, e); // the store released the reservation
        }
        return c;
    }

    /** Blocking: the answer could not be charged (nothing was stored): its reservation goes back. */
    private RequestRejected unchargeable(Admitted ad, Throwable cause) {
        try {
            store.failRequest(ad.requestId());
        } catch (RuntimeException e) {
            log.warn("request {}: could not release its reservation: {}", ad.requestId(), e.getMessage());
        }
        return notBilled(ad, cause);
    }

    /**
     * An answer that could not be charged or stored is not billed, and the client gets a 503 instead of an answer
     * nobody pays for. One log line, no trace: a failing disk fails every request.
     */
    private RequestRejected notBilled(Admitted ad, Throwable cause) {
        Throwable e = cause instanceof CompletionException && cause.getCause() != null ? cause.getCause() : cause;
        log.error("request {}: its bill could not be stored, the answer is withheld and not charged: {}",
                ad.requestId(), e.getMessage());
        metrics.request(route, "bill_failed");
        return new RequestRejected(503, NOT_BILLED);
    }

    static final String NOT_BILLED = "the answer could not be billed (the provider's database failed); you were not"
            + " charged, retry later";

    /** When a signature stored now stops being served. */
    long signatureExpiry() {
        return clock.millis() + config.caches().signature().toMillis();
    }

    /** Counts a charged answer in the metrics (after its bill committed). */
    void served(Charge c) {
        metrics.request(route, "served");
        metrics.billed(c.total());
    }

    <T> Future<T> blocking(Callable<T> work) {
        return vertx.executeBlocking(work, false);
    }

    void close() {
        clients.close().await();
    }
}
