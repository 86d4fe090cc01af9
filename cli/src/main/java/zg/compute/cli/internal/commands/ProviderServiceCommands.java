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
import zg.compute.protocol.contracts.bindings.FineTuningServing;
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
    abstract static class OwnerCommand extends OneShotTransaction {

        OwnerCommand(Invocation inv) {
            super(inv);
        }

        interface Action {
            org.web3j.protocol.core.methods.response.TransactionReceipt send(InferenceServing contract,
                    ServiceInfo current) throws Exception;
        }

        /** One transaction through a generated binding, sent with the resolved key. */
        interface Transaction {
            org.web3j.protocol.core.methods.response.TransactionReceipt send(ZGComputeNetworkBroker broker,
                    Binding binding) throws Exception;
        }

        /** Loads a generated contract binding that sends with the resolved key and gas price. */
        record Binding(Web3j web3j, ChainTransactionManager tx, StaticGasProvider gas) {
            InferenceServing inference(ZGComputeNetworkBroker broker) {
                return InferenceServing.load(broker.contracts().inference(), web3j, tx, gas);
            }

            FineTuningServing fineTuning(ZGComputeNetworkBroker broker) {
                String address = broker.contracts().fineTuning();
                if (address == null || address.isEmpty()) {
                    throw new CliException("This network has no fine-tuning contract configured.");
                }
                return FineTuningServing.load(address, web3j, tx, gas);
            }
        }

        /** The caller's own inference service, changed by {@code action} (provider commands). */
        String run(Action action) {
            return transact((broker, b) -> action.send(b.inference(broker),
                    broker.inference().getService(broker.ledger().userAddress())));
        }

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
                    Binding binding = new Binding(web3j, tx, new StaticGasProvider(price, BigInteger.valueOf(3_000_000)));
                    return transaction.send(broker, binding).getTransactionHash();
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
            printTxHash(hash);
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
            printTxHash(hash);
            return 0;
        }
    }

    /**
     * The contract owner's hidden commands {@code ack-provider} and {@code revoke} (sdk-cli.md §6.3, §6.4):
     * {@code acknowledgeTEESignerByOwner} / {@code revokeTEESignerAcknowledgement} on InferenceServing or
     * FineTuningServing, for anyone running their own network on these contracts.
     */
    abstract static class SignerAcknowledgement extends OwnerCommand {

        @Option(names = "--provider", required = true, paramLabel = "<address>")
        String provider;

        private final boolean acknowledge;
        private final boolean fineTuning;

        SignerAcknowledgement(Invocation inv, boolean acknowledge, boolean fineTuning) {
            super(inv);
            this.acknowledge = acknowledge;
            this.fineTuning = fineTuning;
        }

        @Override
        public Integer call() {
            if (!org.web3j.crypto.WalletUtils.isValidAddress(provider)) {
                throw new CliException("The provider is not a valid 0x address: " + provider);
            }
            String hash = transact((broker, b) -> fineTuning
                    ? (acknowledge ? b.fineTuning(broker).acknowledgeTEESignerByOwner(provider).send()
                            : b.fineTuning(broker).revokeTEESignerAcknowledgement(provider).send())
                    : (acknowledge ? b.inference(broker).acknowledgeTEESignerByOwner(provider).send()
                            : b.inference(broker).revokeTEESignerAcknowledgement(provider).send()));
            out().println("✓ TEE signer of the " + (fineTuning ? "fine-tuning" : "inference") + " service of " + provider
                    + (acknowledge ? " acknowledged by the contract owner" : ": acknowledgement revoked"));
            printTxHash(hash);
            return 0;
        }
    }

    @Command(name = "ack-provider", hidden = true, mixinStandardHelpOptions = true,
            description = "Contract owner only: acknowledge a provider's TEE signer (acknowledgeTEESignerByOwner).")
    static final class AckProvider extends SignerAcknowledgement {
        AckProvider(Invocation inv) {
            super(inv, true, false);
        }
    }

    @Command(name = "revoke", hidden = true, mixinStandardHelpOptions = true,
            description = "Contract owner only: revoke a provider's TEE signer acknowledgement "
                    + "(revokeTEESignerAcknowledgement).")
    static final class Revoke extends SignerAcknowledgement {
        Revoke(Invocation inv) {
            super(inv, false, false);
        }
    }

    @Command(name = "ack-provider", hidden = true, mixinStandardHelpOptions = true,
            description = "Contract owner only: acknowledge a fine-tuning provider's TEE signer.")
    static final class FineTuningAckProvider extends SignerAcknowledgement {
        FineTuningAckProvider(Invocation inv) {
            super(inv, true, true);
        }
    }

    @Command(name = "revoke", hidden = true, mixinStandardHelpOptions = true,
            description = "Contract owner only: revoke a fine-tuning provider's TEE signer acknowledgement.")
    static final class FineTuningRevoke extends SignerAcknowledgement {
        FineTuningRevoke(Invocation inv) {
            super(inv, false, true);
        }
    }
}
