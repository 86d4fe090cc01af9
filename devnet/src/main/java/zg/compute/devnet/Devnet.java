package zg.compute.devnet;

import java.time.Duration;
import java.util.List;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import org.web3j.utils.Numeric;
import zg.compute.protocol.contracts.RevertDecoder;
import zg.compute.protocol.contracts.bindings.FineTuningServing;
import zg.compute.protocol.contracts.bindings.InferenceServing;
import zg.compute.protocol.contracts.bindings.LedgerManager;

/**
 * A whole local 0G Compute chain: anvil (chain id 31337) with LedgerManager, InferenceServing and
 * FineTuningServing deployed behind beacon proxies and registered as {@code inference-v1.0} and
 * {@code fine-tuning-v1.0}. Closing it stops anvil.
 *
 * <pre>{@code
 * try (Devnet devnet = Devnet.start(DevnetConfig.defaults())) {
 *     LedgerManager ledger = devnet.ledger(devnet.account(1));
 * }
 * }</pre>
 */
public final class Devnet implements AutoCloseable {

    public static final int ACCOUNTS = AnvilProcess.ACCOUNTS;

    private final AnvilProcess anvil;
    private final DevChain chain;
    private final DevnetContracts contracts;
    private final List<Credentials> accounts;
    private final DevnetInfo info;
    private final Duration startup;
    private final boolean resumed;

    private Devnet(AnvilProcess anvil, DevChain chain, DevnetContracts contracts, List<Credentials> accounts,
            DevnetInfo info, Duration startup, boolean resumed) {
        this.resumed = resumed;
        this.anvil = anvil;
        this.chain = chain;
        this.contracts = contracts;
        this.accounts = accounts;
        this.info = info;
        this.startup = startup;
    }

    public static Devnet start(DevnetConfig config) {
        long t0 = System.nanoTime();
        SavedState state = config.stateDir() == null ? null : SavedState.in(config.stateDir());
        DevnetInfo saved = state == null ? null : state.savedInfo();
        AnvilProcess anvil = AnvilProcess.start(AnvilBinary.locate(), config.port(), DevnetConfig.CHAIN_ID,
                config.anvilLog(), state == null ? null : state.anvilState());
        try {
            DevChain chain = new DevChain(anvil.rpcUrl(), RevertDecoder.forComputeContracts());
            List<Credentials> accounts = DevAccounts.derive(AnvilProcess.MNEMONIC, ACCOUNTS);
            DevnetContracts contracts;
            long lockTime;
            long penalty;
            if (saved != null) {
                contracts = state.contracts(saved, chain);
                lockTime = saved.lockTime();
                penalty = saved.penaltyPercentage();
            } else {
                contracts = new DevnetDeployer(chain, accounts.get(0)).deploy(config.lockTime(),
                        config.penaltyPercentage());
                lockTime = config.lockTime();
                penalty = config.penaltyPercentage();
            }
            DevnetInfo info = new DevnetInfo(anvil.rpcUrl(), chain.chainId(), Keys.toChecksumAddress(accounts.get(0).getAddress()),
                    new DevnetInfo.Contracts(contracts.ledger().proxy(), contracts.inference().proxy(),
                            contracts.fineTuning().proxy(), contracts.ledger(), contracts.inference(),
                            contracts.fineTuning()),
                    new DevnetInfo.Services(contracts.inferenceServiceName(), contracts.fineTuningServiceName()),
                    lockTime, penalty,
                    accounts.stream().map(c -> new DevnetInfo.Account(Keys.toChecksumAddress(c.getAddress()),
                            Numeric.toHexStringWithPrefixZeroPadded(c.getEcKeyPair().getPrivateKey(), 64))).toList());
            if (state != null) {
                state.save(info);
            }
            if (config.infoFile() != null) {
                info.write(config.infoFile());
            }
            return new Devnet(anvil, chain, contracts, accounts, info, Duration.ofNanos(System.nanoTime() - t0),
                    saved != null);
        } catch (RuntimeException e) {
            anvil.close();
            throw e;
        }
    }

    /** True when this start resumed a chain kept in {@link DevnetConfig#stateDir()} instead of deploying. */
    public boolean resumed() {
        return resumed;
    }

    public DevChain chain() {
        return chain;
    }

    public DevnetContracts contracts() {
        return contracts;
    }

    public DevnetInfo info() {
        return info;
    }

    public String rpcUrl() {
        return anvil.rpcUrl();
    }

    /** Time from start() to a deployed, registered network. */
    public Duration startupTime() {
        return startup;
    }

    /** Funded development account {@code i} (0 is the deployer and contract owner). */
    public Credentials account(int i) {
        return accounts.get(i);
    }

    public List<Credentials> accounts() {
        return accounts;
    }

    public AnvilProcess anvil() {
        return anvil;
    }

    /** The LedgerManager proxy, sending as {@code who}. */
    public LedgerManager ledger(Credentials who) {
        return LedgerManager.load(contracts.ledger().proxy(), chain.web3j(), chain.txManager(who), chain.gasProvider());
    }

    public InferenceServing inference(Credentials who) {
        return InferenceServing.load(contracts.inference().proxy(), chain.web3j(), chain.txManager(who),
                chain.gasProvider());
    }

    public FineTuningServing fineTuning(Credentials who) {
        return FineTuningServing.load(contracts.fineTuning().proxy(), chain.web3j(), chain.txManager(who),
                chain.gasProvider());
    }

    @Override
    public void close() {
        chain.close();
        anvil.close();
    }
}
