package zg.compute.server;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
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
    private static HttpServer create(Vertx vertx, HttpServerOptions options, ServerLimits limits,
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

    /** Listeners on one port, one per event loop; {@link #close} stops them all. */
    public record Listeners(Vertx vertx, String deployment, String host, int actualPort) {

        /**
         * Undeploys the listeners and completes once the port can be bound again (at most 2 s later): the shared
         * socket is sometimes still bound for a moment after the last listener's close completes, and a broker
         * restarted on the same port in the same process then failed to bind.
         */
        public Future<Void> close() {
            return vertx.undeploy(deployment).compose(v -> vertx.executeBlocking(() -> {
                Ports.awaitFree(host, actualPort, 2_000);
                return null;
            }, false));
        }
    }

    /**
     * Listens on {@code host:port} (0 = any free port) with {@code eventLoops} listeners: each is an instance of one
     * verticle deployment, which Vert.x binds once and hands the accepted connections to in turn. One socket, so a
     * port taken by another process still fails here.
     *
     * @throws IllegalStateException with {@link Ports}' friendly text when the address cannot be bound
     */
    public static Listeners listen(Vertx vertx, HttpServerOptions options, ServerLimits limits,
            Handler<HttpServerRequest> handler, String host, int port, String advice, int eventLoops) {
        // Vert.x shares one socket among the instances of a deployment, but port 0 would give each its own port:
        // a free one is picked first (again if another process takes it before the bind).
        for (int attempt = 1; ; attempt++) {
            int bound = port == 0 && eventLoops > 1 ? Ports.free(host) : port;
            AtomicInteger actual = new AtomicInteger();
            try {
                String deployment = vertx.deployVerticle(() -> new Listener(options, limits, handler, host, bound,
                        actual), new DeploymentOptions().setInstances(eventLoops)).await();
                return new Listeners(vertx, deployment, host, actual.get());
            } catch (RuntimeException e) {
                if (bound == port || attempt == 3) {
                    throw Ports.bindFailure(host, port, e, advice);
                }
            }
        }
    }

    /** One listener on the event loop of its verticle instance. */
    private static final class Listener extends VerticleBase {

        private final HttpServerOptions options;
        private final ServerLimits limits;
        private final Handler<HttpServerRequest> handler;
        private final String host;
        private final int port;
        private final AtomicInteger actual;

        Listener(HttpServerOptions options, ServerLimits limits, Handler<HttpServerRequest> handler, String host,
                int port, AtomicInteger actual) {
            this.options = options;
            this.limits = limits;
            this.handler = handler;
            this.host = host;
            this.port = port;
            this.actual = actual;
        }

        private HttpServer server;

        @Override
        public Future<?> start() {
            server = create(vertx, options, limits, handler);
            return server.listen(port, host).onSuccess(s -> actual.set(s.actualPort()));
        }

        /** Closed here, so that undeploying waits for the server's close (the port itself: see Listeners.close). */
        @Override
        public Future<?> stop() {
            return server.close();
        }
    }

    /**
     * {@link #listen(Vertx, HttpServerOptions, ServerLimits, Handler, String, int, String, int)} on one event loop: the
     * servers that are not on the paid path (metrics, web UI, {@code serve}, fine-tuning, model servers).
     *
     * @throws IllegalStateException with {@link Ports}' friendly text when the address cannot be bound
     */
    public static Listeners listen(Vertx vertx, HttpServerOptions options, ServerLimits limits,
            Handler<HttpServerRequest> handler, String host, int port, String advice) {
        return listen(vertx, options, limits, handler, host, port, advice, 1);
    }
}
