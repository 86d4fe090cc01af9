package zg.compute.protocol.finetuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static zg.compute.protocol.finetuning.TestKeys.TEE;
import static zg.compute.protocol.finetuning.TestKeys.USER;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Hash;
import zg.compute.protocol.eip712.DigestSigner;

class ModelCipherTest {

    private static final int CHUNK = 64;
    private static final int HEADER = 65 + 12;

    @TempDir
    Path dir;

    private final byte[] key = bytes(32, 7);
    private final ModelCipher small = new ModelCipher(CHUNK, new Random(1));

    @Test
    void roundTripsAtTheWireChunkSize() throws IOException {
        byte[] plain = bytes(100_000, 1);
        Path enc = encrypt(new ModelCipher(), plain);
        assertThat(Files.size(enc)).isEqualTo(HEADER + plain.length + 16);
        assertThat(decrypt(new ModelCipher(), enc)).isEqualTo(plain);
    }

    @Test
    void roundTripsAcrossManyChunksIncludingExactMultiplesAndEmptyFiles() throws IOException {
        for (int size : new int[] {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK, 5 * CHUNK + 7}) {
            byte[] plain = bytes(size, size);
            Path enc = encrypt(small, plain);
            int chunks = Math.max(1, (size + CHUNK - 1) / CHUNK);
            assertThat(Files.size(enc)).as("size %d", size).isEqualTo(HEADER + size + 16L * chunks);
            assertThat(decrypt(small, enc)).as("size %d", size).isEqualTo(plain);
        }
    }

