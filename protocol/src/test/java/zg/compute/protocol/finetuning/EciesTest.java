package zg.compute.protocol.finetuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static zg.compute.protocol.finetuning.TestKeys.TEE;
import static zg.compute.protocol.finetuning.TestKeys.USER;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

class EciesTest {

    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private final BigInteger userKey = USER.getEcKeyPair().getPrivateKey();
    private final byte[] userPub64 = Numeric.toBytesPadded(USER.getEcKeyPair().getPublicKey(), 64);

    @Test
    void roundTripsWithEveryPublicKeyEncoding() {
        byte[] pub65 = Sign.publicPointFromPrivate(userKey).getEncoded(false);
        byte[] pub33 = Sign.publicPointFromPrivate(userKey).getEncoded(true);
        for (byte[] pub : new byte[][] {userPub64, pub65, pub33}) {
            assertThat(Ecies.decrypt(userKey, Ecies.encrypt(pub, SECRET))).isEqualTo(SECRET);
        }
    }

    @Test
    void payloadIsEphemeralKeyNonceTagCiphertext() {
        byte[] payload = Ecies.encrypt(userPub64, SECRET);
        assertThat(payload).hasSize(65 + 16 + 16 + SECRET.length);
        assertThat(payload[0]).isEqualTo((byte) 0x04); // uncompressed ephemeral key
        assertThat(Ecies.encrypt(userPub64, SECRET)).isNotEqualTo(payload); // fresh ephemeral key and nonce
    }

    @Test
    void hexPayloadsWorkWithAndWithoutPrefix() {
        String hex = Numeric.toHexStringNoPrefix(Ecies.encrypt(userPub64, SECRET));
        assertThat(Ecies.decryptHex(userKey, hex)).isEqualTo(SECRET);
        assertThat(Ecies.decryptHex(userKey, "0x" + hex)).isEqualTo(SECRET);
        assertThatThrownBy(() -> Ecies.decryptHex(userKey, "0x" + hex + "zz"))
                .isInstanceOf(FineTuningCryptoException.class).hasMessage("encrypted secret is not hex");
    }

    @Test
    void anotherKeyCannotOpenIt() {
        byte[] payload = Ecies.encrypt(userPub64, SECRET);
        assertThatThrownBy(() -> Ecies.decrypt(TEE.getEcKeyPair().getPrivateKey(), payload))
                .isInstanceOf(FineTuningCryptoException.class).hasMessageContaining("failed authentication");
    }

    @Test
    void tamperedOrShortPayloadsAreRejected() {
        byte[] payload = Ecies.encrypt(userPub64, SECRET);
        payload[payload.length - 1] ^= 1;
        assertThatThrownBy(() -> Ecies.decrypt(userKey, payload))
                .isInstanceOf(FineTuningCryptoException.class).hasMessageContaining("failed authentication");
        assertThatThrownBy(() -> Ecies.decrypt(userKey, Arrays.copyOf(payload, 90)))
                .isInstanceOf(FineTuningCryptoException.class)
                .hasMessage("ECIES payload too short: 90 bytes, at least 97 expected");
        byte[] notAPoint = payload.clone();
        notAPoint[1] ^= 1;
        assertThatThrownBy(() -> Ecies.decrypt(userKey, notAPoint))
                .isInstanceOf(FineTuningCryptoException.class)
                .hasMessageContaining("ECIES ephemeral public key is not a secp256k1 point");
    }
}
