package zg.compute.provider.finetuning;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The official executor interface (fine-tuning spec §2.4, §4.5) as a subprocess, so a real training image
 * or script plugs in: in the task directory it prepares {@code data} (a link to the uploaded dataset, raw
 * JSONL or zip), {@code model} (a link to {@code fineTuning.trainerModelDir}, if set), {@code config.json}
 * (the training parameters verbatim) and an empty {@code output_model/}, then runs the command there.
 * The command may append live {@code Step: N, Logs: {…}} lines to {@code progress.log}; its stdout and
 * stderr are appended after it exits ({@code Container logs:}, the last {@value #LOG_TAIL} lines). Exit
 * code 0 with a non-empty {@code output_model/} is success; any other exit code, or running past the
 * timeout (the process tree is killed), fails the attempt. The executor's pid is kept in {@code executor.pid}
 * while it runs: a server killed outright (SIGKILL, power loss) cannot stop it, so the restarted server stops that
 * leftover executor before training the task again — else it would hold the GPU and write into the new run's
 * {@code output_model/}.
 */
public final class CommandTrainer implements Trainer {

    static final int LOG_TAIL = 200;

    private final List<String> command;
    private final Path modelDir;
    private final Duration timeout;

    /**
     * @param command  argv; {@code {data}}, {@code {model}}, {@code {config}}, {@code {output}}, {@code {log}}
     *                 become those absolute paths (e.g. {@code docker run -v {task}:/app/mnt …} or
     *                 {@code python train.py --data_path {data} …})
     * @param modelDir the base model directory, null for none
     */
    public CommandTrainer(List<String> command, Path modelDir, Duration timeout) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("a trainer command is required");
        }
        this.command = List.copyOf(command);
        this.modelDir = modelDir;
        this.timeout = timeout;
    }

    @Override
    public void train(Job job, Consumer<String> progress) throws IOException {
        Path dir = job.taskDir().toAbsolutePath();
        Path data = link(dir.resolve("data"), job.dataset().toAbsolutePath());
        Path model = dir.resolve("model");
        if (modelDir != null) {
            link(model, modelDir.toAbsolutePath());
        } else {
            Files.createDirectories(model);
        }
        Path config = Files.writeString(dir.resolve("config.json"), job.trainingParams());
        Path output = Files.createDirectories(job.outputDir().toAbsolutePath());
        Path log = dir.resolve("progress.log");
        Path out = dir.resolve("executor.out");
        List<String> argv = command.stream().map(a -> a.replace("{data}", data.toString())
                .replace("{model}", model.toString()).replace("{config}", config.toString())
                .replace("{output}", output.toString()).replace("{log}", log.toString())
                .replace("{task}", dir.toString())).toList();
        Path pidFile = dir.resolve("executor.pid");
        stopLeftover(pidFile, progress);
        progress.accept("running the executor: " + String.join(" ", argv));
        Process p = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        Files.writeString(pidFile, p.pid() + " " + startMillis(p.toHandle()));
        boolean exited;
        try {
            exited = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            kill(p.toHandle());
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("the executor was stopped with the server");
        }
        if (!exited) {
            kill(p.toHandle());
        }
        Files.deleteIfExists(pidFile);
        progress.accept("Container logs:");
        tail(out).forEach(progress);
        if (!exited) {
            throw new IOException("=== Container Failed === the executor ran longer than " + timeout.toSeconds()
                    + " s and was killed");
        }
        if (p.exitValue() != 0) {
            throw new IOException("=== Container Failed === container exited with non-zero status code: "
                    + p.exitValue());
        }
        try (Stream<Path> files = Files.list(output)) {
            if (files.findAny().isEmpty()) {
                throw new IOException("the executor exited 0 but wrote nothing to output_model/");
            }
        }
        progress.accept("Training model for task " + job.taskId() + " completed successfully");
    }

    private static Path link(Path link, Path target) throws IOException {
        Files.deleteIfExists(link);
        return Files.createSymbolicLink(link, target);
    }

    /**
     * Stops the executor recorded in {@code pidFile} if it still runs: the same pid AND start time, so a pid the
     * system has since given to another process is left alone.
     */
    private static void stopLeftover(Path pidFile, Consumer<String> progress) throws IOException {
        if (!Files.exists(pidFile)) {
            return;
        }
        String[] recorded = Files.readString(pidFile).trim().split(" ");
        Files.delete(pidFile);
        if (recorded.length != 2 || !recorded[0].matches("\\d{1,19}") || !recorded[1].matches("-?\\d{1,19}")) {
            return;
        }
        ProcessHandle.of(Long.parseLong(recorded[0]))
                .filter(h -> h.isAlive() && !recorded[1].equals("-1")
                        && recorded[1].equals(String.valueOf(startMillis(h))))
                .ifPresent(h -> {
                    progress.accept("stopping the executor (pid " + h.pid() + ") a stopped server left running");
                    kill(h);
                });
    }

    private static long startMillis(ProcessHandle h) {
        return h.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(-1L);
    }

    private static void kill(ProcessHandle p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.onExit().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // still there after SIGKILL: nothing more a user process can do
        }
    }

    private static Deque<String> tail(Path out) throws IOException {
        Deque<String> last = new ArrayDeque<>();
        if (!Files.exists(out)) {
            return last;
        }
        try (Stream<String> lines = Files.lines(out, StandardCharsets.UTF_8)) {
            lines.forEach(l -> {
                last.addLast(l.length() > 2000 ? l.substring(0, 2000) + "…" : l);
                if (last.size() > LOG_TAIL) {
                    last.removeFirst();
                }
            });
        }
        return last;
    }
}