    @Test
    void theIvIsABigEndianCounterThatCarriesAcrossBytes() throws Exception {
        byte[] initialIv = new byte[12];
        Arrays.fill(initialIv, 10, 12, (byte) 0xff); // 00…00 ff ff: chunk 1 must use 00…01 00 00
        ModelCipher cipher = new ModelCipher(CHUNK, fixedIv(initialIv));
        byte[] plain = bytes(3 * CHUNK, 3);
        Path enc = encrypt(cipher, plain);
        byte[] file = Files.readAllBytes(enc);
        assertThat(Arrays.copyOfRange(file, 65, HEADER)).isEqualTo(initialIv);

        byte[] chunk1Iv = new byte[12];
        chunk1Iv[9] = 1;
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        gcm.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, chunk1Iv));
        int chunk1 = HEADER + CHUNK + 16;
        assertThat(gcm.doFinal(file, chunk1, CHUNK + 16)).isEqualTo(Arrays.copyOfRange(plain, CHUNK, 2 * CHUNK));
        assertThat(decrypt(cipher, enc)).isEqualTo(plain);
    }

    @Test
    void theCounterWrapsLikeTheOfficialReader() {
        byte[] iv = new byte[12];
        Arrays.fill(iv, (byte) 0xff);
        ModelCipher.increment(iv);
        assertThat(iv).isEqualTo(new byte[12]);
    }

    @Test
    void tagSignatureIsRawOverTheConcatenatedTags() throws IOException {
        byte[] file = Files.readAllBytes(encrypt(small, bytes(2 * CHUNK + 5, 4)));
        byte[] tags = new byte[48];
        System.arraycopy(file, HEADER + CHUNK, tags, 0, 16);
        System.arraycopy(file, HEADER + 2 * (CHUNK + 16) - 16, tags, 16, 16);
        System.arraycopy(file, file.length - 16, tags, 32, 16);
        assertThat(DigestSigner.recover(Hash.sha3(tags), Arrays.copyOf(file, 65))).isEqualTo(TEE.getAddress());
    }

    @Test
    void aZeroOrOneRecoveryIdIsAcceptedAsEthersDoes() throws IOException {
        byte[] plain = bytes(10, 5);
        Path enc = encrypt(small, plain);
        byte[] file = Files.readAllBytes(enc);
        file[64] -= 27;
        Files.write(enc, file);
        assertThat(decrypt(small, enc)).isEqualTo(plain);
    }

    @Test
    void aModelSignedBySomeoneElseIsRejectedAndNoOutputRemains() throws IOException {
        Path enc = encrypt(small, bytes(3 * CHUNK, 6));
        Path out = dir.resolve("model.zip");
        Files.writeString(out, "stale output from an earlier attempt");
        assertThatThrownBy(() -> small.decrypt(key, enc, out, USER.getAddress()))
                .isInstanceOf(FineTuningCryptoException.class)
                .hasMessageStartingWith("Invalid tag signature: signed by " + TEE.getAddress()
                        + ", not the provider's TEE signer " + USER.getAddress());
        assertThat(out).doesNotExist();
    }

    @Test
    void aWrongKeyOrFlippedCiphertextByteFailsAuthenticationAndNoOutputRemains() throws IOException {
        Path enc = encrypt(small, bytes(3 * CHUNK, 7));
        Path out = dir.resolve("model.zip");
        assertThatThrownBy(() -> small.decrypt(bytes(32, 99), enc, out, TEE.getAddress()))
                .isInstanceOf(FineTuningCryptoException.class)
                .hasMessage("Model chunk 0 failed authentication: wrong key or corrupted file");
        assertThat(out).doesNotExist();

        byte[] file = Files.readAllBytes(enc);
        file[HEADER + CHUNK + 16 + 3] ^= 1; // a ciphertext byte of chunk 1; tags and signature intact
        Files.write(enc, file);
        assertThatThrownBy(() -> small.decrypt(key, enc, out, TEE.getAddress()))
                .isInstanceOf(FineTuningCryptoException.class)
                .hasMessage("Model chunk 1 failed authentication: wrong key or corrupted file");
        assertThat(out).doesNotExist();
    }

    @Test
    void truncatedFilesGetAClearError() throws IOException {
        Path enc = encrypt(small, bytes(2 * CHUNK + 20, 8));
        byte[] file = Files.readAllBytes(enc);
        Path out = dir.resolve("model.zip");

        Files.write(enc, Arrays.copyOf(file, 40));
        assertThatThrownBy(() -> small.decrypt(key, enc, out, TEE.getAddress()))
                .isInstanceOf(FineTuningCryptoException.class)
                .hasMessage("Encrypted model file is truncated: 40 bytes, shorter than its 77-byte header "
                        + "(signature + IV)");

        Files.write(enc, Arrays.copyOf(file, HEADER + 2 * (CHUNK + 16) + 9));
        assertThatThrownBy(() -> small.decrypt(key, enc, out, TEE.getAddress()))
                .isInstanceOf(FineTuningCryptoException.class)
                .hasMessage("Encrypted model file is truncated: its last chunk has 9 bytes, shorter than a "
                        + "16-byte GCM tag");

        Files.write(enc, Arrays.copyOf(file, file.length - 5)); // the last "tag" is now other bytes
        assertThatThrownBy(() -> small.decrypt(key, enc, out, TEE.getAddress()))
                .isInstanceOf(FineTuningCryptoException.class)
                .hasMessageStartingWith("Invalid tag signature")
                .hasMessageContaining("truncated or corrupted");
        assertThat(out).doesNotExist();
    }

    @Test
    void keysMustBeAes256() {
        assertThatThrownBy(() -> small.encrypt(new byte[16], dir.resolve("x"), dir.resolve("y"), TEE))
                .isInstanceOf(FineTuningCryptoException.class)
                .hasMessage("model key must be 32 bytes (AES-256), got 16");
    }

    private Path encrypt(ModelCipher cipher, byte[] plain) throws IOException {
        Path in = Files.write(Files.createTempFile(dir, "plain", ".bin"), plain);
        Path enc = Files.createTempFile(dir, "model", ".enc");
        cipher.encrypt(key, in, enc, TEE);
        return enc;
    }

    private byte[] decrypt(ModelCipher cipher, Path enc) throws IOException {
        Path out = Files.createTempFile(dir, "model", ".zip");
        cipher.decrypt(key, enc, out, TEE.getAddress().toUpperCase().replace("0X", "0x"));
        return Files.readAllBytes(out);
    }

    private static byte[] bytes(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** An IV source that always yields {@code iv}, to pin the counter's starting point. */
    private static Random fixedIv(byte[] iv) {
        return new Random() {
            @Override
            public void nextBytes(byte[] into) {
                System.arraycopy(iv, 0, into, 0, into.length);
            }
        };
    }
}
