package zg.compute.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.http.HttpService;
import org.web3j.utils.Numeric;
import zg.compute.devnet.DeployedSystem;
import zg.compute.devnet.DevChain;
import zg.compute.devnet.DevnetDeployer;
import zg.compute.protocol.contracts.ContractArtifact;
import zg.compute.protocol.contracts.bindings.InferenceServing;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.units.Units;

@ExtendWith(DevnetExtension.class)
class BrokerCreationTest {

    /** The base fee before a test; gas tests raise it, and anvil keeps that across evm_revert. */
    private BigInteger baseFee;

    @BeforeEach
    void rememberBaseFee(Devnet d) throws Exception {
        baseFee = d.chain().web3j().ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false).send().getBlock()
                .getBaseFeePerGas();
    }

    @AfterEach
    void restoreBaseFee(Devnet d) throws Exception {
        // Other test classes share this devnet and price their transactions for the low base fee.
        setNextBaseFee(d, baseFee);
    }

    @Test
    void chainId31337SelectsTheHardhatAddressesWhereTheDevnetDeploys(Devnet d) throws Exception {
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            assertThat(b.chainId()).isEqualTo(31337);
            assertThat(b.contracts()).isEqualTo(ContractAddresses.HARDHAT);
            assertThat(b.contracts().ledger()).isEqualTo(d.contracts().ledger().proxy());
            assertThat(b.contracts().inference()).isEqualTo(d.contracts().inference().proxy());
            // The service name is the ledger's registration of this inference contract.
            assertThat(b.ledger().serviceName(ServiceKind.INFERENCE))
                    .isEqualTo(d.ledger(d.account(1)).getServiceInfo(b.contracts().inference()).send().fullName);
            assertThat(b.ledger().serviceName(ServiceKind.FINE_TUNING))
                    .isEqualTo(d.contracts().fineTuningServiceName());
        }
    }

    @Test
    void theInferenceServiceNameIsWhateverTheLedgerRegistered(Devnet d) throws Exception {
        // A second inference deployment, registered as "inference-v2.5": nothing may assume "inference-v1.0".
        Credentials owner = d.account(0);
        DeployedSystem v2 = new DevnetDeployer(d.chain(), owner)
                .deploySystem(ContractArtifact.load(ContractArtifact.INFERENCE_SERVING).bytecode());
        InferenceServing.load(v2.proxy(), d.chain().web3j(), d.chain().txManager(owner), d.chain().gasProvider())
                .initialize(BigInteger.valueOf(3600), d.contracts().ledger().proxy(), owner.getAddress()).send();
        d.ledger(owner).registerService("inference", "v2.5", v2.proxy(), "second inference").send();

        var addresses = new ContractAddresses(d.contracts().ledger().proxy(), v2.proxy(), null);
        String provider = d.account(7).getAddress();
        try (var b = ZGComputeNetworkBroker.create(d.account(1), d.rpcUrl(),
                SdkFixtures.options().withContracts(addresses))) {
            assertThat(b.ledger().serviceName(ServiceKind.INFERENCE)).isEqualTo("inference-v2.5");
            b.ledger().addLedger(Amount.og("5"));
            b.ledger().transferFund(provider, ServiceKind.INFERENCE, Amount.og("2"));
            assertThat(b.inference().getAccount(provider).balance()).isEqualTo(Units.og(2));
            assertThat(b.ledger().getLedgerWithDetail().inference()).singleElement()
                    .extracting(SubAccountBalance::balance).isEqualTo(Units.og(2));
            assertThatThrownBy(() -> b.ledger().serviceName(ServiceKind.FINE_TUNING))
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessage("The fine-tuning service is not registered in LedgerManager");
        }
        // The default deployment knows nothing of it.
        assertThat(d.inference(d.account(1)).accountExists(d.account(1).getAddress(), provider).send()).isFalse();
    }

    @Test
    void presetsByChainId() {
        assertThat(ContractAddresses.forChainId(16661, false)).isEqualTo(ContractAddresses.MAINNET);
        assertThat(ContractAddresses.forChainId(16602, false)).isEqualTo(ContractAddresses.TESTNET);
        assertThat(ContractAddresses.forChainId(16602, true)).isEqualTo(ContractAddresses.TESTNET_DEV);
        assertThat(ContractAddresses.MAINNET.ledger()).isEqualTo("0x2dE54c845Cd948B72D2e32e39586fe89607074E3");
        assertThat(ContractAddresses.TESTNET.inference()).isEqualTo("0xa79F4c8311FF93C06b8CfB403690cc987c93F91E");
        assertThatThrownBy(() -> ContractAddresses.forChainId(1, false))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("Unknown chain id 1: pass the contract addresses explicitly (or a devnet.json) for this "
                        + "network");
    }

    @Test
    void aDevnetJsonAndExplicitAddressesOverrideDetection(Devnet d, @TempDir Path dir) throws Exception {
        Path file = dir.resolve("devnet.json");
        d.info().write(file);
        try (var b = ZGComputeNetworkBroker.create(d.account(1), d.rpcUrl(),
                SdkFixtures.options().withDevnetJson(file))) {
            assertThat(b.contracts().ledger()).isEqualTo(d.info().contracts().ledger());
            assertThat(b.contracts().inference()).isEqualTo(d.info().contracts().inference());
            b.ledger().addLedger(Amount.og("3"));
        }
        // Explicit addresses win over the file: here an inference address the ledger never registered.
        String unregistered = d.account(9).getAddress();
        var bogus = new ContractAddresses(d.contracts().ledger().proxy(), unregistered, null);
        assertThatThrownBy(() -> ZGComputeNetworkBroker.create(d.account(1), d.rpcUrl(),
                SdkFixtures.options().withDevnetJson(file).withContracts(bogus)))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("The inference contract " + unregistered + " is not registered in LedgerManager "
                        + d.contracts().ledger().proxy() + " on chain 31337");
        Files.writeString(file, "{\"rpcUrl\":\"x\"}");
        assertThatThrownBy(() -> ZGComputeNetworkBroker.create(d.account(1), d.rpcUrl(),
                SdkFixtures.options().withDevnetJson(file)))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("Devnet file " + file + " has no contracts.ledger / contracts.inference addresses");
    }

    @Test
    void anUnreachableNodeIsAnRpcError() {
        assertThatThrownBy(() -> ZGComputeNetworkBroker.create(Credentials.create("0x01"), "http://127.0.0.1:1",
                SdkFixtures.options()))
                .isInstanceOfSatisfying(RpcErrorException.class, e -> assertThat(e.code()).isEqualTo(-1))
                .hasMessageStartingWith("Cannot reach the RPC endpoint http://127.0.0.1:1: ");
        assertThatThrownBy(() -> ZGComputeNetworkBroker.create(null, "http://127.0.0.1:1"))
                .isInstanceOf(ConfigurationException.class);
    }

    @Test
    void anEmptyWalletGetsTheInsufficientFundsMessage(Devnet d) {
        Credentials poor = SdkFixtures.fundedKey(d, 999, 0);
        try (var b = SdkFixtures.broker(d, poor)) {
            assertThatThrownBy(() -> b.ledger().addLedger(Amount.og("3")))
                    .isInstanceOf(RpcErrorException.class)
                    .hasMessage("Insufficient funds in your wallet to pay for this transaction and its gas.");
        }
    }

    private static void setNextBaseFee(Devnet d, BigInteger wei) throws Exception {
        var r = new Request<>("anvil_setNextBlockBaseFeePerGas", List.of(Numeric.toHexStringWithPrefix(wei)),
                new HttpService(d.rpcUrl()), DevChain.ObjectResponse.class).send();
        assertThat(r.hasError()).as("anvil_setNextBlockBaseFeePerGas").isFalse();
    }

    @Test
    void anUnderpricedTransactionIsResentWithAHigherPriceUpToTheMaximum(Devnet d) throws Exception {
        BigInteger gwei = BigInteger.TEN.pow(9);
        setNextBaseFee(d, gwei.multiply(BigInteger.TEN)); // 10 gwei
        BigInteger low = gwei.multiply(BigInteger.valueOf(6));
        var retrying = SdkFixtures.options().withGasPrice(low).withGasRetry(gwei.multiply(BigInteger.valueOf(100)), 20,
                3);
        try (var b = ZGComputeNetworkBroker.create(d.account(1), d.rpcUrl(), retrying)) {
            TxResult tx = b.ledger().addLedger(Amount.og("3"));
            // 6 gwei was rejected; ×20/10 = 12 gwei went through.
            assertThat(Numeric.decodeQuantity(tx.receipt().getEffectiveGasPrice()))
                    .isEqualTo(gwei.multiply(BigInteger.valueOf(12)));
            assertThat(b.ledger().getLedger().totalBalance()).isEqualTo(Units.og(3));
        }
    }

    @Test
    void withoutAMaximumAnUnderpricedTransactionFailsAtOnce(Devnet d) throws Exception {
        BigInteger gwei = BigInteger.TEN.pow(9);
        setNextBaseFee(d, gwei.multiply(BigInteger.TEN));
        try (var b = ZGComputeNetworkBroker.create(d.account(1), d.rpcUrl(),
                SdkFixtures.options().withGasPrice(gwei))) {
            assertThatThrownBy(() -> b.ledger().addLedger(Amount.og("3")))
                    .isInstanceOf(RpcErrorException.class)
                    .hasMessageStartingWith("Gas price too low for the network; set a higher gas price.");
        }
        // With a maximum below the base fee the retries stop at the cap, a bounded number of times.
        setNextBaseFee(d, gwei.multiply(BigInteger.TEN));
        try (var b = ZGComputeNetworkBroker.create(d.account(1), d.rpcUrl(),
                SdkFixtures.options().withGasPrice(gwei).withGasRetry(gwei.multiply(BigInteger.TWO), 11, 20))) {
            assertThatThrownBy(() -> b.ledger().addLedger(Amount.og("3")))
                    .isInstanceOf(RpcErrorException.class)
                    .hasMessageStartingWith("Gas price too low for the network; set a higher gas price.");
            assertThatThrownBy(() -> b.ledger().getLedger()).isInstanceOf(ContractErrorException.class);
        }
    }
}
