package zg.compute.cli.internal.commands;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.web3j.crypto.Credentials;
import zg.compute.cli.CliException;
import zg.compute.cli.Invocation;
import zg.compute.cli.internal.config.ConfigStore;
import zg.compute.cli.internal.config.NetworkConfig;
import zg.compute.cli.internal.keys.KeySource;
import zg.compute.cli.internal.devnet.DevnetFile;
import zg.compute.sdk.BrokerOptions;
import zg.compute.sdk.ContractAddresses;
import zg.compute.sdk.ZGComputeNetworkBroker;
import zg.compute.sdk.ZGComputeNetworkReadOnlyBroker;

/**
 * Which chain and contracts a command uses. RPC: {@code --rpc}, env {@code ZG_RPC_ENDPOINT}, env
 * {@code RPC_ENDPOINT}, then the saved config (for a local devnet, the RPC in its devnet.json). Contracts:
 * flags, env {@code LEDGER_CA}/{@code INFERENCE_CA}/{@code FINE_TUNING_CA}, the saved ones when the saved RPC
 * is used, else detection by chain id in the SDK.
 */
public final class Connection {

    private final Invocation inv;
    private final String rpc;
    private final BrokerOptions options;
    private final String source;

    private Connection(Invocation inv, String rpc, BrokerOptions options, String source) {
        this.inv = inv;
        this.rpc = rpc;
        this.options = options;
        this.source = source;
    }

    public static Connection resolve(Invocation inv, NetworkOptions net, GasOptions gas) {
        var ctx = inv.ctx();
        NetworkConfig saved = new ConfigStore(ctx.configDir()).load().orElse(null);
        String rpc;
        String source;
        boolean useSaved = false;
        if (net != null && net.rpc != null) {
            rpc = net.rpc;
            source = "--rpc";
        } else if (ctx.envValue("ZG_RPC_ENDPOINT") != null) {
            rpc = ctx.envValue("ZG_RPC_ENDPOINT");
            source = "ZG_RPC_ENDPOINT";
        } else if (ctx.envValue("RPC_ENDPOINT") != null) {
            rpc = ctx.envValue("RPC_ENDPOINT");
            source = "RPC_ENDPOINT";
        } else if (saved != null) {
            rpc = savedRpc(saved);
            source = "config";
            useSaved = true;
        } else {
            throw new CliException("No network configured: run \"0g-compute-cli setup-network\" or pass --rpc <url>.");
        }

        BrokerOptions o = BrokerOptions.defaults().withFundOnRequestHeaders(false)
                .withDevMode(isTrue(ctx.envValue("ZG_DEV_MODE")));
        String ledger = first(net == null ? null : net.ledgerCa, ctx.envValue("LEDGER_CA"));
        String inference = first(net == null ? null : net.inferenceCa, ctx.envValue("INFERENCE_CA"));
        String ft = first(net == null ? null : net.fineTuningCa, ctx.envValue("FINE_TUNING_CA"));
        if (ledger != null || inference != null) {
            if (ledger == null || inference == null) {
                throw new CliException("Give both --ledger-ca and --inference-ca (or LEDGER_CA and INFERENCE_CA).");
            }
            o = o.withContracts(new ContractAddresses(ledger, inference, ft));
        } else if (useSaved && saved.ledgerCA() != null && saved.inferenceCA() != null) {
            o = o.withContracts(new ContractAddresses(saved.ledgerCA(), saved.inferenceCA(), saved.fineTuningCA()));
        } else if (useSaved && saved.devnetJson() != null && Files.exists(Path.of(saved.devnetJson()))) {
            o = o.withDevnetJson(Path.of(saved.devnetJson()));
        }
        if (gas != null) {
            if (gas.gasPrice != null) {
                o = o.withGasPrice(gas.gasPrice);
            }
            if (gas.maxGasPrice != null) {
                o = o.withGasRetry(gas.maxGasPrice, gas.step, 5);
            }
        }
        String timeout = ctx.envValue("ZG_RECEIPT_TIMEOUT_SECONDS");
        if (timeout != null) {
            o = o.withReceiptTimeout(Duration.ofSeconds(Long.parseLong(timeout)));
        }
        return new Connection(inv, rpc, o, source);
    }

    /** A local devnet's RPC is re-read from its devnet.json, so a restarted devnet on a new port is found. */
    static String savedRpc(NetworkConfig saved) {
        if (saved.devnetJson() != null && Files.exists(Path.of(saved.devnetJson()))) {
            try {
                return DevnetFile.read(Path.of(saved.devnetJson())).rpcUrl();
            } catch (RuntimeException e) {
                throw new CliException("Cannot read " + saved.devnetJson() + ": " + e.getMessage());
            }
        }
        if (saved.rpcEndpoint() == null) {
            throw new CliException("The saved configuration has no RPC URL: run \"0g-compute-cli setup-network\".");
        }
        return saved.rpcEndpoint();
    }

    /** The same network with changed broker options (e.g. a command's own auto-funding cap). */
    public Connection withOptions(UnaryOperator<BrokerOptions> change) {
        return new Connection(inv, rpc, change.apply(options), source);
    }

    public String rpc() {
        return rpc;
    }

    public String source() {
        return source;
    }

    public ZGComputeNetworkBroker broker() {
        return broker(credentials());
    }

    public ZGComputeNetworkBroker broker(Credentials c) {
        return ZGComputeNetworkBroker.create(c, rpc, options);
    }

    public Credentials credentials() {
        return new KeySource(inv).credentials();
    }

    public BrokerOptions options() {
        return options;
    }

    public ZGComputeNetworkReadOnlyBroker readOnly() {
        return ZGComputeNetworkBroker.readOnly(rpc, options);
    }

    private static String first(String a, String b) {
        return a != null ? a : b;
    }

    private static boolean isTrue(String v) {
        return "true".equalsIgnoreCase(v) || "1".equals(v);
    }
}
