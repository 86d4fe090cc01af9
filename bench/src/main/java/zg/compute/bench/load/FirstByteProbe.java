package zg.compute.bench.load;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Streaming time to first byte: one request at a time on a fresh connection ({@code Connection: close}, plain
 * socket, so no client library sits in the measurement), from writing the request to the first byte of the SSE
 * body after the response headers. The upstream sends the stream's first event at once and the rest 50 ms later
 * ({@link PacedStream}), as a model streams tokens: a relay that waited for more than the first event would show
 * here. The answer is read to its end and must be 200.
 */
final class FirstByteProbe {

    /** Latencies of one target in ms. */
    record Result(int requests, double p50ms, double p99ms) {
    }

    double[] measure(String url, String body, String authorization, int requests) throws IOException {
        URI uri = URI.create(url);
        byte[] payload = body.getBytes(StandardCharsets.UTF_8);
        byte[] head = ("POST " + uri.getPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                + "\r\nContent-Type: application/json\r\nAuthorization: " + authorization + "\r\n" + Nginx.STREAM_HEADER
                + ": 2\r\nConnection: close\r\nContent-Length: " + payload.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        double[] ms = new double[requests];
        for (int i = 0; i < requests; i++) {
            try (Socket s = new Socket(uri.getHost(), uri.getPort())) {
                s.setTcpNoDelay(true);
                OutputStream out = s.getOutputStream();
                InputStream in = s.getInputStream();
                long t0 = System.nanoTime();
                out.write(head);
                out.write(payload);
                out.flush();
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                byte[] buf = new byte[16384];
                int headerEnd = -1;
                while (headerEnd < 0 || got.size() <= headerEnd) {
                    int n = in.read(buf);
                    if (n < 0) {
                        throw new IOException(url + ": connection closed before the first body byte");
                    }
                    got.write(buf, 0, n);
                    if (headerEnd < 0) {
                        headerEnd = indexOf(got.toByteArray(), "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        headerEnd = headerEnd < 0 ? -1 : headerEnd + 4;
                    }
                }
                ms[i] = (System.nanoTime() - t0) / 1e6;
                String status = new String(got.toByteArray(), 0, 12, StandardCharsets.US_ASCII);
                in.readAllBytes();
                if (!status.startsWith("HTTP/1.1 200")) {
                    throw new IOException(url + " answered " + status);
                }
            }
        }
        return ms;
    }

    private static int indexOf(byte[] data, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= data.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static Result summarize(double[] ms) {
        double[] s = ms.clone();
        Arrays.sort(s);
        return new Result(s.length, s[(int) (s.length * 0.50)], s[Math.min(s.length - 1, (int) (s.length * 0.99))]);
    }
}
