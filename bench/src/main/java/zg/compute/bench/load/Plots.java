package zg.compute.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The report's PNG plots (XChart), one file per chart, named as {@link BenchReport} links them. */
final class Plots {

    private final Path dir;

    Plots(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
    }

    /** req/s per target over the connection counts, one chart per mode. */
    void throughput(Results r, String mode) throws IOException {
        CategoryChart c = new CategoryChartBuilder().width(760).height(420)
                .title("Requests per second, " + mode.toUpperCase() + " (log scale)").xAxisTitle("connections")
                .yAxisTitle("req/s").build();
        style(c.getStyler());
        c.getStyler().setYAxisLogarithmic(true).setYAxisMin(1.0); // bars need a positive base on a log axis
        for (String t : LoadBenchmark.TARGETS) {
            c.addSeries(t, connections(r, mode), values(r, t, mode, p -> p.wrk().rps()));
        }
        BitmapEncoder.saveBitmap(c, dir.resolve("rps-" + mode + ".png").toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** p50 and p99 latency per target over the connection counts. */
    void latency(Results r, String mode) throws IOException {
        XYChart c = new XYChartBuilder().width(760).height(420)
                .title("Latency, " + mode.toUpperCase() + " (p50 solid, p99 dashed; log scale)")
                .xAxisTitle("connections (log)").yAxisTitle("ms").build();
        style(c.getStyler());
        c.getStyler().setYAxisLogarithmic(true).setXAxisLogarithmic(true);
        java.awt.Color[] colors = {new java.awt.Color(0x1f77b4), new java.awt.Color(0x2ca02c), new java.awt.Color(0xd62728)};
        for (int i = 0; i < LoadBenchmark.TARGETS.length; i++) {
            String t = LoadBenchmark.TARGETS[i];
            List<Double> x = connections(r, mode).stream().map(Double::parseDouble).toList();
            XYSeries p50 = c.addSeries(t + " p50", x, values(r, t, mode, p -> p.wrk().p50us() / 1e3));
            p50.setMarkerColor(colors[i]);
            p50.setLineColor(colors[i]);
            p50.setMarker(SeriesMarkers.CIRCLE);
            XYSeries p99 = c.addSeries(t + " p99", x, values(r, t, mode, p -> p.wrk().p99us() / 1e3));
            p99.setMarkerColor(colors[i]);
            p99.setLineColor(colors[i]);
            p99.setMarker(SeriesMarkers.DIAMOND);
            p99.setLineStyle(SeriesLines.DASH_DASH);
        }
        BitmapEncoder.saveBitmap(c, dir.resolve("latency-" + mode + ".png").toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** CPU of the proxying process per request, broker vs nginx, both modes. */
    void cpu(Results r) throws IOException {
        CategoryChart c = new CategoryChartBuilder().width(760).height(420)
                .title("CPU per request of the proxying process (log scale)").xAxisTitle("connections")
                .yAxisTitle("µs CPU / request").build();
        style(c.getStyler());
        c.getStyler().setYAxisLogarithmic(true).setYAxisMin(1.0);
        for (String mode : LoadBenchmark.MODES) {
            for (String t : List.of("nginx", "broker")) {
                c.addSeries(t + " " + mode, connections(r, mode), values(r, t, mode, Results.Point::cpuUsPerRequest));
            }
        }
        BitmapEncoder.saveBitmap(c, dir.resolve("cpu.png").toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** Streaming time to first byte, p50 and p99 per target. */
    void firstByte(Results r) throws IOException {
        CategoryChart c = new CategoryChartBuilder().width(760).height(380)
                .title("Streaming time to first byte, one connection").xAxisTitle("target").yAxisTitle("ms").build();
        style(c.getStyler());
        List<String> x = r.firstByte().stream().map(Results.FirstByte::target).toList();
        c.addSeries("p50", x, r.firstByte().stream().map(f -> (Number) f.result().p50ms()).toList());
        c.addSeries("p99", x, r.firstByte().stream().map(f -> (Number) f.result().p99ms()).toList());
        BitmapEncoder.saveBitmap(c, dir.resolve("first-byte.png").toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** getRequestHeaders per second, ours vs the official SDK (log scale). */
    void sdk(Results r) throws IOException {
        CategoryChart c = new CategoryChartBuilder().width(760).height(380)
                .title("SDK getRequestHeaders per second (log scale)").xAxisTitle("").yAxisTitle("calls/s").build();
        style(c.getStyler());
        c.getStyler().setYAxisLogarithmic(true).setYAxisMin(1.0);
        List<String> x = List.of("plain", "auto-funding");
        c.addSeries("official TS SDK 0.9.0", x, List.of(r.official().plain(), r.official().autoFunding()));
        c.addSeries("zg-compute Java SDK", x, List.of(r.ours().plain(), r.ours().autoFunding()));
        BitmapEncoder.saveBitmap(c, dir.resolve("sdk-headers.png").toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static void style(Styler s) {
        s.setLegendPosition(Styler.LegendPosition.OutsideE);
        s.setChartBackgroundColor(java.awt.Color.WHITE);
        s.setDecimalPattern("#,##0.##");
    }

    private static List<String> connections(Results r, String mode) {
        return r.points().stream().filter(p -> p.mode().equals(mode)).map(p -> String.valueOf(p.connections()))
                .distinct().toList();
    }

    private static List<Number> values(Results r, String target, String mode, ToDoubleFunction<Results.Point> f) {
        List<Number> out = new ArrayList<>();
        for (String c : connections(r, mode)) {
            Results.Point p = r.point(target, mode, Integer.parseInt(c));
            out.add(p == null ? Double.NaN : f.applyAsDouble(p));
        }
        return out;
    }
}
