package zg.compute.cli.internal.devnet;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What {@code devnet up} starts.
 *
 * @param port           chain RPC port on 127.0.0.1 (0 = any free port)
 * @param lockTime       refund lock time in seconds
 * @param settleInterval how often the provider brokers settle fees on chain
 * @param upstreamUrl    an OpenAI-compatible model server behind provider 1, or null for the development backend
 * @param upstreamModel  the model name provider 1 publishes when {@code upstreamUrl} is set (null = a default)
 * @param infoFile       where devnet.json goes (null = none)
 * @param stateDir       where the chain and the brokers' databases are kept across restarts (null = fresh each start)
 * @param allServiceTypes besides the two chat providers, one provider per other service type (text-to-image,
 *                        image-editing, embedding, speech-to-text) with its model server; false = chat only
 * @param fineTuning     also the fine-tuning provider ({@code FineTuningNode}); by default with every service type
 */
public record StackConfig(int port, long lockTime, Duration settleInterval, String upstreamUrl, String upstreamModel,
        Path infoFile, Path stateDir, boolean allServiceTypes, boolean fineTuning) {

    /** The fine-tuning provider runs exactly when every service type does. */
    public StackConfig(int port, long lockTime, Duration settleInterval, String upstreamUrl, String upstreamModel,
            Path infoFile, Path stateDir, boolean allServiceTypes) {
        this(port, lockTime, settleInterval, upstreamUrl, upstreamModel, infoFile, stateDir, allServiceTypes,
                allServiceTypes);
    }

    /** The two chat providers only. */
    public StackConfig(int port, long lockTime, Duration settleInterval, String upstreamUrl, String upstreamModel,
            Path infoFile, Path stateDir) {
        this(port, lockTime, settleInterval, upstreamUrl, upstreamModel, infoFile, stateDir, false);
    }

    /** A fresh devnet every start, the two chat providers only. */
    public StackConfig(int port, long lockTime, Duration settleInterval, String upstreamUrl, String upstreamModel,
            Path infoFile) {
        this(port, lockTime, settleInterval, upstreamUrl, upstreamModel, infoFile, null, false);
    }

    public StackConfig {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("--port must be within 0..65535, got " + port);
        }
        if (settleInterval.isNegative() || settleInterval.isZero()) {
            throw new IllegalArgumentException("--settle-interval must be at least 1 second");
        }
        if (upstreamUrl != null && !upstreamUrl.matches("https?://[^/\\s]+(/\\S*)?")) {
            throw new IllegalArgumentException("--upstream must be an http(s) URL, got '" + upstreamUrl + "'");
        }
    }

    /** The same devnet with every service type and the fine-tuning provider (or only chat). */
    public StackConfig withAllServiceTypes(boolean all) {
        return new StackConfig(port, lockTime, settleInterval, upstreamUrl, upstreamModel, infoFile, stateDir, all);
    }

    /** The same devnet with (or without) the fine-tuning provider. */
    public StackConfig withFineTuning(boolean on) {
        return new StackConfig(port, lockTime, settleInterval, upstreamUrl, upstreamModel, infoFile, stateDir,
                allServiceTypes, on);
    }
}
