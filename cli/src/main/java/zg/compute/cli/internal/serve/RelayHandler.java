package zg.compute.cli.internal.serve;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import zg.compute.protocol.audio.Wav;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * One paid {@link Route} ({@code POST /v1/chat/completions}, {@code /v1/images/generations}, …): checks the body,
 * tries the targets of the route's service type the routing names, relays the answer as it streams in (status,
 * headers and {@code ZG-Res-Key} included), then bills and verifies it off the event loop.
 */
final class RelayHandler implements Handler<RoutingContext> {

    /** The SDK could not sign the request (e.g. not acknowledged, RPC down): nothing was sent. */
    private static final class HeadersFailed extends Exception {
        HeadersFailed(Throwable cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }

    static final String PROVIDER_HEADER = "X-Provider-Address";
    static final String PROVIDER_FIELD = "x-provider-address";

    private final Vertx vertx;
    private final Route route;
    private final Routing routing;
    private final Upstream upstream;
    private final ExchangeCache cache;
    private final Consumer<String> log;

    RelayHandler(Vertx vertx, Route route, Routing routing, Upstream upstream, ExchangeCache cache,
            Consumer<String> log) {
        this.vertx = vertx;
        this.route = route;
        this.routing = routing;
        this.upstream = upstream;
        this.cache = cache;
        this.log = log;
    }

    @Override
    public void handle(RoutingContext ctx) {
        // Browsers cannot send application/json cross-site without a preflight this server never approves, and
        // forms with an Origin are refused, so a web page cannot spend the wallet's funds through this port.
        List<Target> targets = routing.order(route.serviceType());
        if (targets.isEmpty()) {
            JsonReplies.error(ctx.response(), 404, "no " + route.serviceType() + " provider behind this proxy for POST "
                    + route.localPath() + "; it serves " + routing.status().stream()
                            .map(s -> s.target().serviceType() + " (" + s.target().id() + ")").distinct()
                            .collect(Collectors.joining(", ")));
            return;
        }
        ClientRequest body = ClientRequest.readOrReply(ctx, route);
        if (body == null) {
            return;
        }
        attempt(ctx, body, targets, 0, new ArrayList<>());
    }

    private void attempt(RoutingContext ctx, ClientRequest body, List<Target> targets, int i, List<String> failures) {
        if (i == targets.size()) {
            JsonReplies.error(ctx.response(), 503, "every provider failed; all are marked available again for the "
                    + "next request. " + String.join("; ", failures));
            return;
        }
        Target t = targets.get(i);
        ClientRequest.Outgoing out = body.forModel(t.modelFor(body.model()));
        String url = t.baseUrl() + route.path();
        vertx.executeBlocking(t::requestHeaders, false)
                .recover(e -> Future.failedFuture(new HeadersFailed(e)))
                .compose(headers -> upstream.send(url, headers, out.contentType(), out.body()))
                .onComplete(ar -> {
                    if (ar.failed()) {
                        failed(ctx, body, targets, i, failures, ar.cause() instanceof HeadersFailed h
                                ? "cannot prepare the request headers: " + reason(h.getCause())
                                : "cannot reach " + url + ": " + reason(ar.cause()));
                        return;
                    }
                    HttpClientResponse up = ar.result();
                    if (up.statusCode() / 100 != 2 && routing.failover()) {
                        up.body().onComplete(b -> failed(ctx, body, targets, i, failures, "HTTP " + up.statusCode()
                                + (b.succeeded() ? ": " + abbreviate(b.result()) : "")));
                        return;
                    }
                    respond(ctx.response(), t, out, up);
                });
    }

    private void failed(RoutingContext ctx, ClientRequest body, List<Target> targets, int i, List<String> failures,
            String reason) {
        Target t = targets.get(i);
        routing.failed(t, reason);
        log.accept("✗ " + t.kind() + " " + t.id() + " failed: " + reason);
        if (routing.failover()) {
            failures.add(t.id() + ": " + reason);
            attempt(ctx, body, targets, i + 1, failures);
        } else {
            JsonReplies.error(ctx.response(), 502, "provider " + t.id() + ": " + reason);
        }
    }

