package zg.compute.bench.load;

import com.sun.management.OperatingSystemMXBean;
import com.sun.management.ThreadMXBean;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import zg.compute.provider.ConfigLoader;
import zg.compute.provider.ProviderBroker;
import zg.compute.provider.Store;
import zg.compute.provider.internal.settlement.SettlementFault;
import zg.compute.provider.internal.settlement.SettlementWorker;

/**
 * The broker under test, in a JVM of its own: {@code ProviderBroker.start} on a config file (keys from the
 * environment, as {@code provider start} takes them), with the settlement schedule off so the benchmark decides
 * when settlement runs. Talks to the driver over stdin/stdout, one line each:
 * {@code STATS} → {@code STATS <process cpu ns> <bytes allocated by live threads>};
 * {@code SETTLE} → settles everything billed, {@code SETTLED <ms> <requests> <items> <passes>};
 * {@code QUIT} (or end of stdin) stops.
 */
public final class BrokerProcess {

    public static void main(String[] args) throws Exception {
        // stdout carries the protocol only: logs go to stderr (a file), so a chatty log never blocks the pipe
        PrintStream protocol = System.out;
        System.setOut(System.err);
        var config = new ConfigLoader(System.getenv()).load(Path.of(args[0]));
        try (ProviderBroker broker = ProviderBroker.start(config,
                new ProviderBroker.Options(Clock.systemUTC(), false, SettlementFault.NONE))) {
            protocol.println("READY " + broker.baseUrl() + " " + broker.providerAddress() + " " + broker.metricsUrl());
            protocol.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null && !line.equals("QUIT"); line = in.readLine()) {
                protocol.println(switch (line) {
                    case "STATS" -> "STATS " + cpuNanos() + " " + allocatedBytes();
                    case "SETTLE" -> settle(broker);
                    default -> "ERROR unknown command " + line;
                });
                protocol.flush();
            }
        }
    }

    /** Settles until nothing billed is left; requests = billed rows covered, items = per-user settlement items. */
    private static String settle(ProviderBroker broker) {
        int requests = rows(broker.store());
        long t0 = System.nanoTime();
        int items = 0;
        int passes = 0;
        while (rows(broker.store()) > 0 && passes < 20) {
            SettlementWorker.Outcome o = broker.settleNow();
            items += o.itemsSent();
            passes++;
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        return "SETTLED " + ms + " " + requests + " " + items + " " + passes + " " + rows(broker.store());
    }

    private static int rows(Store store) {
        return store.billableRows().values().stream().mapToInt(List::size).sum();
    }

    private static long cpuNanos() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** Heap bytes allocated so far by the live threads (event loops and worker pool live for the whole run). */
    private static long allocatedBytes() {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long a : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            sum += Math.max(0, a);
        }
        return sum;
    }

    private BrokerProcess() {
    }

}
