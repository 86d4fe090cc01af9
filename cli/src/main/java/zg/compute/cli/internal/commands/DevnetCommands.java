package zg.compute.cli.internal.commands;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import zg.compute.cli.CliException;
import zg.compute.cli.Invocation;
import zg.compute.cli.internal.devnet.DevnetStack;
import zg.compute.cli.internal.devnet.StackConfig;
import zg.compute.cli.internal.devnet.StepFailedException;
import zg.compute.devnet.DevnetConfig;

/** {@code devnet up}: the whole local network (chain, contracts, two providers, a funded user) in one command. */
@Command(name = "devnet", mixinStandardHelpOptions = true,
        description = "A local 0G Compute network for development (anvil, contracts, provider brokers).",
        subcommands = {DevnetCommands.Up.class, DevnetCommands.Demo.class})
public final class DevnetCommands implements Runnable {

    private final Invocation inv;

    @Spec
    CommandSpec spec;

    DevnetCommands(Invocation inv) {
        this.inv = inv;
    }

    @Override
    public void run() {
        spec.commandLine().usage(inv.ctx().out());
    }

    @Command(name = "up", mixinStandardHelpOptions = true,
            description = "Start anvil with the contracts, provider brokers with staked, acknowledged services "
                    + "(two chat providers on the development backend; text-to-image and image-editing on the "
                    + "development image renderer; embedding on the real all-MiniLM-L6-v2; speech-to-text on real "
                    + "pocketsphinx when installed) and a funded user; write devnet.json; run until Ctrl-C.")
    static final class Up extends CliCommand {

        @Option(names = "--port", defaultValue = "8545", description = "Chain RPC port on 127.0.0.1 (0 = any free port; default ${DEFAULT-VALUE})")
        int port;

        @Option(names = "--lock-time", defaultValue = "" + DevnetConfig.DEFAULT_LOCK_TIME, paramLabel = "<seconds>",
                description = "Refund lock time, 3600..604800 (default ${DEFAULT-VALUE})")
        long lockTime;

        @Option(names = "--settle-interval", defaultValue = "5", paramLabel = "<seconds>",
                description = "How often the providers settle fees on chain (default ${DEFAULT-VALUE})")
        long settleInterval;

        @Option(names = "--upstream", paramLabel = "<url>",
                description = "OpenAI-compatible model server (base URL, e.g. http://127.0.0.1:8000/v1) behind provider 1")
        String upstream;

        @Option(names = "--upstream-model", paramLabel = "<name>", description = "Model name provider 1 publishes with --upstream")
        String upstreamModel;

        @Option(names = "--out", defaultValue = "devnet.json", paramLabel = "<file>",
                description = "Where to write devnet.json (default ./${DEFAULT-VALUE})")
        String out;

        @Option(names = "--state", paramLabel = "<dir>",
                description = "Keep the chain (anvil state) and the brokers' databases in <dir> and resume them on "
                        + "the next start (default: a fresh devnet every start)")
        String state;

        @Option(names = "--exit", description = "Stop everything right after it is ready (for scripts)")
        boolean exit;

        @Option(names = "--chat-only", description = "Only the two chat providers (no image, embedding or "
                + "speech-to-text provider and no model servers)")
        boolean chatOnly;

