package zg.compute.devnet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;

/**
 * A running anvil on a loopback port. anvil is started under a small shell watchdog that stops it
 * when this JVM disappears, even by SIGKILL, so no chain outlives its owner; {@link #close()} and a
 * shutdown hook stop it on the normal paths.
 */
public final class AnvilProcess implements AutoCloseable {

    /** The well-known public development mnemonic; anvil's default, passed explicitly so keys derive. */
    public static final String MNEMONIC = "test test test test test test test test test test test junk";

    /**
     * Funded accounts anvil derives from {@link #MNEMONIC} (indices 0..ACCOUNTS-1). Raising it only adds accounts
     * after the first ten: account 0 (the deployer) and its nonces stay as they were, so the contracts land at the
     * same addresses.
     */
    public static final int ACCOUNTS = 20;

    // Runs anvil as a child and exits (killing it) when the watched JVM pid is gone or on TERM.
    private static final String WATCHDOG = """
            "$@" &
            child=$!
            trap 'kill $child 2>/dev/null; wait $child; exit 0' TERM INT HUP
            while kill -0 "$ZG_WATCH_PID" 2>/dev/null && kill -0 $child 2>/dev/null; do
              sleep 0.5 & wait $!
            done
            kill $child 2>/dev/null
            wait $child
            """;

    private final Process process;
    private final int port;
    private final Thread shutdownHook;
    private final Path temporaryLog;

    private AnvilProcess(Process process, int port, Path temporaryLog) {
        this.process = process;
        this.port = port;
        this.temporaryLog = temporaryLog;
        this.shutdownHook = new Thread(this::stop, "anvil-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts anvil with chain id {@code chainId} and {@link #ACCOUNTS} funded accounts (10,000 0G each).
     *
     * @param port 0 picks a free port
     * @param log  where anvil's output goes (a file; never a pipe that could fill up); null = a
     *             temporary file that is removed on close
     */
    public static AnvilProcess start(Path anvil, int port, long chainId, Path log) {
        return start(anvil, port, chainId, log, null);
    }

    /**
     * As {@link #start(Path, int, long, Path)}, keeping the chain in {@code stateFile} when it is not null:
     * anvil loads it if it exists and writes it back when it stops (TERM, which the watchdog also sends when
     * the JVM dies).
     */
    public static AnvilProcess start(Path anvil, int port, long chainId, Path log, Path stateFile) {
        int chosen = port == 0 ? freePort() : port;
        Path temporary = null;
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", WATCHDOG, "anvil-watchdog",
                anvil.toString(), "--host", "127.0.0.1", "--port", Integer.toString(chosen),
                "--chain-id", Long.toString(chainId), "--mnemonic", MNEMONIC, "--accounts", Integer.toString(ACCOUNTS),
                "--balance", "10000"));
        if (stateFile != null) {
            cmd.addAll(List.of("--state", stateFile.toAbsolutePath().toString()));
        }
        try {
            if (log == null) {
                temporary = Files.createTempFile("zg-anvil-", ".log");
                log = temporary;
            }
            Files.createDirectories(log.toAbsolutePath().getParent());
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            pb.environment().put("ZG_WATCH_PID", Long.toString(ProcessHandle.current().pid()));
            AnvilProcess p = new AnvilProcess(pb.start(), chosen, temporary);
            p.awaitReady(Duration.ofSeconds(20), log);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start anvil " + anvil, e);
        }
    }

    private void awaitReady(Duration timeout, Path log) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Web3j probe = Web3j.build(new HttpService(rpcUrl()));
        try {
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("anvil exited with " + process.exitValue() + "; see " + log);
                }
                try {
                    probe.ethChainId().send();
                    return;
                } catch (IOException notYet) {
                    sleep(25);
                }
            }
            stop();
            throw new IllegalStateException("anvil did not answer on " + rpcUrl() + " within " + timeout);
        } finally {
            probe.shutdown();
        }
    }

    public int port() {
        return port;
    }

    public String rpcUrl() {
        return "http://127.0.0.1:" + port;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The pids of the watchdog and of anvil (not its transient sleeps), for leak checks. */
    public List<Long> pids() {
        List<Long> pids = new ArrayList<>();
        pids.add(process.pid());
        process.descendants()
                .filter(h -> h.info().command().map(c -> c.endsWith("anvil")).orElse(false))
                .forEach(h -> pids.add(h.pid()));
        return pids;
    }

    @Override
    public void close() {
        stop();
        if (temporaryLog != null) {
            try {
                Files.deleteIfExists(temporaryLog);
            } catch (IOException ignored) {
                // a leftover temp file is harmless
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or ran; nothing to remove
        }
    }

    private void stop() {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        children.forEach(ProcessHandle::destroyForcibly);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for anvil", e);
        }
    }
}
