package zg.compute.cli.internal.commands;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import zg.compute.cli.CliContext;
import zg.compute.cli.Invocation;

/** Base of every command: the invocation and its streams. {@link #call()} returns the exit code. */
abstract class CliCommand implements Callable<Integer> {

    final Invocation inv;

    CliCommand(Invocation inv) {
        this.inv = inv;
    }

    CliContext ctx() {
        return inv.ctx();
    }

    PrintWriter out() {
        return inv.ctx().out();
    }

    /** Asks a yes/no question; {@code false} without a terminal. */
    boolean confirm(String question) {
        if (!ctx().prompter().interactive()) {
            return false;
        }
        String a = ctx().prompter().readLine(question + " [y/N] ");
        return a != null && (a.trim().equalsIgnoreCase("y") || a.trim().equalsIgnoreCase("yes"));
    }
}
