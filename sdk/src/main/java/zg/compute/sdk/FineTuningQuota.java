package zg.compute.sdk;

import java.math.BigInteger;

/** The hardware a fine-tuning provider declares; the contract enforces no units (e.g. 8, 32, 1, 50000, "H100"). */
public record FineTuningQuota(BigInteger cpuCount, BigInteger nodeMemory, BigInteger gpuCount, BigInteger nodeStorage,
        String gpuType) {
}
