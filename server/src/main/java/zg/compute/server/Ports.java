package zg.compute.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** The port probe: fail fast, with a friendly text, before anything is started or sent. */
public final class Ports {

    private Ports() {
    }

    /**
     * @param advice what to add when the port is taken, e.g. {@code ": stop what listens there or pick another with --port"}
     * @throws IllegalStateException when {@code host:port} cannot be bound (port 0 always can)
     */
    public static void requireFree(String host, int port, String advice) {
        if (port == 0) {
            return;
        }
        try {
            bind(host, port);
        } catch (IOException e) {
            throw bindFailure(host, port, e, advice);
        }
    }

    /** A port on {@code host} that the kernel hands out as free right now (another process may take it next). */
    public static int free(String host) {
        try {
            return bind(host, 0);
        } catch (IOException e) {
            throw bindFailure(host, 0, e, "");
        }
    }

    /** Waits until {@code host:port} can be bound, at most {@code millis}, then returns either way. */
    public static void awaitFree(String host, int port, long millis) {
        long end = System.nanoTime() + millis * 1_000_000;
        while (true) {
            try {
                bind(host, port);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > end) {
                    return;
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Binds {@code host:port} (0 = any) for a moment and returns the port that was bound. */
    private static int bind(String host, int port) throws IOException {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName(host))) {
            return s.getLocalPort();
        }
    }

    /** The friendly text of a failed bind: "port … is already in use" plus {@code advice}, or why it failed. */
    public static IllegalStateException bindFailure(String host, int port, Exception e, String advice) {
        boolean inUse = false;
        for (Throwable t = e; t != null && !inUse; t = t.getCause() == t ? null : t.getCause()) {
            inUse = String.valueOf(t.getMessage()).toLowerCase().contains("already in use");
        }
        return new IllegalStateException(inUse
                ? "port " + port + " on " + host + " is already in use" + advice
                : "cannot listen on " + host + ":" + port + ": " + (e.getMessage() == null
                        ? e.getClass().getSimpleName() : e.getMessage()), e);
    }
}
