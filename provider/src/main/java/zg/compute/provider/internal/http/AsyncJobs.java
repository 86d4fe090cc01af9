package zg.compute.provider.internal.http;

import zg.compute.server.RawBody;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zg.compute.provider.ProviderConfig;
import zg.compute.provider.Store;
import zg.compute.provider.internal.store.TimeOrderedIds;
import zg.compute.provider.internal.auth.RequestRejected;
import zg.compute.provider.internal.http.PaidPipeline.Admitted;
import zg.compute.provider.internal.metrics.BrokerMetrics;
import zg.compute.provider.internal.service.PaidRequest;
import zg.compute.provider.internal.service.ServiceStrategies;

/**
 * Async image jobs (services-and-ui.md A.4): {@code POST /v1/async/images/generations|edits} is admitted and
 * reserved like the sync route, written as a job and queued (202 {@code {jobId, status}}); a fixed pool of
 * workers runs the same upstream call, and the bill and the result commit together. {@code GET
 * /v1/async/jobs/{jobID}} lets the job's user (only) poll it, with {@code Retry-After: 5} until it is
 * finished. Jobs in flight when the broker stops are failed by the next start's sweep ({@code broker
 * restarted}), never billed.
 */
final class AsyncJobs {

    private static final Logger log = LoggerFactory.getLogger(AsyncJobs.class);

    static final String DISABLED = "async processing is not enabled";
    static final String QUEUE_FULL = "async job queue is full, please try again later";
    static final String WRONG_TYPE = "async jobs only support text-to-image and image-editing service types";
    private static final int MAX_ERROR_BODY = 512;

    private final PaidPipeline pipeline;
    private final ProviderConfig.Async config;
    private final Store store;
    private final Clock clock;
    private final String provider;
    private final BrokerMetrics metrics;
    private final ThreadPoolExecutor workers;
    private final AtomicBoolean closing = new AtomicBoolean();

