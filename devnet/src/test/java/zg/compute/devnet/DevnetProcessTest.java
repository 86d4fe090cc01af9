package zg.compute.devnet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `devnet up` as a user runs it, in a child JVM: it prints its addresses, and when the JVM goes away
 * (Ctrl-C / SIGTERM, or even SIGKILL) no anvil is left behind.
 */
class DevnetProcessTest {

    private record Running(Process jvm, List<ProcessHandle> children, List<String> output) {
    }

    private static Running startDevnetJvm(Path dir) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "-Dzg.repo.dir=" + System.getProperty("zg.repo.dir", ""),
                DevnetMain.class.getName(), "--out", dir.resolve("devnet.json").toString())
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        List<String> lines = new java.util.ArrayList<>();
        String line;
        while ((line = out.readLine()) != null) {
            lines.add(line);
            if (line.contains("devnet running")) {
                break;
            }
        }
        assertThat(lines).as("devnet output").anyMatch(l -> l.contains("devnet running"));
        Thread drain = new Thread(() -> out.lines().forEach(l -> { }));
        drain.setDaemon(true);
        drain.start();
        // the watchdog shell and anvil; its short-lived `sleep`s are not of interest
        List<ProcessHandle> children = p.descendants()
                .filter(h -> h.info().command().map(c -> !c.endsWith("sleep")).orElse(true)).toList();
        assertThat(children).as("watchdog and anvil").hasSizeGreaterThanOrEqualTo(2);
        return new Running(p, children, lines);
    }

    private static void assertAllGone(List<ProcessHandle> processes) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (processes.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(processes).as("left behind").noneMatch(ProcessHandle::isAlive);
    }

    @Test
    void printsAddressesAndStopsAnvilOnSigterm(@TempDir Path dir) throws Exception {
        Running r = startDevnetJvm(dir);
        assertThat(String.join("\n", r.output()))
                .contains(DevnetContracts.OFFICIAL_LEDGER)
                .contains(DevnetContracts.OFFICIAL_INFERENCE)
                .contains(DevnetContracts.OFFICIAL_FINE_TUNING)
                .containsPattern("devnet up in \\d+\\.\\d\\d s");
        r.jvm().destroy(); // SIGTERM, what Ctrl-C's shutdown path runs
        assertThat(r.jvm().waitFor(15, TimeUnit.SECONDS)).isTrue();
        assertAllGone(r.children());
    }

    @Test
    void watchdogStopsAnvilWhenTheJvmIsKilled(@TempDir Path dir) throws Exception {
        Running r = startDevnetJvm(dir);
        r.jvm().destroyForcibly(); // SIGKILL: no shutdown hook runs
        assertThat(r.jvm().waitFor(15, TimeUnit.SECONDS)).isTrue();
        assertAllGone(r.children());
    }
}
