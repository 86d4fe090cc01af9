package zg.compute.bench.load;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One scrape of the broker's Prometheus text (its own listener): the served counter and the latency histograms. */
record MetricsScrape(String text) {

    private static final Pattern SERVED =
            Pattern.compile("(?m)^zg_broker_requests_total\\{[^}]*outcome=\"served\"[^}]*} ([0-9.eE+]+)$");
    private static final Pattern BUCKET = Pattern.compile("(?m)^(\\w+)_bucket\\{le=\"([^\"]+)\"} ([0-9.eE+]+)$");

    static MetricsScrape of(String metricsUrl) throws IOException, InterruptedException {
        return new MetricsScrape(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(metricsUrl)).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    /** Requests the broker answered after billing and signing them. */
    long served() {
        Matcher m = SERVED.matcher(text);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return (long) sum;
    }

    /**
     * The {@code q}-quantile in ms of what histogram {@code name} (e.g. {@code zg_broker_billing_seconds}) recorded
     * since {@code earlier}: the upper bound of the bucket it falls in (the buckets are 10–30 % apart); NaN if
     * nothing was recorded.
     */
    double quantileMs(MetricsScrape earlier, String name, double q) {
        NavigableMap<Double, Long> now = buckets(name);
        Map<Double, Long> before = earlier.buckets(name);
        long total = now.isEmpty() ? 0 : now.lastEntry().getValue() - before.getOrDefault(now.lastKey(), 0L);
        if (total <= 0) {
            return Double.NaN;
        }
        for (Map.Entry<Double, Long> e : now.entrySet()) {
            if (e.getValue() - before.getOrDefault(e.getKey(), 0L) >= q * total) {
                return e.getKey() * 1e3;
            }
        }
        return Double.POSITIVE_INFINITY;
    }

    /** Cumulative counts by upper bound in seconds (+Inf last). */
    private NavigableMap<Double, Long> buckets(String name) {
        NavigableMap<Double, Long> b = new TreeMap<>();
        Matcher m = BUCKET.matcher(text);
        while (m.find()) {
            if (m.group(1).equals(name)) {
                double le = m.group(2).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(2));
                b.put(le, (long) Double.parseDouble(m.group(3)));
            }
        }
        return b;
    }
}
