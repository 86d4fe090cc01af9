package zg.compute.protocol.finetuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static zg.compute.protocol.finetuning.TestKeys.USER;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.utils.Numeric;

class FineTuningSignaturesTest {

    private static final String TASK_ID = "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9";
    private final String user = Keys.toChecksumAddress(USER.getAddress());

    @Test
    void nonceIsMillisTimesTenThousandPlusForty() {
        assertThat(FineTuningSignatures.taskNonce(1_764_000_000_123L)).isEqualTo(17_640_000_001_230_040L);
    }

    @Test
    void taskCreationDigestIsThePackedAddressNonceAndString() {
        byte[] packed = Numeric.hexStringToByteArray(USER.getAddress().substring(2)
                + "00000000000000000000000000000000000000000000000000000000000004d2"
                + Numeric.toHexStringNoPrefix("0xAbC".getBytes(StandardCharsets.UTF_8)));
        assertThat(FineTuningMessages.taskCreation(user, BigInteger.valueOf(1234), "0xAbC"))
                .isEqualTo(Hash.sha3(packed));
    }

    @Test
    void cancelDigestIsKeccakOfTheSixteenUuidBytes() {
        assertThat(FineTuningMessages.cancel(TASK_ID))
                .isEqualTo(Hash.sha3(Numeric.hexStringToByteArray("0a1b2c3d4e5f60718293a4b5c6d7e8f9")));
    }

    @Test
    void textDigestsConcatenateTheirParts() {
        assertThat(FineTuningMessages.datasetUpload(user, 1_764_000_000L))
                .isEqualTo(Hash.sha3((user + "1764000000").getBytes(StandardCharsets.UTF_8)));
        assertThat(FineTuningMessages.loraDownload(TASK_ID, 1_764_000_000L))
                .isEqualTo(Hash.sha3("0a1b2c3d4e5f60718293a4b5c6d7e8f91764000000".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void everySignatureRecoversToTheUser() {
        BigInteger nonce = BigInteger.valueOf(FineTuningSignatures.taskNonce(1_764_000_000_123L));
        assertThat(FineTuningSignatures.signer(FineTuningMessages.taskCreation(user, nonce, "root"),
                FineTuningSignatures.taskCreation(USER, user, nonce, "root"))).isEqualTo(USER.getAddress());
        assertThat(FineTuningSignatures.signer(FineTuningMessages.cancel(TASK_ID),
                FineTuningSignatures.cancel(USER, TASK_ID))).isEqualTo(USER.getAddress());
        assertThat(FineTuningSignatures.signer(FineTuningMessages.datasetUpload(user, 42),
                FineTuningSignatures.datasetUpload(USER, user, 42))).isEqualTo(USER.getAddress());
        assertThat(FineTuningSignatures.signer(FineTuningMessages.loraDownload(TASK_ID, 42),
                FineTuningSignatures.loraDownload(USER, TASK_ID, 42))).isEqualTo(USER.getAddress());
    }

    @Test
    void aSignatureOverOtherInputsRecoversToSomeoneElse() {
        String signature = FineTuningSignatures.datasetUpload(USER, user, 42);
        assertThat(FineTuningSignatures.signer(FineTuningMessages.datasetUpload(user, 43), signature))
                .isNotEqualTo(USER.getAddress());
        // the text is case-sensitive: a lower-case address is a different message
        assertThat(FineTuningSignatures.signer(FineTuningMessages.datasetUpload(user.toLowerCase(), 42), signature))
                .isNotEqualTo(USER.getAddress());
    }

    @Test
    void malformedInputsAreRejectedClearly() {
        assertThatThrownBy(() -> FineTuningMessages.cancel("not-a-uuid"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("task ID must be hex");
        assertThatThrownBy(() -> FineTuningMessages.taskCreation("0x1234", BigInteger.ONE, "root"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("not an address: 0x1234");
        assertThatThrownBy(() -> FineTuningMessages.taskCreation(user, BigInteger.ONE.negate(), "root"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("uint256");
        assertThatThrownBy(() -> FineTuningSignatures.signer(FineTuningMessages.cancel(TASK_ID), "0x1234"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("65 bytes");
    }
}
