package zg.compute.cli.internal.commands;

import java.math.BigInteger;
import picocli.CommandLine.Option;

/** Gas price flags of transaction commands (neuron = wei). */
public final class GasOptions {

    @Option(names = "--gas-price", paramLabel = "<neuron>", description = "Gas price in neuron (default: the node's)")
    BigInteger gasPrice;

    @Option(names = "--max-gas-price", paramLabel = "<neuron>",
            description = "Re-send an underpriced transaction with a higher price, up to this")
    BigInteger maxGasPrice;

    @Option(names = "--step", paramLabel = "<n>", defaultValue = "11",
            description = "Each re-send multiplies the price by n/10 (default ${DEFAULT-VALUE} = +10%%)")
    int step;
}
