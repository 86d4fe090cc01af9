package zg.compute.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A raw TCP client that sends only part of a request and then waits, the way slowloris-style clients hold a
 * server's connections: used to prove a server closes such connections. Only for tests.
 */
public final class SlowClient implements AutoCloseable {

    private final Socket socket;

    private SlowClient(Socket socket) {
        this.socket = socket;
    }

    public static SlowClient connect(String host, int port) {
        try {
            Socket s = new Socket();
            s.connect(new InetSocketAddress(host, port), 5_000);
            return new SlowClient(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public SlowClient send(String text) {
        try {
            socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /**
     * Opens {@code count} connections that each send a head that never ends, then reads each until the server closes
     * it: what each got before the close, in order (null for one still open after {@code within}).
     */
    public static List<String> holdPartialHeads(String host, int port, String path, int count, Duration within) {
        List<SlowClient> held = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                held.add(connect(host, port).partialHead(path));
            }
            List<String> got = new ArrayList<>();
            for (SlowClient c : held) {
                got.add(c.closedWithin(within));
            }
            return got;
        } finally {
            held.forEach(SlowClient::close);
        }
    }

    /** A head that never ends (no blank line). */
    public SlowClient partialHead(String path) {
        return send("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n");
    }

    /**
     * Reads until the server closes the connection or {@code within} passes.
     *
     * @return what the server sent before closing, or null if the connection is still open after {@code within}
     */
    public String closedWithin(Duration within) {
        try {
            socket.setSoTimeout((int) within.toMillis());
            InputStream in = socket.getInputStream();
            StringBuilder got = new StringBuilder();
            byte[] buf = new byte[8192];
            long deadline = System.nanoTime() + within.toNanos();
            while (true) {
                int n;
                try {
                    n = in.read(buf);
                } catch (SocketTimeoutException open) {
                    return null;
                } catch (IOException reset) {
                    return got.toString();
                }
                if (n < 0) {
                    return got.toString();
                }
                got.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a test socket
        }
    }
}
