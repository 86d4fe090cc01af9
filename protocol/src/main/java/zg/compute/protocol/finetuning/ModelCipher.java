package zg.compute.protocol.finetuning;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Random;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import zg.compute.protocol.eip712.DigestSigner;

/**
 * The encrypted fine-tuned model file, as the official SDK's {@code aesGCMDecryptToFile} reads it:
 * {@code [tagSig 65][IV 12][chunk_0][chunk_1]…}. Each chunk is AES-256-GCM (no AAD) of up to
 * 64 MiB of plaintext, stored as ciphertext ‖ 16-byte tag; chunk k uses the initial IV + k as a
 * 96-bit big-endian counter. {@code tagSig} is a raw secp256k1 r‖s‖v signature (no EIP-191 prefix)
 * by the provider's TEE signer over keccak256(tag_0 ‖ tag_1 ‖ …). Both directions stream: at most
 * one chunk is in memory.
 */
public final class ModelCipher {

    /** Plaintext bytes per chunk on the wire (the official reader reads 64 MiB + 16 at a time). */
    public static final int CHUNK_SIZE = 64 * 1024 * 1024;

    private static final int SIG_LENGTH = 65;
    private static final int IV_LENGTH = 12;
    private static final int TAG_LENGTH = 16;
    private static final int HEADER_LENGTH = SIG_LENGTH + IV_LENGTH;

    private final int chunkSize;
    private final Random ivSource;

    public ModelCipher() {
        this(CHUNK_SIZE, new SecureRandom());
    }

    /** Another chunk size and IV source, so tests can cover many chunks and IV carries cheaply. */
    ModelCipher(int chunkSize, Random ivSource) {
        if (chunkSize <= 0) {
            throw new IllegalArgumentException("chunk size must be positive: " + chunkSize);
        }
        this.chunkSize = chunkSize;
        this.ivSource = ivSource;
    }

    /**
     * Encrypts {@code plaintext} into {@code out} with {@code key} (32 bytes) under a fresh random
     * IV and signs the tags with {@code teeSigner}. An empty plaintext still yields one (empty)
     * chunk so that the signature covers a tag.
     */
    public void encrypt(byte[] key, Path plaintext, Path out, Credentials teeSigner) throws IOException {
        SecretKeySpec aesKey = aesKey(key);
        byte[] iv = new byte[IV_LENGTH];
        ivSource.nextBytes(iv);
        boolean done = false;
        try (InputStream in = Files.newInputStream(plaintext);
                FileChannel channel = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(channel, ByteBuffer.allocate(SIG_LENGTH)); // placeholder until all tags are known
            writeFully(channel, ByteBuffer.wrap(iv.clone()));
            ByteArrayOutputStream tags = new ByteArrayOutputStream();
            // a small model needs no 64 MiB buffer; a file that grows meanwhile is cut at this size
            byte[] chunk = new byte[(int) Math.min(chunkSize, Files.size(plaintext))];
            byte[] sealed = new byte[chunk.length + TAG_LENGTH];
            int read;
            do {
                read = in.readNBytes(chunk, 0, chunk.length);
                if (read == 0 && tags.size() > 0) {
                    break;
                }
                int length = gcm(Cipher.ENCRYPT_MODE, aesKey, iv).doFinal(chunk, 0, read, sealed, 0);
                writeFully(channel, ByteBuffer.wrap(sealed, 0, length));
                tags.write(sealed, length - TAG_LENGTH, TAG_LENGTH);
                increment(iv);
            } while (read == chunkSize);
            byte[] tagSig = DigestSigner.sign(Hash.sha3(tags.toByteArray()), teeSigner.getEcKeyPair());
            channel.write(ByteBuffer.wrap(tagSig), 0);
            done = true;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM encryption failed", e);
        } finally {
            if (!done) {
                Files.deleteIfExists(out);
            }
        }
    }

