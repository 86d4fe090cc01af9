package zg.compute.cli;

import java.io.Console;

/** Prompts on the process's terminal; without one (pipes, CI) it is non-interactive. */
public final class ConsolePrompter implements Prompter {

    private final Console console;

    public ConsolePrompter(Console console) {
        this.console = console;
    }

    @Override
    public boolean interactive() {
        return console != null;
    }

    @Override
    public String readLine(String prompt) {
        requireConsole();
        return console.readLine("%s", prompt);
    }

    @Override
    public char[] readSecret(String prompt) {
        requireConsole();
        return console.readPassword("%s", prompt);
    }

    private void requireConsole() {
        if (console == null) {
            throw new CliException("No terminal to ask on; pass the value as an option or environment variable");
        }
    }
}
