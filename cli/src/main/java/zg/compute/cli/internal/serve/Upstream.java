package zg.compute.cli.internal.serve;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Sends a request to a target and relays the answer to the client chunk by chunk (SSE events
 * reach the client as they arrive), keeping every byte received for billing and verification.
 * Responses are not decompressed: the provider's signature covers the bytes as sent.
 */
final class Upstream {

    /** Hop-by-hop headers and those the relay sets itself. */
    private static final Set<String> NOT_RELAYED = Set.of("connection", "keep-alive", "transfer-encoding",
            "content-length", "proxy-connection", "upgrade", "te", "trailer");

    private final HttpClient client;
    private final Duration timeout;

    Upstream(Vertx vertx, Duration timeout) {
        this.timeout = timeout;
        this.client = vertx.createHttpClient(new HttpClientOptions().setDecompressionSupported(false)
                .setKeepAlive(true), new PoolOptions().setHttp1MaxSize(64));
    }

    /**
     * POSTs {@code body} as {@code contentType}. The future fails on a connection error or when the target stays silent for the
     * timeout (before or during the response).
     */
    Future<HttpClientResponse> send(String url, Map<String, String> headers, String contentType, byte[] body) {
        return send(HttpMethod.POST, url, headers, contentType, body);
    }

    /** As {@link #send(String, Map, String, byte[])} with any method; a null body sends none. */
    Future<HttpClientResponse> send(HttpMethod method, String url, Map<String, String> headers, String contentType,
            byte[] body) {
        RequestOptions opts;
        try {
            opts = new RequestOptions().setMethod(method).setAbsoluteURI(url)
                    .setConnectTimeout(Math.min(timeout.toMillis(), 10_000)).setIdleTimeout(timeout.toMillis());
        } catch (RuntimeException badUrl) {
            return Future.failedFuture("invalid URL " + url);
        }
        return client.request(opts).compose(req -> {
            if (contentType != null) {
                req.putHeader(HttpHeaders.CONTENT_TYPE, contentType);
            }
            headers.forEach(req::putHeader);
            return body == null ? req.send() : req.send(Buffer.buffer(body));
        });
    }

    /**
     * Copies status, headers ({@code extraHeaders} added) and body to {@code resp}. The future completes
     * with everything received once the upstream body ends, or fails when it breaks off. The upstream is
     * read to its end even if the client goes away, so the response can still be accounted for.
     */
    static Future<Buffer> relay(HttpClientResponse up, HttpServerResponse resp, Map<String, String> extraHeaders) {
        copyHead(up, resp, extraHeaders);
        String length = up.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            resp.putHeader(HttpHeaders.CONTENT_LENGTH, length);
        } else {
            resp.setChunked(true);
        }
        if (isEventStream(up)) {
            resp.putHeader("X-Accel-Buffering", "no"); // reverse proxies in front must not buffer events
        }
        Promise<Buffer> done = Promise.promise();
        Buffer received = Buffer.buffer();
        up.handler(chunk -> {
            received.appendBuffer(chunk);
            if (!resp.closed()) {
                resp.write(chunk);
                if (resp.writeQueueFull()) {
                    up.pause();
                    resp.drainHandler(v -> up.resume());
                }
            }
        });
        resp.closeHandler(v -> up.resume());
        up.exceptionHandler(done::tryFail);
        up.endHandler(v -> {
            if (!resp.closed() && !resp.ended()) {
                resp.end();
            }
            done.tryComplete(received);
        });
        return done.future();
    }

    /** Status and headers only, for a body the caller writes itself. */
    static void copyHead(HttpClientResponse up, HttpServerResponse resp, Map<String, String> extraHeaders) {
        resp.setStatusCode(up.statusCode());
        up.headers().forEach((k, v) -> {
            if (!NOT_RELAYED.contains(k.toLowerCase(Locale.ROOT))) {
                resp.headers().add(k, v);
            }
        });
        extraHeaders.forEach(resp::putHeader);
    }

    static boolean isEventStream(HttpClientResponse up) {
        String ct = up.getHeader(HttpHeaders.CONTENT_TYPE);
        return ct != null && ct.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
    }

    Future<Void> close() {
        return client.close();
    }
}