    AsyncJobs(PaidPipeline pipeline, ProviderConfig.Async config, Store store, Clock clock, String provider,
            BrokerMetrics metrics) {
        this.pipeline = pipeline;
        this.config = config;
        this.store = store;
        this.clock = clock;
        this.provider = provider;
        this.metrics = metrics;
        AtomicInteger n = new AtomicInteger();
        // a bounded queue and no caller-runs: a full queue is refused at submit, never run on the event loop
        this.workers = new ThreadPoolExecutor(config.workers(), config.workers(), 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(config.queueSize()), r -> {
                    Thread t = new Thread(r, "async-job-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    void routes(Router router) {
        router.post("/v1/async/images/generations").handler(ctx -> submit(ctx, "/images/generations"));
        router.post("/v1/async/images/edits").handler(ctx -> submit(ctx, "/images/edits"));
        router.get("/v1/async/jobs").handler(ctx -> BrokerHttp.error(ctx.response(), 400, "jobID is required"));
        router.get("/v1/async/jobs/").handler(ctx -> BrokerHttp.error(ctx.response(), 400, "jobID is required"));
        router.get("/v1/async/jobs/:jobID").handler(this::poll);
    }

    /** Stops the workers without touching their jobs: the next start's sweep fails them (never billed). */
    void close() {
        closing.set(true);
        workers.shutdownNow();
    }

    private void submit(RoutingContext ctx, String path) {
        if (!config.enabled()) {
            BrokerHttp.error(ctx.response(), 503, DISABLED);
            return;
        }
        if (!ServiceStrategies.ASYNC_TYPES.contains(pipeline.strategy().type())) {
            BrokerHttp.error(ctx.response(), 400, WRONG_TYPE);
            return;
        }
        if (!path.equals(pipeline.strategy().path())) {
            BrokerHttp.error(ctx.response(), 400, "endpoint not supported");
            return;
        }
        byte[] body = RawBody.bytes(ctx);
        if (body.length == 0) {
            BrokerHttp.error(ctx.response(), 400, "request body is required");
            return;
        }
        String authorization = ctx.request().getHeader("Authorization");
        String contentType = ctx.request().getHeader("Content-Type");
        MultiMap headers = PaidPipeline.forwardable(ctx.request().headers());
        pipeline.blocking(() -> {
            Admitted ad = pipeline.admit(authorization, body, contentType);
            String jobId = UUID.randomUUID().toString();
            try {
                store.insertJob(jobId, ad.requestId(), ad.user(), clock.millis());
                workers.execute(() -> run(jobId, ad, body, headers));
            } catch (RejectedExecutionException full) {
                store.failJob(jobId, ad.requestId(), QUEUE_FULL, clock.millis());
                ad.permit().release();
                throw new RequestRejected(503, QUEUE_FULL);
            } catch (RuntimeException e) {
                store.failRequest(ad.requestId());
                ad.permit().release();
                throw e;
            }
            return jobId;
        }).onComplete(ar -> {
            if (ar.failed()) {
                metrics.request(pipeline.route(), "rejected");
                BrokerHttp.fail(ctx.response(), ar.cause(), metrics);
            } else {
                BrokerHttp.json(ctx.response(), 202, new JsonObject().put("jobId", ar.result())
                        .put("status", "pending"));
            }
        });
    }

    /** On a worker thread: the upstream call, then bill + result or failure, each in one transaction. */
    private void run(String jobId, Admitted ad, byte[] requestBytes, MultiMap headers) {
        try {
            if (!store.startJob(jobId, clock.millis())) {
                return; // swept or failed meanwhile
            }
            // the body handler is set on the event loop, in the response's own callback: set later from this
            // thread, chunks that arrived in between would be lost
            HttpClientResponse[] answer = new HttpClientResponse[1];
            Buffer body = pipeline.send(ad, headers).compose(r -> {
                answer[0] = r;
                return PaidPipeline.whole(r);
            }).await();
            HttpClientResponse up = answer[0];
            if (up.statusCode() != 200) {
                String text = body.toString(StandardCharsets.UTF_8);
                store.failJob(jobId, ad.requestId(), "provider returned status " + up.statusCode() + ": "
                        + (text.length() > MAX_ERROR_BODY ? text.substring(0, MAX_ERROR_BODY) + "…" : text),
                        clock.millis());
                return;
            }
            String chatKey = TimeOrderedIds.next();
            PaidRequest.Response response = new PaidRequest.Response(body.getBytes(), up.getHeader("Content-Encoding"),
                    up.getHeader("Content-Type"));
            String result;
            try {
                result = ad.request().rewritesResponse()
                        ? new String(ad.request().deliver(response, chatKey).body(), StandardCharsets.UTF_8)
                        : response.text().orElse("");
            } catch (RequestRejected refused) {
                store.failJob(jobId, ad.requestId(), refused.getMessage(), clock.millis());
                return;
            }
            PaidPipeline.Charge c = pipeline.charge(ad, requestBytes, response);
            if (store.completeJob(jobId, ad.requestId(), c.inputCount(), c.outputCount(), c.inputFee(),
                    c.outputFee(), chatKey, c.signature().text(), c.signature().signature(),
                    pipeline.signatureExpiry(), result, clock.millis())) {
                pipeline.served(c);
            }
        } catch (Throwable e) { // NOPMD: a worker must record every outcome, and never die
            if (closing.get()) {
                log.info("job {} left unfinished by the broker's stop; the next start fails it", jobId);
                return;
            }
            log.warn("job {} failed: {}", jobId, e.toString());
            try {
                store.failJob(jobId, ad.requestId(), "provider request failed: " + e.getMessage(), clock.millis());
            } catch (RuntimeException storeDown) {
                log.error("job {}: cannot record its failure (the sweep will)", jobId, storeDown);
            }
        } finally {
            ad.permit().release();
        }
    }

    private void poll(RoutingContext ctx) {
        String jobId = ctx.pathParam("jobID");
        if (!config.enabled()) {
            BrokerHttp.error(ctx.response(), 503, DISABLED);
            return;
        }
        if (jobId == null || jobId.isBlank()) {
            BrokerHttp.error(ctx.response(), 400, "jobID is required");
            return;
        }
        String authorization = ctx.request().getHeader("Authorization");
        pipeline.blocking(() -> {
            String user = pipeline.user(authorization);
            Store.AsyncJob job = store.job(jobId)
                    .filter(j -> j.updatedAtMillis() + config.resultTtl().toMillis() > clock.millis()
                            || !finished(j))
                    .orElseThrow(() -> new RequestRejected(404, "job not found"));
            if (!job.user().equalsIgnoreCase(user)) {
                throw new RequestRejected(403, "you do not have permission to access this job");
            }
            return job;
        }).onComplete(ar -> {
            if (ar.failed()) {
                BrokerHttp.fail(ctx.response(), ar.cause(), metrics);
                return;
            }
            Store.AsyncJob j = ar.result();
            JsonObject out = new JsonObject().put("jobId", j.id()).put("status", j.state())
                    .put("createdAt", Instant.ofEpochMilli(j.createdAtMillis()).toString())
                    .put("updatedAt", Instant.ofEpochMilli(j.updatedAtMillis()).toString());
            if (j.errorMessage() != null) {
                out.put("errorMessage", j.errorMessage());
            }
            if ("completed".equals(j.state())) {
                out.put("data", embedded(j.result()));
                ctx.response().putHeader("ZG-Res-Key", j.chatKey()).putHeader("Provider", provider);
            } else if (!finished(j)) {
                ctx.response().putHeader("Retry-After", "5");
            }
            BrokerHttp.json(ctx.response(), 200, out);
        });
    }

    private static boolean finished(Store.AsyncJob j) {
        return "completed".equals(j.state()) || "failed".equals(j.state());
    }

    /** The provider's JSON as is, or as a string when it is not JSON (A.4). */
    private static Object embedded(String result) {
        try {
            return Json.decodeValue(result);
        } catch (DecodeException notJson) {
            return result;
        }
    }
}
