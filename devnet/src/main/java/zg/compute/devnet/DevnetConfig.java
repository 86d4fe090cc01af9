package zg.compute.devnet;

import java.nio.file.Path;

/**
 * How to start a devnet.
 *
 * @param port              RPC port on 127.0.0.1; 0 picks a free one
 * @param lockTime          refund lock time in seconds, within the contracts' [3600, 604800]
 * @param penaltyPercentage fine-tuning penalty share paid to the provider, 0..100
 * @param infoFile          where to write devnet.json; null writes none
 * @param anvilLog          where anvil's own output goes; null = a temporary file removed on close
 * @param stateDir          where the chain state is kept across restarts ({@code anvil-state.json} and the
 *                          deployment's {@code devnet.json}); null = a fresh chain every start
 */
public record DevnetConfig(int port, long lockTime, long penaltyPercentage, Path infoFile, Path anvilLog,
        Path stateDir) {

    public static final long DEFAULT_LOCK_TIME = 86_400;
    public static final long MIN_LOCK_TIME = 3_600;
    public static final long DEFAULT_PENALTY = 30;
    public static final long CHAIN_ID = 31_337;

    public DevnetConfig {
        if (lockTime < MIN_LOCK_TIME || lockTime > 604_800) {
            throw new IllegalArgumentException("lockTime must be within [3600, 604800] seconds, got " + lockTime);
        }
        if (penaltyPercentage < 0 || penaltyPercentage > 100) {
            throw new IllegalArgumentException("penaltyPercentage must be within [0, 100], got " + penaltyPercentage);
        }
    }

    public static DevnetConfig defaults() {
        return new DevnetConfig(0, DEFAULT_LOCK_TIME, DEFAULT_PENALTY, null, null, null);
    }

    public DevnetConfig withLockTime(long seconds) {
        return new DevnetConfig(port, seconds, penaltyPercentage, infoFile, anvilLog, stateDir);
    }

    public DevnetConfig withPort(int p) {
        return new DevnetConfig(p, lockTime, penaltyPercentage, infoFile, anvilLog, stateDir);
    }

    public DevnetConfig withInfoFile(Path file) {
        return new DevnetConfig(port, lockTime, penaltyPercentage, file, anvilLog, stateDir);
    }

    /** Keeps the chain in {@code dir}: the first start deploys and saves, later starts resume it. */
    public DevnetConfig withStateDir(Path dir) {
        return new DevnetConfig(port, lockTime, penaltyPercentage, infoFile, anvilLog, dir);
    }
}