    /**
     * Decrypts {@code encrypted} into {@code out}. The tag signature is checked first (the tags sit
     * at known offsets), so a model not signed by {@code expectedSigner} is never written; on any
     * failure {@code out} is deleted.
     *
     * @throws FineTuningCryptoException "Invalid tag signature …", a truncated file, or a chunk
     *     that fails authentication (wrong key or corrupted data)
     */
    public void decrypt(byte[] key, Path encrypted, Path out, String expectedSigner) throws IOException {
        SecretKeySpec aesKey = aesKey(key);
        boolean done = false;
        try (FileChannel in = FileChannel.open(encrypted, StandardOpenOption.READ)) {
            Layout layout = Layout.of(in.size(), chunkSize);
            byte[] tagSig = readAt(in, 0, SIG_LENGTH);
            byte[] iv = readAt(in, SIG_LENGTH, IV_LENGTH);
            checkTagSignature(in, layout, tagSig, expectedSigner);
            try (OutputStream os = Files.newOutputStream(out)) {
                byte[] sealed = new byte[layout.chunks() == 0 ? 0 : layout.chunkLength(0)];
                byte[] plain = new byte[Math.max(0, sealed.length - TAG_LENGTH)];
                for (long k = 0; k < layout.chunks(); k++) {
                    int length = layout.chunkLength(k);
                    ByteBuffer buffer = ByteBuffer.wrap(sealed, 0, length);
                    readFully(in, buffer, layout.chunkOffset(k));
                    os.write(plain, 0, open(aesKey, iv, sealed, length, plain, k));
                    increment(iv);
                }
            }
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(out);
            }
        }
    }

    private void checkTagSignature(FileChannel in, Layout layout, byte[] tagSig, String expectedSigner)
            throws IOException {
        ByteArrayOutputStream tags = new ByteArrayOutputStream();
        for (long k = 0; k < layout.chunks(); k++) {
            tags.writeBytes(readAt(in, layout.chunkOffset(k) + layout.chunkLength(k) - TAG_LENGTH, TAG_LENGTH));
        }
        byte[] signature = tagSig.clone();
        if (signature[64] == 0 || signature[64] == 1) {
            signature[64] += 27; // ethers.recoverAddress accepts a 0/1 recovery id too
        }
        String recovered;
        try {
            recovered = DigestSigner.recover(Hash.sha3(tags.toByteArray()), signature);
        } catch (RuntimeException e) {
            throw new FineTuningCryptoException("Invalid tag signature: it does not recover ("
                    + e.getMessage() + "); expected the provider's TEE signer " + expectedSigner, e);
        }
        if (!recovered.equalsIgnoreCase(expectedSigner)) {
            throw new FineTuningCryptoException("Invalid tag signature: signed by " + recovered
                    + ", not the provider's TEE signer " + expectedSigner
                    + " (the file is truncated or corrupted, or not from this provider)");
        }
    }

    private static int open(SecretKeySpec key, byte[] iv, byte[] sealed, int length, byte[] plain, long chunk) {
        try {
            return gcm(Cipher.DECRYPT_MODE, key, iv).doFinal(sealed, 0, length, plain, 0);
        } catch (AEADBadTagException e) {
            throw new FineTuningCryptoException("Model chunk " + chunk
                    + " failed authentication: wrong key or corrupted file", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM decryption failed", e);
        }
    }

    /** Where chunks sit in a file of a given size: all full except possibly the last. */
    private record Layout(long chunks, long lastLength, int fullLength) {

        static Layout of(long fileSize, int chunkSize) {
            if (fileSize < HEADER_LENGTH) {
                throw new FineTuningCryptoException("Encrypted model file is truncated: " + fileSize
                        + " bytes, shorter than its " + HEADER_LENGTH + "-byte header (signature + IV)");
            }
            long body = fileSize - HEADER_LENGTH;
            int full = chunkSize + TAG_LENGTH;
            long remainder = body % full;
            if (remainder != 0 && remainder < TAG_LENGTH) {
                throw new FineTuningCryptoException("Encrypted model file is truncated: its last chunk has "
                        + remainder + " bytes, shorter than a " + TAG_LENGTH + "-byte GCM tag");
            }
            long chunks = body / full + (remainder == 0 ? 0 : 1);
            return new Layout(chunks, remainder == 0 ? full : remainder, full);
        }

        long chunkOffset(long k) {
            return HEADER_LENGTH + k * fullLength;
        }

        int chunkLength(long k) {
            return (int) (k == chunks - 1 ? lastLength : fullLength);
        }
    }

    /** The IV as a 96-bit big-endian counter: +1 with carry, wrapping like the official reader. */
    static void increment(byte[] iv) {
        for (int i = iv.length - 1; i >= 0; i--) {
            if (++iv[i] != 0) {
                return;
            }
        }
    }

    private static SecretKeySpec aesKey(byte[] key) {
        if (key.length != 32) {
            throw new FineTuningCryptoException("model key must be 32 bytes (AES-256), got " + key.length);
        }
        return new SecretKeySpec(key, "AES");
    }

    private static Cipher gcm(int mode, SecretKeySpec key, byte[] iv) throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, key, new GCMParameterSpec(TAG_LENGTH * 8, iv.clone()));
        return cipher;
    }

    private static byte[] readAt(FileChannel in, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        readFully(in, buffer, position);
        return buffer.array();
    }

    private static void readFully(FileChannel in, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int n = in.read(buffer, at);
            if (n < 0) {
                throw new FineTuningCryptoException("Encrypted model file ended early at byte " + at);
            }
            at += n;
        }
    }

    private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }
}
