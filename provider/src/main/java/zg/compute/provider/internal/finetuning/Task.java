package zg.compute.provider.internal.finetuning;

import java.math.BigInteger;

/**
 * One fine-tuning task row. {@code fee} is 0 until Setup computed it; {@code userPublicKey},
 * {@code tokenCount}, {@code epochs} are set by Setup; {@code outputRootHash} (0x + hex of the raw
 * 32-byte keccak256(encrypted model), the on-chain root) and {@code encryptedSecret} by the Finalizer.
 * The model's AES key itself is never stored. {@code interruptedRuns}: runs of the current step that
 * started and did not conclude (see {@link TaskStore#claim}).
 */
public record Task(String id, long createdAtMillis, long updatedAtMillis, String userAddress,
        String preTrainedModelHash, String datasetHash, String trainingParams, BigInteger fee, BigInteger nonce,
        String signature, Progress progress, boolean waitForQueue, int modelType, long deliverIndex,
        long deliverTimeSeconds, String userPublicKey, Long tokenCount, Long epochs, String outputRootHash,
        String encryptedSecret, int retries, String lastError, int interruptedRuns) {
}
