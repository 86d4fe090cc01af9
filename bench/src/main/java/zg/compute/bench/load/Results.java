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
            double allocKbPerRequest) {
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

    Point point(String target, String mode, int connections) {
        return points.stream().filter(p -> p.target().equals(target) && p.mode().equals(mode)
                && p.connections() == connections).findFirst().orElse(null);
    }
}
