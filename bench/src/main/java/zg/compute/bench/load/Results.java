package zg.compute.bench.load;

import java.math.BigInteger;
import java.util.List;

/** Everything one benchmark run measured, as the report renders it. */
record Results(Conditions conditions, List<Point> points, List<FirstByte> firstByte, Settlement settlement,
        RequestHeadersBench.Rates ours, RequestHeadersBench.Rates official, List<Profile.Share> profile,
        Billing billing) {

    /** Where and how it ran. */
    record Conditions(String date, String cpu, int cores, String jvm, String loadBefore, String loadAfter, int seconds,
            int users, String wrk, String nginx) {
    }

    /** One wrk run: target (direct, nginx, broker), mode (json, sse), connections. */
    record Point(String target, String mode, int connections, Wrk.Result wrk, double cpuUsPerRequest, double rssMb,
            double allocKbPerRequest, Inside inside) {
    }

    /**
     * Where a broker request waited during a point, from the broker's own histograms (ms): for the upstream's
     * response headers, and from the end of the answer to its bill's commit. NaN for the other targets.
     */
    record Inside(double upstreamP50, double upstreamP99, double billingP50, double billingP99) {
        static final Inside NONE = new Inside(Double.NaN, Double.NaN, Double.NaN, Double.NaN);

        static Inside between(MetricsScrape before, MetricsScrape after) {
            String up = "zg_broker_upstream_seconds";
            String bill = "zg_broker_billing_seconds";
            return new Inside(after.quantileMs(before, up, 0.5), after.quantileMs(before, up, 0.99),
                    after.quantileMs(before, bill, 0.5), after.quantileMs(before, bill, 0.99));
        }
    }

    /** Streaming time to first byte of one target. */
    record FirstByte(String target, FirstByteProbe.Result result) {
    }

    /** One settlement of everything billed during the run. */
    record Settlement(long millis, int requests, int items, int transactions, BigInteger gasUsed, int left) {
        double requestsPerSecond() {
            return requests / Math.max(millis / 1000.0, 1e-3);
        }

        long gasPerItem() {
            return items == 0 ? 0 : gasUsed.longValue() / items;
        }
    }

    /** The broker's own count of served (billed, signed) requests against what wrk saw answered, and a checked sample. */
    record Billing(long served, long wrkAnswered, boolean sampleSignaturesValid) {
    }

    /** The point, or with several rounds of it each figure's median (failures summed); null if none ran. */
    Point point(String target, String mode, int connections) {
        List<Point> runs = points.stream().filter(p -> p.target().equals(target) && p.mode().equals(mode)
                && p.connections() == connections).toList();
        if (runs.size() <= 1) {
            return runs.isEmpty() ? null : runs.get(0);
        }
        double seconds = runs.get(0).wrk().seconds();
        Wrk.Result w = new Wrk.Result(Math.round(median(runs, p -> p.wrk().rps()) * seconds), seconds,
                runs.stream().mapToLong(p -> p.wrk().errors()).sum(), runs.stream().mapToLong(p -> p.wrk().non2xx()).sum(),
                median(runs, p -> p.wrk().p50us()), median(runs, p -> p.wrk().p99us()),
                median(runs, p -> p.wrk().meanUs()));
        return new Point(target, mode, connections, w, median(runs, Point::cpuUsPerRequest), median(runs, Point::rssMb),
                median(runs, Point::allocKbPerRequest), new Inside(median(runs, p -> p.inside().upstreamP50()),
                        median(runs, p -> p.inside().upstreamP99()), median(runs, p -> p.inside().billingP50()),
                        median(runs, p -> p.inside().billingP99())));
    }

    /** How many times each point ran. */
    int rounds() {
        return points.isEmpty() ? 0 : (int) points.stream().filter(p -> p.target().equals(points.get(0).target())
                && p.mode().equals(points.get(0).mode()) && p.connections() == points.get(0).connections()).count();
    }

    private static double median(List<Point> runs, java.util.function.ToDoubleFunction<Point> f) {
        double[] v = runs.stream().mapToDouble(f).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
