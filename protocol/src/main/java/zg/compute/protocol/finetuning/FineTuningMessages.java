package zg.compute.protocol.finetuning;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/**
 * The 32-byte digests a fine-tuning user EIP-191-signs (the official SDK signs the digest's
 * bytes, not its hex). Signing lives in {@link FineTuningSignatures}; a provider verifies with
 * {@code PersonalSign.recover(FineTuningMessages.xxx(...), signature)}.
 */
public final class FineTuningMessages {

    private FineTuningMessages() {
    }

    /**
     * Task creation: {@code solidityPackedKeccak256(['address','uint256','string'], [user, nonce,
     * datasetHash])} = keccak256(20-byte address ‖ 32-byte big-endian nonce ‖ UTF-8 datasetHash
     * exactly as given).
     */
    public static byte[] taskCreation(String userAddress, BigInteger nonce, String datasetHash) {
        byte[] address = Numeric.hexStringToByteArray(requireAddress(userAddress));
        if (nonce.signum() < 0 || nonce.bitLength() > 256) {
            throw new IllegalArgumentException("nonce must fit in uint256: " + nonce);
        }
        ByteArrayOutputStream packed = new ByteArrayOutputStream();
        packed.writeBytes(address);
        packed.writeBytes(Numeric.toBytesPadded(nonce, 32));
        packed.writeBytes(datasetHash.getBytes(StandardCharsets.UTF_8));
        return Hash.sha3(packed.toByteArray());
    }

    /** Task cancel: keccak256 of the task ID's hex digits without '-' decoded (16 bytes for a UUID). */
    public static byte[] cancel(String taskId) {
        String hex = taskId.replace("-", "");
        if (hex.isEmpty() || hex.length() % 2 != 0 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new IllegalArgumentException("task ID must be hex digits and '-' (a UUID): " + taskId);
        }
        return Hash.sha3(Numeric.hexStringToByteArray(hex));
    }

    /**
     * Direct TEE dataset upload: keccak256(utf8(userAddress + timestampSec)). The SDK passes the
     * checksummed address, and the text is case-sensitive, so pass it exactly as the SDK does.
     */
    public static byte[] datasetUpload(String userAddress, long timestampSec) {
        return Hash.sha3((userAddress + timestampSec).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Dataset upload bound to its content (this project's extension, accepted beside
     * {@link #datasetUpload}): keccak256(utf8(userAddress + timestampSec + datasetHash)), datasetHash =
     * {@code 0x} + lower-case hex of keccak256(file). The official SDK's message names no content, so a
     * captured signature of it could carry any file within its time window; this one fits one file only.
     */
    public static byte[] datasetUploadBound(String userAddress, long timestampSec, String datasetHash) {
        return Hash.sha3((userAddress + timestampSec + datasetHash).getBytes(StandardCharsets.UTF_8));
    }

    /** LoRA download from the TEE: keccak256(utf8(taskIdWithoutDashes + timestampSec)). */
    public static byte[] loraDownload(String taskId, long timestampSec) {
        return Hash.sha3((taskId.replace("-", "") + timestampSec).getBytes(StandardCharsets.UTF_8));
    }

    private static String requireAddress(String address) {
        String hex = Numeric.cleanHexPrefix(address);
        if (hex.length() != 40 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new IllegalArgumentException("not an address: " + address);
        }
        return hex;
    }
}
