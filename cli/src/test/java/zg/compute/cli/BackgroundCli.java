package zg.compute.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a long-lived command ({@code inference serve}, {@code router-serve}) in-process on its own thread,
 * with the runner's environment, so a test can watch its output while it runs and then stop it.
 */
final class BackgroundCli implements AutoCloseable {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private final Thread thread;

    private BackgroundCli(CliRunner cli, String... args) {
        CliContext ctx = new CliContext(cli.env, cli.home, cli.workDir, null, new PrintWriter(out, true),
                new PrintWriter(err, true), new Prompter() {
                    @Override
                    public boolean interactive() {
                        return false;
                    }

                    @Override
                    public String readLine(String prompt) {
                        return null;
                    }

                    @Override
                    public char[] readSecret(String prompt) {
                        return null;
                    }
                });
        thread = new Thread(() -> {
            try {
                exit.complete(Root.run(ctx, args));
            } catch (Throwable t) {
                exit.completeExceptionally(t);
            }
        }, "background-cli");
        thread.setDaemon(true);
    }

    static BackgroundCli start(CliRunner cli, String... args) {
        BackgroundCli b = new BackgroundCli(cli, args);
        b.thread.start();
        return b;
    }

    /** Waits until the output contains {@code text}; fails with the output when the command ends first. */
    String awaitOutput(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!out.toString().contains(text)) {
            if (exit.isDone() || System.nanoTime() > deadline) {
                throw new AssertionError("no \"" + text + "\" in the output (" + (exit.isDone() ? "exited "
                        + exit.getNow(null) : "timed out") + "):\n" + out + "\n--- err\n" + err);
            }
            Thread.sleep(50);
        }
        return out.toString();
    }

    String out() {
        return out.toString();
    }

    String err() {
        return err.toString();
    }

    /** Interrupts the command (as Ctrl-C would stop it) and returns its exit code. */
    int stop() throws Exception {
        thread.interrupt();
        return exit.get(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        if (!exit.isDone()) {
            stop();
        }
    }
}
