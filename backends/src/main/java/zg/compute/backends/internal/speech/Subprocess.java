package zg.compute.backends.internal.speech;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Runs one external tool (sox, pocketsphinx) with a hard time limit: stdout is read line by line on the
 * calling thread, stderr goes to a file, and on timeout or cancellation the process (and anything it
 * forked) is killed, which closes its stdout so the reader never hangs.
 */
final class Subprocess {

    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "zg-stt-subprocess-timer");
        t.setDaemon(true);
        return t;
    });

    /** How a run ended. {@code stderrTail} is the last non-blank stderr line (for one-line errors). */
    record Result(int exitCode, String stderrTail) {
    }

    private Subprocess() {
    }

    static Result run(List<String> command, Duration timeout, Path stderrFile, Cancel cancel,
            Consumer<String> stdoutLine) throws IOException, InterruptedException, TimeoutFailure {
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(stderrFile.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process process = pb.start();
        AtomicBoolean timedOut = new AtomicBoolean();
        ScheduledFuture<?> killer = TIMER.schedule(() -> {
            timedOut.set(true);
            kill(process);
        }, Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
        cancel.attach(process);
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (!timedOut.get() && !cancel.cancelled()) {
                    stdoutLine.accept(line);
                }
            }
            int exit = process.waitFor();
            if (timedOut.get()) {
                throw new TimeoutFailure(timeout);
            }
            if (cancel.cancelled()) {
                throw new InterruptedException("cancelled: the client went away");
            }
            return new Result(exit, lastLine(stderrFile));
        } finally {
            killer.cancel(false);
            cancel.detach();
            if (process.isAlive()) {
                kill(process);
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private static String lastLine(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
            for (int i = lines.size() - 1; i >= 0; i--) {
                if (!lines.get(i).isBlank()) {
                    return lines.get(i).strip();
                }
            }
        } catch (IOException e) {
            // no stderr to report
        }
        return "";
    }

    /** Thrown when the time limit killed the tool. */
    static final class TimeoutFailure extends Exception {
        TimeoutFailure(Duration limit) {
            super("timed out after " + limit.toMillis() + " ms");
        }
    }

    /** Lets another thread (a closed connection) kill the tool that is running for a request. */
    static final class Cancel {
        private volatile boolean cancelled;
        private volatile Process current;

        void cancel() {
            cancelled = true;
            Process p = current;
            if (p != null) {
                kill(p);
            }
        }

        boolean cancelled() {
            return cancelled;
        }

        private void attach(Process p) {
            current = p;
            if (cancelled) {
                kill(p);
            }
        }

        private void detach() {
            current = null;
        }
    }
}
