package zg.compute.devnet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.List;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import zg.compute.protocol.chain.ChainTransactionManager;
import zg.compute.protocol.contracts.ContractArtifact;
import zg.compute.protocol.contracts.bindings.FineTuningServing;
import zg.compute.protocol.contracts.bindings.InferenceServing;
import zg.compute.protocol.contracts.bindings.LedgerManager;

/**
 * Deploys the three systems the way the official deploy does: implementation, UpgradeableBeacon,
 * BeaconProxy with empty init data, then {@code initialize} as its own transaction; the services are
 * registered in the ledger and made the recommended version.
 *
 * <p>The transaction order is fixed: from a fresh deployer (nonce 0) the proxies land at nonces 2, 6
 * and 12, which are the addresses the official SDK hard-codes for chain 31337.
 */
public final class DevnetDeployer {

    public static final String SERVICE_VERSION = "v1.0";

    private final DevChain chain;
    private final Credentials deployer;
    private final ChainTransactionManager tx;

    public DevnetDeployer(DevChain chain, Credentials deployer) {
        this.chain = chain;
        this.deployer = deployer;
        this.tx = chain.txManager(deployer);
    }

    public DevnetContracts deploy(long lockTime, long penaltyPercentage) {
        return deploy(lockTime, penaltyPercentage, ContractArtifact.load(ContractArtifact.LEDGER_MANAGER).bytecode(),
                ContractArtifact.load(ContractArtifact.INFERENCE_SERVING).bytecode(),
                ContractArtifact.load(ContractArtifact.FINE_TUNING_SERVING).bytecode());
    }

    /**
     * The same sequence with other implementation creation code of the same ABI (the gas benchmark
     * deploys the official bytecode this way, behind the same OpenZeppelin proxies).
     */
    public DevnetContracts deploy(long lockTime, long penaltyPercentage, String ledgerCode, String inferenceCode,
            String fineTuningCode) {
        try {
            String owner = deployer.getAddress();
            // nonces 0..3
            DeployedSystem ledger = deploySystem(ledgerCode);
            LedgerManager lm = LedgerManager.load(ledger.proxy(), chain.web3j(), tx, chain.gasProvider());
            lm.initialize(owner).send();
            // nonces 4..9
            DeployedSystem inference = deploySystem(inferenceCode);
            InferenceServing.load(inference.proxy(), chain.web3j(), tx, chain.gasProvider())
                    .initialize(BigInteger.valueOf(lockTime), ledger.proxy(), owner).send();
            lm.registerService("inference", SERVICE_VERSION, inference.proxy(), "Inference service " + SERVICE_VERSION)
                    .send();
            lm.setRecommendedService("inference", SERVICE_VERSION).send();
            // nonces 10..15
            DeployedSystem fineTuning = deploySystem(fineTuningCode);
            FineTuningServing.load(fineTuning.proxy(), chain.web3j(), tx, chain.gasProvider())
                    .initialize(BigInteger.valueOf(lockTime), ledger.proxy(), owner,
                            BigInteger.valueOf(penaltyPercentage))
                    .send();
            lm.registerService("fine-tuning", SERVICE_VERSION, fineTuning.proxy(),
                    "Fine-tuning service " + SERVICE_VERSION).send();
            lm.setRecommendedService("fine-tuning", SERVICE_VERSION).send();
            return new DevnetContracts(ledger, inference, fineTuning, "inference-" + SERVICE_VERSION,
                    "fine-tuning-" + SERVICE_VERSION);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("deployment failed: " + e.getMessage(), e);
        }
    }

    /** implementation → UpgradeableBeacon(implementation) → BeaconProxy(beacon, 0x): three transactions. */
    public DeployedSystem deploySystem(String implementationCode) throws IOException {
        String impl = create(implementationCode, "");
        String beacon = create(ContractArtifact.load(ContractArtifact.UPGRADEABLE_BEACON).bytecode(),
                FunctionEncoder.encodeConstructor(List.of(new Address(impl))));
        String proxy = create(ContractArtifact.load(ContractArtifact.BEACON_PROXY).bytecode(),
                FunctionEncoder.encodeConstructor(List.of(new Address(beacon), new DynamicBytes(new byte[0]))));
        return new DeployedSystem(proxy, beacon, impl);
    }

    /** Deploys raw creation code plus ABI-encoded constructor arguments; returns the new address. */
    public String create(String bytecode, String encodedConstructorArgs) throws IOException {
        TransactionReceipt r = tx.execute(null, bytecode + encodedConstructorArgs, BigInteger.ZERO);
        return org.web3j.crypto.Keys.toChecksumAddress(r.getContractAddress());
    }
}
