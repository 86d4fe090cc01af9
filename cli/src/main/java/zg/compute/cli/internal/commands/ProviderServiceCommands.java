package zg.compute.cli.internal.commands;

import java.io.IOException;
import java.math.BigInteger;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.gas.StaticGasProvider;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import zg.compute.cli.CliException;
import zg.compute.cli.Invocation;
import zg.compute.cli.internal.output.Fmt;
import zg.compute.protocol.chain.ContractRevertException;
import zg.compute.protocol.chain.ChainTransactionManager;
import zg.compute.protocol.contracts.RevertDecoder;
import zg.compute.protocol.contracts.bindings.InferenceServing;
import zg.compute.sdk.Amount;
import zg.compute.sdk.ServiceInfo;
import zg.compute.sdk.ZGComputeNetworkBroker;
import zg.compute.sdk.ContractErrorException;

/**
 * Provider-owner commands {@code update-service} and {@code remove-service}. The SDK is a user-side SDK and
 * has no call for these, so they send {@code InferenceServing.addOrUpdateService}/{@code removeService}
 * through the generated binding, as the key's own address (the provider).
 */
final class ProviderServiceCommands {

    private ProviderServiceCommands() {
    }

    /** Runs one owner transaction against InferenceServing with the resolved network and key. */
    abstract static class OwnerCommand extends TransactionCommand {

        OwnerCommand(Invocation inv) {
            super(inv);
        }

        interface Action {
            org.web3j.protocol.core.methods.response.TransactionReceipt send(InferenceServing contract,
                    ServiceInfo current) throws Exception;
        }

        /** One transaction with the caller's key: {@code load} gets what a generated binding's {@code load} takes. */
        interface Transaction {
            org.web3j.protocol.core.methods.response.TransactionReceipt send(ZGComputeNetworkBroker broker,
                    Credentials creds, Web3j web3j, ChainTransactionManager tx, StaticGasProvider gasProvider)
                    throws Exception;
        }

        /** An InferenceServing transaction about the caller's current inference service. */
        String run(Action action) {
            return transact((broker, creds, web3j, tx, gasProvider) -> {
                ServiceInfo current = broker.inference().getService(creds.getAddress());
                return action.send(InferenceServing.load(broker.contracts().inference(), web3j, tx, gasProvider),
                        current);
            });
        }

        /** Sends one transaction; reverts, RPC failures and SDK errors become one-line CLI errors. */
        String transact(Transaction transaction) {
            Connection conn = Connection.resolve(inv, network, gas);
            Credentials creds = conn.credentials();
            try (ZGComputeNetworkBroker broker = conn.broker(creds)) {
                Web3j web3j = Web3j.build(new HttpService(conn.rpc()));
                try {
                    BigInteger price = gas.gasPrice != null ? gas.gasPrice : web3j.ethGasPrice().send().getGasPrice();
                    ChainTransactionManager tx = new ChainTransactionManager(web3j, creds, broker.chainId(),
                            new PollingTransactionReceiptProcessor(web3j, 200, 1500),
                            RevertDecoder.forComputeContracts());
                    return transaction.send(broker, creds, web3j, tx,
                            new StaticGasProvider(price, BigInteger.valueOf(3_000_000))).getTransactionHash();
                } catch (ContractRevertException e) {
                    throw new CliException(ContractErrorException.from(e).getMessage());
                } catch (IOException e) {
                    throw new CliException("RPC request to " + conn.rpc() + " failed: " + e.getMessage());
                } catch (CliException | zg.compute.sdk.ZGComputeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new CliException("The transaction failed: " + e.getMessage());
                } finally {
                    web3j.shutdown();
                }
            }
        }
    }

    @Command(name = "update-service", mixinStandardHelpOptions = true, description = {
            "Provider only: change your registered inference service. Fields not given keep their value."})
    static final class UpdateService extends OwnerCommand {

        @Option(names = "--url", paramLabel = "<url>")
        String url;

        @Option(names = "--model", paramLabel = "<name>")
        String model;

        @Option(names = "--input-price", paramLabel = "<0G>", description = "Per input token, in 0G")
        String inputPrice;

        @Option(names = "--output-price", paramLabel = "<0G>", description = "Per output token (per image), in 0G")
        String outputPrice;

        @Option(names = "--service-type", paramLabel = "<type>")
        String serviceType;

        @Option(names = "--verifiability", paramLabel = "<TeeML|OpML|ZKML>")
        String verifiability;

        @Option(names = "--additional-info", paramLabel = "<json>")
        String additionalInfo;

        @Option(names = "--tee-signer", paramLabel = "<address>")
        String teeSigner;

        UpdateService(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            BigInteger in = inputPrice == null ? null : Amount.og(inputPrice).neuron();
            BigInteger outP = outputPrice == null ? null : Amount.og(outputPrice).neuron();
            String hash = run((contract, s) -> contract.addOrUpdateService(new InferenceServing.ServiceParams(
                    or(serviceType, s.serviceType()), or(url, s.url()), or(model, s.model()),
                    or(verifiability, s.verifiability()), in != null ? in : s.inputPrice(),
                    outP != null ? outP : s.outputPrice(), or(additionalInfo, s.additionalInfo()),
                    or(teeSigner, s.teeSignerAddress())), BigInteger.ZERO).send());
            out().println("✓ Service updated");
            if (in != null || outP != null) {
                out().println("  Prices (0G per token): input " + (in == null ? "unchanged" : Fmt.og(in))
                        + ", output " + (outP == null ? "unchanged" : Fmt.og(outP)));
            }
            out().println("  Transaction: " + hash);
            return 0;
        }

        private static String or(String a, String b) {
            return a != null ? a : b;
        }
    }

    @Command(name = "remove-service", mixinStandardHelpOptions = true,
            description = "Provider only: remove your inference service (returns the stake).")
    static final class RemoveService extends OwnerCommand {

        RemoveService(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            String hash = run((contract, s) -> contract.removeService().send());
            out().println("✓ Service removed");
            out().println("  Transaction: " + hash);
            return 0;
        }
    }
}
