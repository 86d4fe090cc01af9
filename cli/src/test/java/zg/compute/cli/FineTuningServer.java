package zg.compute.cli;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import zg.compute.devnet.Devnet;
import zg.compute.provider.ConfigLoader;
import zg.compute.provider.finetuning.DevTrainer;
import zg.compute.provider.finetuning.FineTuningConfig;
import zg.compute.provider.finetuning.FineTuningProviderBroker;
import zg.compute.sdk.Amount;
import zg.compute.sdk.BrokerOptions;
import zg.compute.sdk.FineTuningBroker;
import zg.compute.sdk.FineTuningTask;
import zg.compute.sdk.ServiceKind;
import zg.compute.sdk.ZGComputeNetworkBroker;

/**
 * The real fine-tuning task server of the provider module on the devnet, with its development trainer and
 * pollers run by the test ({@link #tick()}); registered on chain with its real URL and owner-acknowledged.
 */
final class FineTuningServer implements AutoCloseable {

    static final BigInteger PRICE_PER_TOKEN = BigInteger.valueOf(1_000_000_000L);

    final FineTuningProviderBroker broker;
    final String provider;

    private FineTuningServer(FineTuningProviderBroker broker) {
        this.broker = broker;
        this.provider = Keys.toChecksumAddress(broker.providerAddress());
    }

    /** Starts the server for wallet {@code provider}, its task store and files under {@code dir}. */
    static FineTuningServer start(Devnet d, Credentials provider, Path dir, int maxQueue) throws Exception {
        return start(d, provider, dir, maxQueue, 100L * 1024 * 1024);
    }

    static FineTuningServer start(Devnet d, Credentials provider, Path dir, int maxQueue, long maxDatasetBytes)
            throws Exception {
        int port = zg.compute.server.Ports.free("127.0.0.1");
        String yaml = """
                server: { host: 127.0.0.1, port: %d }
                chain:
                  rpcUrl: %s
                  fineTuningContract: "%s"
                database: { url: "jdbc:sqlite:%s" }
                fineTuning:
                  url: http://127.0.0.1:%d
                  pricePerToken: %s
                  workDir: ft-work
                  maxTaskQueueSize: %d
                  maxDatasetBytes: %d
                  ackTimeoutSeconds: 600
                """.formatted(port, d.rpcUrl(), d.contracts().fineTuning().proxy(), dir.resolve("ft.db"), port,
                PRICE_PER_TOKEN, maxQueue, maxDatasetBytes);
        Credentials tee = Credentials.create(ECKeyPair.create(BigInteger.valueOf(0x7EE0000L + port)));
        FineTuningConfig config = new ConfigLoader(Map.of("ZG_PROVIDER_KEY", CliFixtures.hex(provider),
                "ZG_TEE_KEY", CliFixtures.hex(tee))).parseFineTuning(yaml, dir);
        FineTuningProviderBroker b = FineTuningProviderBroker.start(config,
                new FineTuningProviderBroker.Options(Clock.systemUTC(), false, new DevTrainer()));
        try {
            d.fineTuning(d.account(0)).acknowledgeTEESignerByOwner(provider.getAddress()).send();
        } catch (Exception e) {
            b.close();
            throw e;
        }
        return new FineTuningServer(b);
    }

    /** One pass of the provider's pollers (setup, training, delivery, settlement). */
    void tick() {
        broker.runPollersNow();
    }

    /** Runs the pollers until the task is in {@code progress} (a handful of passes at most), as the user sees it. */
    FineTuningTask tickUntil(FineTuningBroker user, String taskId, String progress) {
        FineTuningTask t = user.getTask(provider, taskId);
        for (int pass = 0; pass < 8 && !progress.equals(t.progress()); pass++) {
            tick();
            t = user.getTask(provider, taskId);
        }
        if (!progress.equals(t.progress())) {
            throw new AssertionError("task " + taskId + " is " + t.progress() + ", not " + progress + "; log:\n"
                    + user.getLog(provider, taskId));
        }
        return t;
    }

    /** A broker for {@code user} with 10 0G in its ledger and 3 0G in its sub-account with this provider. */
    ZGComputeNetworkBroker fundedUser(Devnet d, Credentials user) {
        ZGComputeNetworkBroker b = ZGComputeNetworkBroker.create(user, d.rpcUrl(),
                BrokerOptions.defaults().withFundOnRequestHeaders(false));
        b.ledger().addLedger(Amount.og("10"));
        b.ledger().transferFund(provider, ServiceKind.FINE_TUNING, Amount.og("3"));
        return b;
    }

    @Override
    public void close() {
        broker.close();
    }
}
