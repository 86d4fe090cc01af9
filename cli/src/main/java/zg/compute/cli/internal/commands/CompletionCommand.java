package zg.compute.cli.internal.commands;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import zg.compute.cli.CliException;
import zg.compute.cli.Invocation;

/**
 * {@code completion bash|zsh}: a shell completion script for every command and option (hidden commands left
 * out), generated from the command tree itself so it never lags behind it.
 */
@Command(name = "completion", mixinStandardHelpOptions = true, description = {
        "Print a shell completion script.",
        "bash: source <(0g-compute-cli completion bash)   zsh: source <(0g-compute-cli completion zsh)"})
public final class CompletionCommand extends CliCommand {

    @Parameters(index = "0", paramLabel = "<shell>", description = "bash or zsh")
    String shell;

    @Spec
    CommandSpec spec;

    CompletionCommand(Invocation inv) {
        super(inv);
    }

    @Override
    public Integer call() {
        String script = AutoComplete.bash(spec.root().name(), spec.root().commandLine());
        switch (shell) {
            case "bash" -> out().print(script);
            // zsh runs the bash script through its bash-completion emulation
            case "zsh" -> out().print("autoload -U +X compinit && compinit\n"
                    + "autoload -U +X bashcompinit && bashcompinit\n" + script);
            default -> throw new CliException("Unsupported shell \"" + shell + "\": use bash or zsh.");
        }
        out().flush();
        return 0;
    }
}
