package zg.compute.sdk;

import java.math.BigInteger;
import java.time.Instant;

/**
 * A fine-tuning task as the provider reports it (sdk-cli.md §8.5).
 *
 * @param trainingParams the training configuration, a JSON text
 * @param fee            neuron the provider charges (computed by the provider from the dataset's tokens)
 * @param progress       Init, SettingUp, SetUp, Training, Trained, Delivering, Delivered, UserAcknowledged,
 *                       Finished or Failed
 * @param deliverIndex   index of the deliverable on chain
 * @param deliverTime    when it was delivered; null before
 * @param modelType      null when the provider does not say
 * @param waitInQueue    the task was created to wait behind others (JSON {@code wait})
 */
public record FineTuningTask(String id, Instant createdAt, Instant updatedAt, String userAddress,
        String preTrainedModelHash, String datasetHash, String trainingParams, BigInteger fee, BigInteger nonce,
        String signature, String progress, long deliverIndex, Instant deliverTime, String modelType, boolean waitInQueue) {

    /** Whether the task reached an end state (Finished or Failed). */
    public boolean finished() {
        return "Finished".equals(progress) || "Failed".equals(progress);
    }
}
