package zg.compute.provider.internal.http;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The upstream HTTP client of each event loop. One client shared by all loops hands any caller the last idle
 * connection of its pool, whichever loop owns it: with several loops a request's upstream I/O and callbacks often
 * crossed threads, and every request scanned the whole shared pool. Here a loop's requests ride connections of
 * its own loop. Callers outside an event loop share one client.
 */
final class UpstreamClients {

    private final Vertx vertx;
    private final HttpClientOptions options;
    private final PoolOptions pool;
    private final Map<Object, HttpClient> clients = new ConcurrentHashMap<>();
    private final Object shared = new Object();

    UpstreamClients(Vertx vertx, HttpClientOptions options, PoolOptions pool) {
        this.vertx = vertx;
        this.options = options;
        this.pool = pool;
    }

    /**
     * The client of the calling event loop. Keyed by the loop's thread, not by the context: every server request
     * runs on a context of its own (a duplicate of its loop's), so a client per context was a client per request.
     */
    HttpClient current() {
        Object key = Context.isOnEventLoopThread() ? Thread.currentThread() : shared;
        return clients.computeIfAbsent(key, k -> vertx.createHttpClient(options, pool));
    }

    /** How many clients exist: at most one per event loop thread, plus one for other callers. */
    int size() {
        return clients.size();
    }

    Future<Void> close() {
        return Future.all(clients.values().stream().map(HttpClient::close).toList()).mapEmpty();
    }
}
