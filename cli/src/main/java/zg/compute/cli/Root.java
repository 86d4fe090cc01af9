package zg.compute.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import zg.compute.cli.internal.commands.AccountCommands;
import zg.compute.cli.internal.commands.CompletionCommand;
import zg.compute.cli.internal.commands.DevnetCommands;
import zg.compute.cli.internal.commands.FineTuningCommands;
import zg.compute.cli.internal.commands.InferenceCommands;
import zg.compute.cli.internal.commands.JsonResult;
import zg.compute.cli.internal.commands.KeyCommands;
import zg.compute.cli.internal.commands.NetworkCommands;
import zg.compute.cli.internal.commands.ProviderCommands;
import zg.compute.cli.internal.commands.WebUiCommands;
import zg.compute.sdk.ZGComputeException;

/**
 * The {@code 0g-compute-cli} command tree (sdk-cli.md §6). Run it with {@link #run(CliContext, String...)}:
 * exit code 0 on success, 1 on any failure (a one-line friendly message on stderr, the stack trace only
 * with {@code --verbose} or {@code VERBOSE=true}), 2 on bad usage.
 */
@Command(name = "0g-compute-cli", mixinStandardHelpOptions = true, version = "0g-compute-cli 0.1.0 (zg-compute)",
        description = "Use the 0G Compute Network from the command line: network, login, accounts, inference.")
public final class Root implements Runnable {

    /**
     * The top-level commands in usage order. A command line that names one gets only that one built: picocli
     * reads every command's annotations when it is added, which was most of a short command's start time.
     */
    private static final List<Class<?>> COMMANDS = List.of(
            NetworkCommands.SetupNetwork.class, NetworkCommands.ShowNetwork.class,
            KeyCommands.Login.class, KeyCommands.Logout.class, KeyCommands.Status.class,
            AccountCommands.GetAccount.class, AccountCommands.AddAccount.class, AccountCommands.Deposit.class,
            AccountCommands.Refund.class, AccountCommands.TransferFund.class, AccountCommands.RetrieveFund.class,
            AccountCommands.GetSubAccount.class,
            InferenceCommands.class, FineTuningCommands.class, ProviderCommands.class, DevnetCommands.class,
            WebUiCommands.class, CompletionCommand.class);

    private final Invocation inv;

    @Spec
    CommandSpec spec;

    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Show the stack trace of an error")
    boolean verbose;

    public Root(Invocation inv) {
        this.inv = inv;
    }

    @Override
    public void run() {
        spec.commandLine().usage(inv.ctx().out());
    }

    /** The configured command line for one invocation (streams, factory, error handling). */
    public static CommandLine commandLine(Invocation inv, String... args) {
        CliContext ctx = inv.ctx();
        CommandLine cl = new CommandLine(new Root(inv), new Factory(inv));
        named(args).map(List::<Class<?>>of).orElse(COMMANDS).forEach(cl::addSubcommand);
        cl.setOut(ctx.out());
        cl.setErr(ctx.err());
        boolean verbose = Arrays.asList(args).contains("--verbose") || "true".equalsIgnoreCase(ctx.envValue("VERBOSE"));
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            ctx.err().println("✗ Operation failed: " + inv.redact(message(ex)));
            if (verbose) {
                StringWriter trace = new StringWriter();
                ex.printStackTrace(new PrintWriter(trace));
                ctx.err().print(inv.redact(trace.toString()));
            }
            ctx.err().flush();
            return 1;
        });
        cl.setParameterExceptionHandler(Root::badUsage);
        cl.setExecutionStrategy(parsed -> {
            int code = new CommandLine.RunLast().execute(parsed);
            Object command = parsed.asCommandLineList().get(parsed.asCommandLineList().size() - 1).getCommand();
            if (code == 0 && command instanceof JsonResult r) {
                r.jsonResult().ifPresent(json -> ctx.out().println(json));
            }
            return code;
        });
        return cl;
    }

    /**
     * A mistyped command or option: the error and a suggestion in a line or two, not the whole usage (which
     * hides the one line that matters); exit 2.
     */
    private static int badUsage(CommandLine.ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        if (!(ex instanceof CommandLine.UnmatchedArgumentException) && !cl.getUnmatchedArguments().isEmpty()) {
            // a mistyped option also leaves a required one "missing": the typo is what to show
            // (only the first: the rest is usually the mistyped option's value)
            ex = new CommandLine.UnmatchedArgumentException(cl, cl.getUnmatchedArguments().subList(0, 1));
        }
        String line = "✗ " + ex.getMessage();
        if (ex instanceof CommandLine.UnmatchedArgumentException u) {
            List<String> suggestions = u.getSuggestions();
            if (!suggestions.isEmpty()) {
                line += " — did you mean " + String.join(" or ", suggestions.subList(0, Math.min(3, suggestions.size())))
                        + "?";
            }
        }
        cl.getErr().println(line);
        cl.getErr().println("Run \"" + cl.getCommandSpec().qualifiedName() + " --help\" for the usage.");
        cl.getErr().flush();
        return cl.getCommandSpec().exitCodeOnInvalidInput();
    }

    public static int run(CliContext ctx, String... args) {
        Invocation inv = new Invocation(ctx);
        try {
            return commandLine(inv, args).execute(args);
        } finally {
            ctx.out().flush();
            ctx.err().flush();
        }
    }

    /**
     * The top-level command the first non-option argument names, if any. Not {@code completion}, which
     * describes the whole tree; a name that matches none (a typo, for the "did you mean") gets them all.
     */
    private static java.util.Optional<Class<?>> named(String... args) {
        String first = Arrays.stream(args).filter(a -> !a.startsWith("-")).findFirst().orElse(null);
        if (first == null) {
            return java.util.Optional.empty();
        }
        return COMMANDS.stream().filter(c -> c != CompletionCommand.class).filter(c -> {
            Command cmd = c.getAnnotation(Command.class);
            return cmd.name().equals(first) || Arrays.asList(cmd.aliases()).contains(first);
        }).findFirst();
    }

    static String message(Throwable ex) {
        if (ex instanceof ZGComputeException || ex instanceof CliException) {
            return ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        }
        Throwable root = ex;
        while (root.getCause() != null && root.getCause() != root) {
            if (root.getCause() instanceof ZGComputeException || root.getCause() instanceof CliException) {
                return root.getCause().getMessage();
            }
            root = root.getCause();
        }
        String m = ex.getMessage();
        return ex.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    /** Creates commands with the invocation when they take it, plain otherwise (mixins). */
    private record Factory(Invocation inv) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> cls) throws Exception {
            try {
                var c = cls.getDeclaredConstructor(Invocation.class);
                c.setAccessible(true);
                return c.newInstance(inv);
            } catch (NoSuchMethodException e) {
                return CommandLine.defaultFactory().create(cls);
            }
        }
    }
}
