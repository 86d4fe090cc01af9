package zg.compute.bench.load;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;

/**
 * Streaming time to first byte: one client, one request at a time, the time from sending a streamed chat request
 * to the first byte of the SSE body (headers alone do not count), read through to the end so the connection is
 * reused. Every answer must be 200.
 */
final class FirstByteProbe {

    /** Latencies of one target in ms. */
    record Result(int requests, double p50ms, double p99ms) {
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    double[] measure(String url, String body, String authorization, int requests) throws IOException, InterruptedException {
        double[] ms = new double[requests];
        for (int i = 0; i < requests; i++) {
            HttpRequest req = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                    .header("Authorization", authorization).header(Nginx.STREAM_HEADER, "1")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            long t0 = System.nanoTime();
            HttpResponse<InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = resp.body()) {
                int first = in.read();
                ms[i] = (System.nanoTime() - t0) / 1e6;
                in.readAllBytes();
                if (resp.statusCode() != 200 || first < 0) {
                    throw new IOException(url + " answered " + resp.statusCode());
                }
            }
        }
        return ms;
    }

    static Result summarize(double[] ms) {
        double[] s = ms.clone();
        Arrays.sort(s);
        return new Result(s.length, s[(int) (s.length * 0.50)], s[Math.min(s.length - 1, (int) (s.length * 0.99))]);
    }
}
