package zg.compute.cli.internal.commands;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import zg.compute.cli.CliException;
import zg.compute.cli.Invocation;
import zg.compute.cli.internal.config.ConfigStore;
import zg.compute.cli.internal.config.NetworkConfig;
import zg.compute.cli.internal.config.Networks;
import zg.compute.cli.internal.keys.KeyStoreFile;
import zg.compute.cli.internal.output.Fmt;
import zg.compute.cli.internal.output.Table;
import zg.compute.cli.internal.devnet.DevnetFile;
import zg.compute.devnet.DevnetInfo;

/** {@code setup-network} and {@code show-network}. */
public final class NetworkCommands {

    private NetworkCommands() {
    }

    @Command(name = "setup-network", mixinStandardHelpOptions = true,
            description = {"Choose the network: mainnet, testnet, a local devnet or a custom RPC.",
                    "Without --network a menu is shown. Unlike the official CLI your login key is kept."})
    public static final class SetupNetwork extends CliCommand {

        @Option(names = "--network", paramLabel = "<mainnet|testnet|local|custom>",
                description = "Network to use (local = a devnet started with ./zg-devnet)")
        String network;

        @Option(names = "--rpc", paramLabel = "<url>", description = "RPC URL (required for custom; overrides the "
                + "devnet.json one for local)")
        String rpc;

        @Option(names = "--devnet-json", paramLabel = "<file>", description = "devnet.json of the local devnet "
                + "(default: ZG_DEVNET_JSON, ./devnet.json, then the repository's devnet.json)")
        String devnetJson;

        @Option(names = "--ledger-ca", paramLabel = "<address>", description = "LedgerManager address to save")
        String ledgerCa;

        @Option(names = "--inference-ca", paramLabel = "<address>", description = "InferenceServing address to save")
        String inferenceCa;

        @Option(names = "--fine-tuning-ca", paramLabel = "<address>", description = "FineTuningServing address")
        String fineTuningCa;

        SetupNetwork(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            Networks n = network != null ? Networks.parse(network) : (rpc != null ? Networks.CUSTOM : pick());
            if ((ledgerCa == null) != (inferenceCa == null)) {
                throw new CliException("Give both --ledger-ca and --inference-ca, or neither.");
            }
            String url = rpc;
            String json = null;
            switch (n) {
                case MAINNET, TESTNET -> url = rpc != null ? rpc : n.rpc();
                case CUSTOM -> {
                    if (url == null) {
                        url = ask("RPC URL: ");
                    }
                }
                case LOCAL -> {
                    Path file = findDevnetJson();
                    if (file != null) {
                        json = file.toAbsolutePath().normalize().toString();
                        if (url == null) {
                            url = readDevnet(file).rpcUrl();
                        }
                    } else if (url == null) {
                        throw new CliException("No devnet.json found (looked in " + String.join(", ",
                                candidates().stream().map(Path::toString).toList()) + "). Start a devnet with "
                                + "./zg-devnet, or pass --devnet-json <file> or --rpc <url>.");
                    }
                }
                default -> throw new IllegalStateException();
            }
            if (url == null || !(url.startsWith("http://") || url.startsWith("https://"))) {
                throw new CliException("The RPC URL must start with http:// or https://, got: " + url);
            }
            NetworkConfig c = new NetworkConfig(n.id(), url, ledgerCa, inferenceCa, fineTuningCa,
                    rpc != null && n == Networks.LOCAL ? null : json, Instant.now().toString());
            ConfigStore store = new ConfigStore(ctx().configDir());
            store.save(c);
            out().println("✓ Network configuration completed!");
            out().println("  Network:  " + n.label());
            out().println("  RPC:      " + url);
            if (c.devnetJson() != null) {
                out().println("  Devnet:   " + c.devnetJson());
            }
            out().println("  Saved to: " + store.file());
            if (new KeyStoreFile(ctx().configDir()).exists()) {
                out().println("  Your stored login key was kept.");
            }
            return 0;
        }