    private void respond(HttpServerResponse resp, Target t, ClientRequest.Outgoing sent, HttpClientResponse up) {
        boolean ok = up.statusCode() / 100 == 2;
        boolean sse = Upstream.isEventStream(up);
        Map<String, String> extra = routing.failover() ? Map.of(PROVIDER_HEADER, t.id()) : Map.of();
        Future<Buffer> received = ok && routing.failover() && !sse && plainJson(up)
                ? up.body().onSuccess(b -> endTagged(resp, up, extra, b, t.id()))
                : Upstream.relay(up, resp, extra);
        received.onComplete(ar -> {
            if (ar.failed()) {
                routing.failed(t, "the response broke off: " + reason(ar.cause()));
                log.accept("✗ " + t.kind() + " " + t.id() + ": the response broke off: " + reason(ar.cause()));
                if (!resp.ended()) {
                    resp.reset(); // never pass a truncated answer off as complete
                }
                return;
            }
            if (!ok) {
                log.accept("✗ " + route.label() + ": " + t.kind() + " " + t.id() + " answered HTTP " + up.statusCode()
                        + " (not billed)");
                return;
            }
            byte[] bytes = ar.result().getBytes();
            ResponseFacts facts = ResponseFacts.read(bytes, up.getHeader(HttpHeaders.CONTENT_ENCODING), sse);
            Exchange ex = new Exchange(t, route, sent.body(), bytes, up.getHeader("ZG-Res-Key"), facts.completionId(),
                    facts.usageJson(), feeContent(sent, facts, bytes));
            cache.put(ex);
            vertx.executeBlocking(() -> t.settle(ex), false)
                    .onComplete(s -> log.accept(s.succeeded() ? "✓ " + s.result()
                            : "✗ billing/verification failed: " + reason(s.cause())));
        });
    }

    /**
     * What {@code processResponse} counts the fee from: for image services the request JSON (its {@code n} caps the
     * pictures counted; a form gives none, so the pictures delivered count), for generated speech the seconds of
     * the WAV received (as the broker bills it), otherwise the answer's usage.
     */
    private String feeContent(ClientRequest.Outgoing sent, ResponseFacts facts, byte[] answer) {
        if (route.images()) {
            return sent.json() ? new String(sent.body(), StandardCharsets.UTF_8) : null;
        }
        if (route == Route.SPEECH) {
            try {
                return new io.vertx.core.json.JsonObject().put("usage", new io.vertx.core.json.JsonObject()
                        .put("output_audio_seconds", Wav.read(answer).seconds())).encode();
            } catch (IllegalArgumentException notWav) {
                return facts.usageJson();
            }
        }
        return facts.usageJson();
    }

    /** Router, JSON answer: the official adds the serving provider as a field of the body. */
    private static void endTagged(HttpServerResponse resp, HttpClientResponse up, Map<String, String> extra,
            Buffer body, String id) {
        Upstream.copyHead(up, resp, extra);
        Buffer out = body;
        try {
            out = body.toJsonObject().put(PROVIDER_FIELD, id).toBuffer();
        } catch (RuntimeException notAnObject) {
            // pass it on unchanged
        }
        if (!resp.closed()) {
            resp.putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(out.length())).end(out);
        }
    }

    private static boolean plainJson(HttpClientResponse up) {
        String ct = up.getHeader(HttpHeaders.CONTENT_TYPE);
        String enc = up.getHeader(HttpHeaders.CONTENT_ENCODING);
        return ct != null && ct.toLowerCase(Locale.ROOT).startsWith("application/json")
                && (enc == null || enc.isBlank() || enc.equalsIgnoreCase("identity"));
    }

    static String reason(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    private static String abbreviate(Buffer b) {
        String s = b.toString(StandardCharsets.UTF_8).strip();
        try {
            Object err = new JsonObject(s).getValue("error");
            if (err instanceof JsonObject o && o.getString("message") != null) {
                s = o.getString("message");
            } else if (err instanceof String str) {
                s = str;
            }
        } catch (RuntimeException notJson) {
            // keep the raw text
        }
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }
}