        Up(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() throws InterruptedException {
            StackConfig config;
            try {
                config = new StackConfig(port, lockTime, Duration.ofSeconds(settleInterval), upstream, upstreamModel,
                        ctx().resolve(out), state == null ? null : ctx().resolve(state), !chatOnly);
                DevnetConfig.defaults().withLockTime(lockTime);
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage());
            }
            long t0 = System.nanoTime();
            out().println("Starting the 0G Compute devnet");
            DevnetStack stack;
            try {
                stack = DevnetStack.start(config, line -> {
                    out().println(line);
                    out().flush();
                });
            } catch (StepFailedException e) {
                throw new CliException(e.getMessage());
            }
            print(stack, config.infoFile());
            String took = String.format("%.1f s", (System.nanoTime() - t0) / 1e9);
            if (exit) {
                out().println("✓ devnet ready in " + took + " (--exit: stopping now)");
                out().flush();
                stack.close();
                out().println("stopped");
                return 0;
            }
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                out().println("stopping the provider brokers and anvil …");
                out().flush();
                stack.close();
                out().println("stopped");
                out().flush();
                stopped.countDown();
            }, "devnet-stop"));
            out().println("✓ devnet ready in " + took + " — Ctrl-C stops everything");
            out().flush();
            stopped.await();
            return 0;
        }

        private void print(DevnetStack stack, Path infoFile) {
            var info = stack.devnet().info();
            var p = out();
            p.println();
            p.println("What runs where");
            p.println("  chain RPC          " + info.rpcUrl() + "  (chain id " + info.chainId() + ", lock time "
                    + info.lockTime() + " s)");
            p.println("  LedgerManager      " + info.contracts().ledger());
            p.println("  InferenceServing   " + info.contracts().inference() + "  (" + info.services().inference() + ")");
            p.println("  FineTuningServing  " + info.contracts().fineTuning() + "  (" + info.services().fineTuning() + ")");
            p.println("  contract owner     " + info.deployer() + "  (account " + DevnetStack.OWNER + ")");
            int n = 1;
            for (DevnetStack.ProviderEntry e : stack.providers()) {
                p.println(String.format("  provider %-2d %-14s %s  %s  %s, %s, %s", n++, e.type(), e.address(),
                        e.url(), e.model(), prices(e), e.backend()));
                for (var m : e.models().subList(1, e.models().size())) {
                    p.println("              also " + m.name() + ", " + m.inputPrice() + " / " + m.outputPrice()
                            + " neuron per input / output token (inference get-models --provider " + e.address() + ")");
                }
            }
            stack.fineTuning().ifPresent(e -> p.println(String.format("  fine-tuning    %s  %s  %s, %s %s, %s",
                    e.address(), e.url(), e.model(), e.inputPrice(), e.priceUnit(), e.backend())));
            p.println("  TEE signers        one local key per provider (UNATTESTED), acknowledged by the owner; see "
                    + "providers[].teeSigner in devnet.json");
            p.println("  user               " + stack.user().address() + "  (account " + DevnetStack.USER + ", "
                    + stack.user().deposited() + " deposited, " + stack.user().transferredPerProvider()
                    + " per provider)");
            String file = infoFile.toAbsolutePath().toString();
            p.println("  devnet.json        " + file);
            var first = stack.providers().get(0);
            p.println();
            p.println("Try next (in another terminal, from the repository root; each provider needs its own key from "
                    + "get-secret)");
            p.println("  export ZG_PRIVATE_KEY=$(jq -r .user.privateKey " + file + ")   # public devnet key of the user");
            p.println("  ./0g-compute-cli setup-network --network local --devnet-json " + file);
            p.println("  ./0g-compute-cli get-account");
            p.println("  ./0g-compute-cli inference list-providers");
            p.println("  ./0g-compute-cli inference get-secret --provider " + first.address());
            p.println("  curl -s " + first.url() + "/v1/proxy/chat/completions -H \"Authorization: Bearer <app-sk-… from get-secret>\" \\");
            p.println("       -H 'Content-Type: application/json' -d '{\"model\":\"" + first.model()
                    + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}'");
            for (DevnetStack.ProviderEntry e : stack.providers()) {
                String auth = " -H \"Authorization: Bearer <app-sk-… from get-secret --provider " + e.address() + ">\"";
                switch (e.type()) {
                    case "text-to-image" -> {
                        p.println("  curl -s " + e.url() + "/v1/proxy/images/generations" + auth + " \\");
                        p.println("       -H 'Content-Type: application/json' -d '{\"model\":\"" + e.model()
                                + "\",\"prompt\":\"a lighthouse at dusk\",\"size\":\"256x256\"}' \\");
                        p.println("       | jq -r '.data[0].b64_json' | base64 -d > image.png");
                    }
                    case "embedding" -> {
                        p.println("  curl -s " + e.url() + "/v1/proxy/embeddings" + auth + " \\");
                        p.println("       -H 'Content-Type: application/json' -d '{\"model\":\"" + e.model()
                                + "\",\"input\":\"Hello devnet\"}'");
                    }
                    case "speech-to-text" -> {
                        p.println("  curl -s " + e.url() + "/v1/proxy/audio/transcriptions" + auth + " \\");
                        p.println("       -F file=@speech.wav -F model=" + e.model());
                    }
                    case "audio-generation" -> {
                        p.println("  curl -s " + e.url() + "/v1/proxy/audio/speech" + auth + " \\");
                        p.println("       -H 'Content-Type: application/json' -d '{\"model\":\"" + e.model()
                                + "\",\"input\":\"Hello devnet\"}' -o speech.wav");
                    }
                    default -> {
                        // chat: above; image-editing: like text-to-image at /v1/proxy/images/edits
                    }
                }
            }
            p.println("  ./0g-compute-cli inference serve --provider " + first.address()
                    + "   # OpenAI-compatible, no key: http://127.0.0.1:3000/v1");
            stack.fineTuning().ifPresent(e -> {
                p.println("  ./0g-compute-cli fine-tuning list-providers");
                p.println("  ./0g-compute-cli fine-tuning create-task --provider " + e.address() + " --model "
                        + e.model() + " --dataset-path data.jsonl --config-path params.json   # README: the six steps");
            });
            p.println();
        }

        /** The prices with their unit, as the broker bills them for the provider's type. */
        private static String prices(DevnetStack.ProviderEntry e) {
            return switch (e.type()) {
                case "chatbot" -> e.inputPrice() + " / " + e.outputPrice() + " neuron per input / output token";
                case "text-to-image", "image-editing" -> e.outputPrice() + " neuron per image";
                case "embedding" -> e.inputPrice() + " neuron per input token";
                case "audio-generation" -> e.outputPrice() + " neuron per second of generated audio";
                default -> e.inputPrice() + " / " + e.outputPrice() + " (" + e.priceUnit() + ")";
            };
        }
    }

    @Command(name = "demo", mixinStandardHelpOptions = true,
            description = "Bring the devnet up, run the seed's inference flow through the Java SDK (list, acknowledge, "
                    + "metadata, headers, chat, verified signature, streamed chat, one image, one transcription, settlement on chain), "
                    + "then stop.")
    static final class Demo extends CliCommand {

        @Option(names = "--port", defaultValue = "0", description = "Chain RPC port (default: any free port)")
        int port;

        // No file by default: the demo's devnet is gone when it ends, and ./devnet.json may belong to a running
        // `devnet up` that the next command must still find.
        @Option(names = "--out", paramLabel = "<file>",
                description = "Also write the demo devnet's devnet.json there (default: none)")
        String out;

        Demo(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() throws Exception {
            long t0 = System.nanoTime();
            out().println("Starting the 0G Compute devnet for the demo");
            StackConfig config = new StackConfig(port, DevnetConfig.DEFAULT_LOCK_TIME, Duration.ofSeconds(1), null, null,
                    out == null ? null : ctx().resolve(out), null, true).withFineTuning(false); // the demo is the inference flow
            try (DevnetStack stack = startStack(config)) {
                out().println("✓ devnet ready; running the seed's inference flow with the Java SDK");
                new zg.compute.cli.internal.devnet.SeedDemo(stack, out()).run(Duration.ofSeconds(60));
            }
            out().println(String.format("✓ done in %.1f s; everything stopped", (System.nanoTime() - t0) / 1e9));
            return 0;
        }

        private DevnetStack startStack(StackConfig config) {
            try {
                return DevnetStack.start(config, line -> {
                    out().println(line);
                    out().flush();
                });
            } catch (StepFailedException e) {
                throw new CliException(e.getMessage());
            }
        }
    }
}
