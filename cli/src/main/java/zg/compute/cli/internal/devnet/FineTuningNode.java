package zg.compute.cli.internal.devnet;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import zg.compute.devnet.Devnet;
import zg.compute.provider.ConfigLoader;
import zg.compute.provider.LocalTeeKeySource;
import zg.compute.provider.ProviderConfig;
import zg.compute.provider.finetuning.FineTuningConfig;
import zg.compute.provider.finetuning.FineTuningProviderBroker;
import zg.compute.server.ServerLimits;

/**
 * The devnet's fine-tuning provider: the provider module's task server with its development trainer (no GPU),
 * its own wallet and TEE signer, training the local chain's predefined {@code mock-model}. Datasets arrive by
 * the TEE upload route (no 0G Storage node runs here) and models leave by the TEE download route.
 */
final class FineTuningNode {

    /** Devnet accounts 7 (wallet) and 8 (TEE signer): free after the inference providers' 1–4 and 10–19. */
    static final int WALLET = 7;
    static final int TEE = 8;
    static final String MODEL = "mock-model";
    /** Neuron per dataset token per epoch: a small dataset costs well under the user's 3 0G. */
    static final BigInteger PRICE_PER_TOKEN = BigInteger.valueOf(1_000_000_000_000L);
    static final String PRICE_UNIT = "neuron per dataset token per epoch";
    static final String BACKEND = "DevTrainer (DEVELOPMENT trainer on the CPU, not a GPU training container)";
    /** Pollers run this often on the devnet (60 s in production): a small task is delivered within seconds. */
    static final Duration POLL = Duration.ofSeconds(2);

    private FineTuningNode() {
    }

    /** @param lora the inference provider fed with delivered adapters (shares {@code storage/}), or null */
    static FineTuningConfig config(Devnet d, Path dir, FineTuningConfig.InferenceTarget lora) {
        Credentials wallet = d.account(WALLET);
        int port = previousPort(d, wallet);
        String url = "http://127.0.0.1:" + port;
        var quota = new FineTuningConfig.Quota(BigInteger.valueOf(2), BigInteger.valueOf(4), BigInteger.ZERO,
                BigInteger.valueOf(10), "none (CPU development trainer)");
        var service = new FineTuningConfig.Service(url, quota, PRICE_PER_TOKEN,
                List.of(new FineTuningConfig.Model(MODEL, ConfigLoader.MOCK_MODEL_HASH)), "dev",
                dir.resolve("fine-tuning"), 5, 100L * 1024 * 1024, Duration.ofHours(6), POLL, 3,
                Duration.ofSeconds(300));
        return new FineTuningConfig(new ProviderConfig.Server("127.0.0.1", port, false, "127.0.0.1", 0,
                ServerLimits.DEFAULTS),
                new FineTuningConfig.Chain(d.rpcUrl(), d.info().chainId(), d.contracts().fineTuning().proxy()), wallet,
                new LocalTeeKeySource(d.account(TEE).getEcKeyPair()),
                new ProviderConfig.Database("jdbc:sqlite:" + dir.resolve("provider-ft.db"), null, null), service,
                // the task server's default quotas and expiry; the built-in development trainer (no command)
                new FineTuningConfig.Datasets(1L << 30, 20L << 30, Duration.ofDays(7)),
                new FineTuningConfig.Executor(List.of(), "", Duration.ZERO), lora == null
                        ? FineTuningConfig.AdapterFeed.NONE : new FineTuningConfig.AdapterFeed(storage(dir),
                                List.of(lora)));
    }

    private static zg.compute.provider.DevnetStorage storage(Path dir) {
        try {
            return new zg.compute.provider.DevnetStorage(dir.resolve("storage"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create " + dir.resolve("storage"), e);
        }
    }

    static DevnetStack.ProviderEntry entry(FineTuningProviderBroker b, FineTuningConfig c) {
        return new DevnetStack.ProviderEntry("fine-tuning", Keys.toChecksumAddress(b.providerAddress()),
                c.service().url(), MODEL, PRICE_PER_TOKEN, BigInteger.ZERO, PRICE_UNIT, b.teeSignerAddress(), BACKEND,
                "trains " + MODEL + " (" + ConfigLoader.MOCK_MODEL_HASH + "); datasets by the TEE upload route",
                List.of(new ProviderConfig.Model(MODEL, PRICE_PER_TOKEN, BigInteger.ZERO)));
    }

    /** On a resumed chain the server keeps the port its registered URL names, when that port is free. */
    private static int previousPort(Devnet d, Credentials wallet) {
        if (d.resumed()) {
            try {
                int port = java.net.URI.create(d.fineTuning(wallet).getService(wallet.getAddress()).send().url)
                        .getPort();
                try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                    return s.getLocalPort();
                }
            } catch (Exception notRegisteredOrTaken) {
                // a fresh port below
            }
        }
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("no free port: " + e.getMessage(), e);
        }
    }
}
