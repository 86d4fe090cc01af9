package zg.compute.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report generator on a tiny made-up run: the targets are judged from the numbers, every plot is a PNG. */
class BenchReportTest {

    @Test
    void rendersTargetsTablesAndPlots(@TempDir Path dir) throws Exception {
        System.setProperty("java.awt.headless", "true");
        List<Results.Point> points = new ArrayList<>();
        for (String mode : LoadBenchmark.MODES) {
            for (int c : new int[] {1, 16, 64}) {
                // direct 0.1 ms, nginx 0.2 ms, broker 0.4 ms p50 at 1 connection; broker p99 +30 ms at 64
                points.add(point("direct", mode, c, 20_000, 100 * c, 300 * c));
                points.add(point("nginx", mode, c, 10_000, 200 * c, 400 * c));
                points.add(point("broker", mode, c, c == 16 ? 2_000 : 1_000, 400 * c, c == 64 ? 30_000 + 300 * c : 500 * c));
            }
        }
        var results = new Results(new Results.Conditions("2026-01-01", "test CPU", 2, "JVM", "load average: 1",
                "load average: 2", 1, 3, "wrk 4", "nginx 1"), points,
                List.of(new Results.FirstByte("direct", new FirstByteProbe.Result(3, 0.2, 0.5)),
                        new Results.FirstByte("nginx", new FirstByteProbe.Result(3, 0.3, 0.6)),
                        new Results.FirstByte("broker", new FirstByteProbe.Result(3, 1.2, 2.5))),
                new Results.Settlement(2000, 6000, 3, 1, BigInteger.valueOf(300_000), 0),
                new RequestHeadersBench.Rates(5_000, 100_000), new RequestHeadersBench.Rates(30, 90),
                List.of(new Profile.Share("SQLite (JDBC + native)", 40, "org.sqlite.core.NativeDB.step")),
                new Results.Billing(6010, 6000, true));
        Path md = dir.resolve("benchmarks.md");
        String byHand = "\n## CLI start time: measured by hand\n\nkept as written\n";
        Files.writeString(md, "# an older report\n\nreplaced\n" + byHand);

        BenchReport.write(results, md);

        String text = Files.readString(md);
        assertThat(text).as("the hand-written section survives, the old report does not").endsWith(byHand)
                .doesNotContain("replaced");
        assertThat(text).contains("| broker ≥ 25 % of nginx's req/s at 16 connections, json | 2,000 vs 10,000 req/s = 20.0 % | **no** |")
                .contains("| ≤ 0.5 ms added p50 at 1 connection, sse | 0.30 ms (0.40 vs 0.10) | yes |")
                .contains("| ≤ 10 ms added p99 at 64 connections, json | 30.00 ms (49.20 vs 19.20) | **no** |")
                .contains("= 167× plain;").contains("3,000 requests accounted per second").contains("**100,000 gas per item**")
                .contains("| every answer billed and signed | 6,010 served ≥ 6,000 answered; signature sample valid | yes |")
                .as("where a broker request waited, from its histograms")
                .contains("| json | 64 | 25.60 | 49.20 | 32.00 | 57.60 | 16.00 | 48.00 |");
        for (String png : List.of("rps-json", "rps-sse", "latency-json", "latency-sse", "cpu", "first-byte", "sdk-headers")) {
            assertThat(text).contains("benchmarks/" + png + ".png");
            BufferedImage image = ImageIO.read(dir.resolve("benchmarks").resolve(png + ".png").toFile());
            assertThat(image).as(png).isNotNull();
            assertThat(image.getWidth()).isGreaterThan(500);
        }
    }

    private static Results.Point point(String target, String mode, int connections, double rps, double p50us,
            double p99us) {
        var wrk = new Wrk.Result((long) rps, 1.0, 0, 0, p50us, p99us, p50us);
        boolean direct = target.equals("direct");
        boolean broker = target.equals("broker");
        return new Results.Point(target, mode, connections, wrk, direct ? Double.NaN : 50, direct ? Double.NaN : 100,
                broker ? 20 : Double.NaN, broker ? new Results.Inside(0.5 * connections, 0.9 * connections,
                        0.25 * connections, 0.75 * connections) : Results.Inside.NONE);
    }
}
