package zg.compute.provider.finetuning;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.web3j.crypto.Credentials;
import zg.compute.provider.ProviderConfig;
import zg.compute.provider.TeeKeySource;

/**
 * Everything the fine-tuning task server needs, validated: see
 * {@link zg.compute.provider.ConfigLoader#parseFineTuning} for the YAML keys and defaults.
 *
 * @param server   where the task API listens
 * @param chain    RPC and the FineTuningServing proxy address
 * @param provider the provider wallet (registration, deliverables, settlement)
 * @param teeKey   signs encrypted models and settlements; its address is the service's TEE signer
 * @param database JDBC URL of the task store (may be the inference broker's database)
 * @param service  what is registered on chain and how tasks run
 * @param datasets quotas and expiry of uploaded datasets
 * @param executor the external training command ({@code fineTuning.trainer: command})
 * @param adapterFeed where delivered adapters are left for inference providers (fine-tuning.md §1.10 "Feed")
 */
public record FineTuningConfig(ProviderConfig.Server server, Chain chain, Credentials provider, TeeKeySource teeKey,
        ProviderConfig.Database database, Service service, Datasets datasets, Executor executor,
        AdapterFeed adapterFeed) {

    /** Without an adapter feed. */
    public FineTuningConfig(ProviderConfig.Server server, Chain chain, Credentials provider, TeeKeySource teeKey,
            ProviderConfig.Database database, Service service, Datasets datasets, Executor executor) {
        this(server, chain, provider, teeKey, database, service, datasets, executor, AdapterFeed.NONE);
    }

    /**
     * At delivery the encrypted model is stored in {@code storage} and each inference provider gets the model's
     * AES key ECIES-encrypted to its wallet (so it can serve the adapter once the user acknowledged it).
     *
     * @param storage   where encrypted models go (null: no feed)
     * @param inference the inference providers fed
     */
    public record AdapterFeed(zg.compute.provider.ModelStorage storage, List<InferenceTarget> inference) {
        public static final AdapterFeed NONE = new AdapterFeed(null, List.of());

        public AdapterFeed {
            inference = List.copyOf(inference);
        }
    }

    /**
     * @param url       the inference provider's service URL (its {@code /internal/v1/adapter-keys} is called)
     * @param publicKey its wallet's uncompressed secp256k1 public key (hex, 64 or 65 bytes); the address follows
     */
    public record InferenceTarget(String url, String publicKey) {
    }

    /**
     * @param perUserBytes what one user's uploaded datasets may take on disk together
     * @param totalBytes   what all uploaded datasets may take
     * @param ttl          a dataset no unfinished task uses is deleted once unused this long
     */
    public record Datasets(long perUserBytes, long totalBytes, Duration ttl) {
    }

    /**
     * The official executor interface as a subprocess: {@code command} runs in the task directory with
     * {@code data}, {@code model}, {@code config.json}, {@code output_model/}, {@code progress.log}.
     *
     * @param command argv; {@code {data}}, {@code {model}}, {@code {config}}, {@code {output}} and
     *                {@code {log}} are replaced by those absolute paths
     * @param model   the base model directory linked as {@code model} (empty = none)
     * @param timeout killed after this; zero = lockTime/2 as the official broker
     */
    public record Executor(List<String> command, String model, Duration timeout) {
        public Executor {
            command = List.copyOf(command);
        }
    }

    /** @param chainId 0 = ask the node */
    public record Chain(String rpcUrl, long chainId, String fineTuningContract) {
    }

    /** On-chain quota (units are not enforced by the contract). */
    public record Quota(BigInteger cpuCount, BigInteger memory, BigInteger gpuCount, BigInteger storage,
            String gpuType) {
    }

    /** A pre-trained model this provider trains on: its 0G Storage root hash and display name. */
    public record Model(String name, String hash) {
    }

    /**
     * @param url               the public URL registered on chain (where users reach this server)
     * @param pricePerToken     neuron per training token (per epoch)
     * @param models            supported pre-trained models; their names are published on chain
     * @param trainer           {@code dev} = {@link DevTrainer} (built-in, pure Java, CPU) or {@code command}
     *                          (the official executor interface, see {@link Executor})
     * @param workDir           datasets, task working directories and encrypted models
     * @param maxTaskQueueSize  at most this many tasks wait or run at once
     * @param maxDatasetBytes   upload limit (413 above it)
     * @param ackTimeout        a delivered model not acknowledged within min(this, lockTime/2) is settled with
     *                          the penalty share and no key
     * @param pollInterval      how often the pollers run
     * @param maxRetries        failed attempts per step before a task is marked Failed
     * @param signatureWindow   accepted clock difference of signed upload/download timestamps
     */
    public record Service(String url, Quota quota, BigInteger pricePerToken, List<Model> models, String trainer,
            Path workDir, int maxTaskQueueSize, long maxDatasetBytes, Duration ackTimeout, Duration pollInterval,
            int maxRetries, Duration signatureWindow) {

        public Service {
            models = List.copyOf(models);
        }
    }
}
