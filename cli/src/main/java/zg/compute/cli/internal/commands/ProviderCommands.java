package zg.compute.cli.internal.commands;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import zg.compute.cli.CliException;
import zg.compute.cli.Invocation;
import zg.compute.provider.ConfigException;
import zg.compute.provider.ConfigLoader;
import zg.compute.provider.ProviderBroker;
import zg.compute.provider.ProviderConfig;
import zg.compute.provider.ProviderMain;
import zg.compute.provider.finetuning.FineTuningConfig;
import zg.compute.provider.finetuning.FineTuningProviderBroker;

/** {@code provider init|start}: run the provider broker a GPU owner puts in front of a model server. */
@Command(name = "provider", mixinStandardHelpOptions = true,
        description = "Run a provider broker (OpenAI-compatible proxy, billing, signed responses, settlement). "
                + "Remove the service and get the stake back with `inference remove-service`.",
        subcommands = {ProviderCommands.Init.class, ProviderCommands.Start.class})
public final class ProviderCommands implements Runnable {

    private final Invocation inv;

    @Spec
    CommandSpec spec;

    ProviderCommands(Invocation inv) {
        this.inv = inv;
    }

    @Override
    public void run() {
        spec.commandLine().usage(inv.ctx().out());
    }

    @Command(name = "init", mixinStandardHelpOptions = true,
            description = "Write a commented starter config (keys come from env vars or a keystore, never the file).")
    static final class Init extends CliCommand {

        @Parameters(index = "0", defaultValue = "provider.yaml", paramLabel = "<file>")
        String file;

        @Option(names = "--fine-tuning", description = "The fine-tuning task server's config instead of the inference broker's")
        boolean fineTuning;

        Init(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() throws IOException {
            Path target = ctx().resolve(file);
            if (Files.exists(target)) {
                throw new CliException(target + " already exists; not overwriting it.");
            }
            Files.writeString(target, fineTuning ? ProviderMain.exampleFineTuningConfig() : ProviderMain.exampleConfig());
            out().println("✓ Wrote " + target);
            out().println("  Set ZG_PROVIDER_KEY and ZG_TEE_KEY (or the keystore settings), edit the file, then run:");
            out().println("  0g-compute-cli provider start --config " + file);
            return 0;
        }
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Start the broker: register or update the service on chain, serve, settle; Ctrl-C stops it.")
    static final class Start extends CliCommand {

        @Option(names = {"--config", "-c"}, required = true, paramLabel = "<provider.yaml>")
        String config;

        Start(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() throws InterruptedException {
            Path file = ctx().resolve(config);
            AutoCloseable broker;
            try {
                ConfigLoader loader = new ConfigLoader(ctx().env());
                // the file `provider init --fine-tuning` writes runs the fine-tuning task server
                broker = ConfigLoader.isFineTuning(Files.readString(file))
                        ? startFineTuning(loader.loadFineTuning(file)) : startInference(loader.load(file));
            } catch (ConfigException e) {
                throw new CliException("Config error: " + e.getMessage());
            } catch (IOException | UncheckedIOException e) {
                throw new CliException("Cannot read " + config + ": " + e.getMessage());
            }
            out().flush();
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    broker.close();
                } catch (Exception e) {
                    // the JVM is exiting; nothing is left to report to
                }
                stopped.countDown();
            }, "provider-stop"));
            stopped.await();
            return 0;
        }

        private AutoCloseable startInference(ProviderConfig cfg) {
            ProviderBroker broker = ProviderBroker.start(cfg);
            out().println("✓ Provider broker listening on port " + broker.port() + " (service "
                    + broker.registration().action().name().toLowerCase() + ")");
            printSigner(broker.teeSignerAddress(), broker.registration().teeSignerAcknowledged());
            return broker;
        }

        private AutoCloseable startFineTuning(FineTuningConfig cfg) {
            FineTuningProviderBroker broker = FineTuningProviderBroker.start(cfg);
            out().println("✓ Fine-tuning server listening on port " + broker.port() + " (service "
                    + broker.registration().action().name().toLowerCase() + ")");
            printSigner(broker.teeSignerAddress(), broker.registration().teeSignerAcknowledged());
            return broker;
        }

        private void printSigner(String signer, boolean acknowledged) {
            out().println("  TEE signer " + signer + (acknowledged
                    ? " — acknowledged by the contract owner"
                    : " — NOT acknowledged by the contract owner yet: requests are refused until it is"));
        }
    }
}
