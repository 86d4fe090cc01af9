package zg.compute.protocol.finetuning;

import java.math.BigInteger;
import org.web3j.crypto.Credentials;
import zg.compute.protocol.signing.PersonalSign;

/**
 * The user's fine-tuning request signatures, byte-compatible with the official SDK
 * ({@code signRequest}, {@code signTaskID}, {@code signDatasetUpload}, and the inline LoRA-download
 * signature of {@code Provider.downloadLoRAFromTEE}): EIP-191 over the 32-byte digests of
 * {@link FineTuningMessages}, as 0x + r‖s‖v (v ∈ {27, 28}).
 */
public final class FineTuningSignatures {

    private FineTuningSignatures() {
    }

    /** The task nonce the official SDK sends: {@code Date.now() × 10000 + 40}. */
    public static long taskNonce(long nowMillis) {
        return Math.addExact(Math.multiplyExact(nowMillis, 10_000L), 40L);
    }

    public static String taskCreation(Credentials user, String userAddress, BigInteger nonce, String datasetHash) {
        return sign(user, FineTuningMessages.taskCreation(userAddress, nonce, datasetHash));
    }

    public static String cancel(Credentials user, String taskId) {
        return sign(user, FineTuningMessages.cancel(taskId));
    }

    public static String datasetUpload(Credentials user, String userAddressChecksummed, long timestampSec) {
        return sign(user, FineTuningMessages.datasetUpload(userAddressChecksummed, timestampSec));
    }

    /** @param datasetHash {@code 0x} + lower-case hex of keccak256(file) */
    public static String datasetUploadBound(Credentials user, String userAddressChecksummed, long timestampSec,
            String datasetHash) {
        return sign(user, FineTuningMessages.datasetUploadBound(userAddressChecksummed, timestampSec, datasetHash));
    }

    public static String loraDownload(Credentials user, String taskId, long timestampSec) {
        return sign(user, FineTuningMessages.loraDownload(taskId, timestampSec));
    }

    /**
     * The lower-case 0x address that signed {@code message} (one of the {@link FineTuningMessages}
     * digests): the provider side's check.
     *
     * @throws IllegalArgumentException if the signature is malformed
     */
    public static String signer(byte[] message, String signature) {
        return PersonalSign.recover(message, signature);
    }

    private static String sign(Credentials user, byte[] digest) {
        return PersonalSign.sign(digest, user.getEcKeyPair());
    }
}