        private Networks pick() {
            if (!ctx().prompter().interactive()) {
                throw new CliException("No terminal for the network menu: pass --network mainnet|testnet|local|custom "
                        + "(and --rpc <url> for custom).");
            }
            out().println("Select a network:");
            Networks[] all = Networks.values();
            for (int i = 0; i < all.length; i++) {
                out().println("  " + (i + 1) + ") " + all[i].label() + (all[i].rpc() == null ? "" : "  " + all[i].rpc()));
            }
            out().flush();
            String a = ask("Choice [1-" + all.length + "]: ");
            try {
                int i = Integer.parseInt(a.trim());
                if (i >= 1 && i <= all.length) {
                    return all[i - 1];
                }
            } catch (NumberFormatException e) {
                return Networks.parse(a);
            }
            throw new CliException("Not a choice: " + a);
        }

        private String ask(String prompt) {
            if (!ctx().prompter().interactive()) {
                throw new CliException("No terminal to ask on: pass --rpc <url>.");
            }
            String a = ctx().prompter().readLine(prompt);
            if (a == null || a.isBlank()) {
                throw new CliException("No answer given.");
            }
            return a.trim();
        }

        private List<Path> candidates() {
            List<Path> c = new ArrayList<>();
            if (ctx().envValue("ZG_DEVNET_JSON") != null) {
                c.add(ctx().resolve(ctx().envValue("ZG_DEVNET_JSON")));
            }
            c.add(ctx().workDir().resolve("devnet.json"));
            if (ctx().repoDir() != null) {
                c.add(ctx().repoDir().resolve("devnet.json"));
            }
            return c;
        }

        private Path findDevnetJson() {
            if (devnetJson != null) {
                Path p = ctx().resolve(devnetJson);
                if (!Files.exists(p)) {
                    throw new CliException("devnet file not found: " + p);
                }
                return p;
            }
            return candidates().stream().filter(Files::exists).findFirst().orElse(null);
        }

        private static DevnetInfo readDevnet(Path p) {
            try {
                return DevnetFile.read(p);
            } catch (RuntimeException e) {
                throw new CliException("Cannot read the devnet file " + p + ": " + e.getMessage());
            }
        }
    }

    @Command(name = "show-network", mixinStandardHelpOptions = true, description = "Show the configured network.")
    public static final class ShowNetwork extends CliCommand {

        @Mixin
        JsonOption json;

        ShowNetwork(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            NetworkConfig saved = new ConfigStore(ctx().configDir()).load().orElse(null);
            String env = ctx().envValue("ZG_RPC_ENDPOINT") != null ? "ZG_RPC_ENDPOINT"
                    : ctx().envValue("RPC_ENDPOINT") != null ? "RPC_ENDPOINT" : null;
            Map<String, Object> m = new LinkedHashMap<>();
            if (env != null) {
                m.put("source", env);
                m.put("rpcEndpoint", ctx().envValue(env));
                m.put("network", Networks.guess(ctx().envValue(env)));
            } else if (saved != null) {
                m.put("source", "config");
                m.put("network", saved.network());
                m.put("rpcEndpoint", Connection.savedRpc(saved));
                putIf(m, "devnetJson", saved.devnetJson());
                putIf(m, "ledgerCA", saved.ledgerCA());
                putIf(m, "inferenceCA", saved.inferenceCA());
                putIf(m, "fineTuningCA", saved.fineTuningCA());
                putIf(m, "lastUpdated", saved.lastUpdated());
            } else {
                throw new CliException("No network configured: run \"0g-compute-cli setup-network\".");
            }
            if (json.json) {
                out().println(Fmt.json(m));
                return 0;
            }
            Table t = new Table("Setting", "Value");
            m.forEach((k, v) -> t.row(k, v));
            t.print(out());
            out().println("Change it with \"0g-compute-cli setup-network\"; --rpc or ZG_RPC_ENDPOINT override it "
                    + "per command.");
            return 0;
        }

        private static void putIf(Map<String, Object> m, String k, Object v) {
            if (v != null) {
                m.put(k, v);
            }
        }
    }
}
