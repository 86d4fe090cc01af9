package zg.compute.provider.internal.tee;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/**
 * Just enough HTTP/1.1 over a Unix domain socket to talk to a local agent: one request per
 * connection ({@code Connection: close}), a deadline on the whole exchange. Every error names the
 * socket, because the usual fault is a socket that was not mounted into the container.
 */
public final class UnixSocketHttp {

    private final Path socket;
    private final Duration timeout;

    public UnixSocketHttp(Path socket, Duration timeout) {
        this.socket = socket;
        this.timeout = timeout;
    }

    public Path socket() {
        return socket;
    }

    /** POSTs a JSON body to {@code path} and returns the whole response. */
    HttpResponseParser.Response postJson(String path, String json) throws IOException {
        if (!Files.exists(socket)) {
            throw new IOException("no socket at " + socket + " (the file does not exist)");
        }
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Accept: application/json\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        ByteBuffer out = ByteBuffer.allocate(head.length + body.length).put(head).put(body).flip();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX); Selector sel = Selector.open()) {
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                throw new IOException("cannot connect to " + socket + ": " + e.getMessage(), e);
            }
            ch.configureBlocking(false);
            SelectionKey key = ch.register(sel, SelectionKey.OP_WRITE);
            while (out.hasRemaining()) {
                await(sel, deadline, path);
                ch.write(out);
            }
            key.interestOps(SelectionKey.OP_READ);
            byte[] buf = new byte[8192];
            int len = 0;
            ByteBuffer in = ByteBuffer.allocate(8192);
            while (true) {
                await(sel, deadline, path);
                in.clear();
                int n = ch.read(in);
                boolean eof = n < 0;
                if (n > 0) {
                    if (len + n > buf.length) {
                        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
                    }
                    System.arraycopy(in.array(), 0, buf, len, n);
                    len += n;
                }
                Optional<HttpResponseParser.Response> r = HttpResponseParser.parse(buf, len, eof);
                if (r.isPresent()) {
                    return r.get();
                }
            }
        }
    }

    private void await(Selector sel, long deadline, String path) throws IOException {
        long left = deadline - System.nanoTime();
        if (left <= 0 || sel.select(Math.max(1, left / 1_000_000)) == 0 && System.nanoTime() >= deadline) {
            throw new IOException("no answer to " + path + " from " + socket + " within "
                    + (timeout.toMillis() % 1000 == 0 ? timeout.toSeconds() + " s" : timeout.toMillis() + " ms"));
        }
        sel.selectedKeys().clear();
    }
}
