package zg.compute.cli.internal.serve;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Async image jobs through the proxy (services-and-ui.md A.4, A.7): {@code POST /v1/async/images/generations|edits}
 * go to the provider's {@code <url>/v1/async/…} with the request checked and the {@code model} set as for the sync
 * route; {@code GET /v1/async/jobs/{jobId}} polls the provider that took the job. Status, {@code Retry-After},
 * {@code ZG-Res-Key} and the JSON are relayed. A job is billed by the provider when it completes; the first poll that
 * sees it {@code completed} verifies the result's signature and counts its fee here, once.
 */
final class AsyncJobsHandler {

    /** Jobs remembered at most (the oldest forgotten first) and for how long. */
    private static final int MAX_JOBS = 10_000;
    private static final Duration JOB_TTL = Duration.ofHours(24);

    /** {@code finished}: its end was seen, so its fee is counted (or its failure logged) only once. */
    private record Job(Target target, Route route, byte[] request, String feeContent, long at,
            java.util.concurrent.atomic.AtomicBoolean finished) {
    }

    private final Vertx vertx;
    private final Routing routing;
    private final Upstream upstream;
    private final ExchangeCache cache;
    private final Consumer<String> log;
    private final Clock clock;
    /** jobId → where it runs, for {@link #JOB_TTL} (the provider keeps results for a while too). */
    private final Map<String, Job> jobs = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Job> eldest) {
            return size() > MAX_JOBS;
        }
    };

    AsyncJobsHandler(Vertx vertx, Routing routing, Upstream upstream, ExchangeCache cache, Consumer<String> log,
            Clock clock) {
        this.vertx = vertx;
        this.routing = routing;
        this.upstream = upstream;
        this.cache = cache;
        this.log = log;
        this.clock = clock;
    }

    /** {@code POST /v1/async} + {@code route.path()}, for the image routes. */
    void submit(RoutingContext ctx, Route route) {
        List<Target> targets = routing.order(route.serviceType()).stream().filter(t -> t.asyncUrl() != null).toList();
        if (targets.isEmpty()) {
            JsonReplies.error(ctx.response(), 404, "no " + route.serviceType() + " provider with async jobs behind "
                    + "this proxy for POST /v1/async" + route.path());
            return;
        }
        ClientRequest body = ClientRequest.readOrReply(ctx, route);
        if (body == null) {
            return;
        }
        Target t = targets.get(0); // a job lives at one provider: no failover once submitted
        ClientRequest.Outgoing out = body.forModel(t.modelFor(body.model()));
        String url = t.asyncUrl() + route.path();
        forward(ctx.response(), t, HttpMethod.POST, url, out.contentType(), out.body()).onSuccess(answer -> {
            String jobId = jobIdOf(answer.status(), answer.body());
            if (jobId != null) {
                // images bill per picture: the request JSON's n caps the count (a form: the pictures delivered)
                String fee = out.json() ? new String(out.body(), StandardCharsets.UTF_8) : null;
                synchronized (jobs) {
                    jobs.put(jobId, new Job(t, route, out.body(), fee, clock.millis(),
                            new java.util.concurrent.atomic.AtomicBoolean()));
                }
                log.accept("→ async " + route.label() + " job " + jobId + " submitted to " + t.id());
            }
        });
    }

    /** {@code GET /v1/async/jobs/:jobId}. */
    void poll(RoutingContext ctx) {
        String jobId = ctx.pathParam("jobId");
        Job job;
        synchronized (jobs) {
            job = jobs.get(jobId);
            if (job != null && clock.millis() - job.at() > JOB_TTL.toMillis()) {
                jobs.remove(jobId);
                job = null;
            }
        }
        if (job == null) {
            JsonReplies.json(ctx.response(), 404, new JsonObject().put("error", "job not found: this proxy did not "
                    + "submit job " + jobId + " (or has forgotten it)"));
            return;
        }
        Job j = job;
        forward(ctx.response(), j.target(), HttpMethod.GET, j.target().asyncUrl() + "/jobs/" + jobId, null, null)
                .onSuccess(answer -> {
                    JsonObject doc = json(answer.body());
                    String status = answer.status() == 200 && doc != null ? doc.getString("status", "") : "";
                    if ((status.equals("completed") || status.equals("failed")) && j.finished().compareAndSet(false, true)) {
                        if (status.equals("completed")) {
                            settle(j, jobId, doc, answer.resKey());
                        } else {
                            log.accept("✗ async " + j.route().label() + " job " + jobId + " failed at " + j.target().id()
                                    + ": " + doc.getString("errorMessage", "") + " (not billed)");
                        }
                    }
                });
    }

    private record Answer(int status, byte[] body, String resKey) {
    }

    /** Sends with fresh auth headers and relays the whole (small, JSON) answer: status, headers, body. */
    private Future<Answer> forward(HttpServerResponse resp, Target t, HttpMethod method, String url,
            String contentType, byte[] body) {
        return vertx.executeBlocking(t::requestHeaders, false)
                .compose(headers -> upstream.send(method, url, headers, contentType, body))
                .compose(up -> up.body().map(b -> {
                    Upstream.copyHead(up, resp, Map.of());
                    resp.putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(b.length()));
                    resp.end(b);
                    return new Answer(up.statusCode(), b.getBytes(), up.getHeader("ZG-Res-Key"));
                }))
                .onFailure(e -> {
                    log.accept("✗ " + t.kind() + " " + t.id() + ": " + RelayHandler.reason(e));
                    if (!resp.ended()) {
                        JsonReplies.error(resp, 502, "provider " + t.id() + ": " + RelayHandler.reason(e));
                    }
                });
    }

    /** The completed job's {@code data} is the answer the sync route would have given: verify it, count its fee. */
    private void settle(Job j, String jobId, JsonObject doc, String resKey) {
        Object data = doc.getValue("data");
        byte[] answer = (data instanceof String s ? s : data == null ? "" : Json.encode(data))
                .getBytes(StandardCharsets.UTF_8);
        Exchange ex = new Exchange(j.target(), j.route(), j.request(), answer, resKey, jobId, null, j.feeContent());
        cache.put(ex); // POST /v1/verify can check it again, as a sync answer
        vertx.executeBlocking(() -> j.target().settle(ex), false).onComplete(s -> log.accept(s.succeeded()
                ? "✓ async " + s.result() : "✗ billing/verification failed: " + RelayHandler.reason(s.cause())));
    }

    private static String jobIdOf(int status, byte[] body) {
        JsonObject doc = status / 100 == 2 ? json(body) : null;
        return doc != null && doc.getValue("jobId") instanceof String id && !id.isBlank() ? id : null;
    }

    private static JsonObject json(byte[] body) {
        try {
            return new JsonObject(Buffer.buffer(body));
        } catch (RuntimeException notJson) {
            return null;
        }
    }
}
