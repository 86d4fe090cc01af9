package zg.compute.bench.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Driver side of {@link BrokerProcess}: starts the broker's JVM, asks it for counters, stops it. */
final class BrokerJvm implements AutoCloseable {

    /** What one {@code SETTLE} did. */
    record Settled(long millis, int requests, int items, int passes, int left) {
    }

    private final Process process;
    private final BufferedReader out;
    private final PrintWriter in;
    private final String baseUrl;
    /** The broker's own metrics listener (not on the public port). */
    private final String metricsUrl;

    private BrokerJvm(Process process, BufferedReader out, PrintWriter in, String baseUrl, String metricsUrl) {
        this.metricsUrl = metricsUrl;
        this.process = process;
        this.out = out;
        this.in = in;
        this.baseUrl = baseUrl;
    }

    /**
     * @param jfr when not null, a JFR recording (profile settings) of the whole run is written there on exit
     */
    static BrokerJvm start(Path config, String providerKey, String teeKey, Path log, Path jfr) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g"));
        // e.g. -Xlog:gc:file=gc.log to see pauses, or another collector
        String extra = System.getenv().getOrDefault("ZG_BENCH_BROKER_JVM_OPTS", "").trim();
        if (!extra.matches(".*-XX:\\+Use\\w+GC.*")) {
            cmd.add("-XX:+UseG1GC");
        }
        if (!extra.isEmpty()) {
            cmd.addAll(List.of(extra.split("\\s+")));
        }
        if (jfr != null) {
            cmd.add("-XX:StartFlightRecording=settings=profile,dumponexit=true,filename=" + jfr);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), BrokerProcess.class.getName(),
                config.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(log.toFile());
        pb.environment().put("ZG_PROVIDER_KEY", providerKey);
        pb.environment().put("ZG_TEE_KEY", teeKey);
        Process p = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        PrintWriter in = new PrintWriter(p.getOutputStream(), true, StandardCharsets.UTF_8);
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            if (line.startsWith("READY ")) {
                String[] ready = line.split(" ");
                return new BrokerJvm(p, out, in, ready[1], ready[3]);
            }
        }
        p.destroyForcibly();
        throw new IOException("the broker did not start; its log: " + log + "\n" + tail(log));
    }

    String metricsUrl() {
        return metricsUrl;
    }

    String baseUrl() {
        return baseUrl;
    }

    long pid() {
        return process.pid();
    }

    /** {process CPU ns, bytes allocated by its live threads}. */
    synchronized long[] stats() throws IOException {
        String[] f = ask("STATS").split(" ");
        return new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])};
    }

    synchronized Settled settle() throws IOException {
        String[] f = ask("SETTLE").split(" ");
        return new Settled(Long.parseLong(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]),
                Integer.parseInt(f[4]), Integer.parseInt(f[5]));
    }

    private String ask(String command) throws IOException {
        in.println(command);
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            if (line.startsWith(command.substring(0, 4))) { // STATS / SETT(LED)
                return line;
            }
            if (line.startsWith("ERROR")) {
                throw new IOException(line);
            }
        }
        throw new IOException("the broker JVM exited");
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }

    @Override
    public void close() throws Exception {
        in.println("QUIT");
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
