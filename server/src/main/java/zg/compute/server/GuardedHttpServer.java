package zg.compute.server;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import zg.compute.server.internal.ConnectionWatch;

/**
 * Creates the Vert.x HTTP servers of this project with {@link ServerLimits} enforced on every connection: Vert.x
 * itself has no header or body timeout, so 240 connections that never finish a request head stayed open for good.
 * Each connection gets a watch on its own event loop that closes it when a limit passes.
 */
public final class GuardedHttpServer {

    private GuardedHttpServer() {
    }

    /** A server (not yet listening) whose requests go to {@code handler}. */
    public static HttpServer create(Vertx vertx, HttpServerOptions options, ServerLimits limits,
            Handler<HttpServerRequest> handler) {
        Map<HttpConnection, ConnectionWatch> watches = new ConcurrentHashMap<>();
        HttpServer server = vertx.createHttpServer(new HttpServerOptions(options).setHttp2ClearTextEnabled(false));
        server.connectionHandler(conn -> {
            ConnectionWatch w = new ConnectionWatch(vertx, conn, limits);
            watches.put(conn, w);
            conn.closeHandler(v -> {
                watches.remove(conn);
                w.stop();
            });
        });
        server.requestHandler(req -> {
            ConnectionWatch w = watches.get(req.connection());
            if (w != null) {
                w.started(req);
            }
            handler.handle(req);
        });
        return server;
    }

    /**
     * {@link #create} and listen on {@code host:port} (0 = any free port).
     *
     * @throws IllegalStateException with {@link Ports}' friendly text when the address cannot be bound
     */
    public static HttpServer listen(Vertx vertx, HttpServerOptions options, ServerLimits limits,
            Handler<HttpServerRequest> handler, String host, int port, String advice) {
        HttpServer server = create(vertx, options, limits, handler);
        try {
            server.listen(port, host).await();
        } catch (RuntimeException e) {
            throw Ports.bindFailure(host, port, e, advice);
        }
        return server;
    }
}
