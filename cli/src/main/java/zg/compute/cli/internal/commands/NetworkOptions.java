package zg.compute.cli.internal.commands;

import picocli.CommandLine.Option;

/** {@code --rpc} and the contract-address overrides, shared by every command that talks to the chain. */
public final class NetworkOptions {

    @Option(names = "--rpc", paramLabel = "<url>", description = "JSON-RPC URL (default: ZG_RPC_ENDPOINT, "
            + "RPC_ENDPOINT, then the one saved by setup-network)")
    String rpc;

    @Option(names = "--ledger-ca", paramLabel = "<address>", description = "LedgerManager address (env LEDGER_CA)")
    String ledgerCa;

    @Option(names = "--inference-ca", paramLabel = "<address>",
            description = "InferenceServing address (env INFERENCE_CA)")
    String inferenceCa;

    @Option(names = "--fine-tuning-ca", paramLabel = "<address>",
            description = "FineTuningServing address (env FINE_TUNING_CA)")
    String fineTuningCa;
}
