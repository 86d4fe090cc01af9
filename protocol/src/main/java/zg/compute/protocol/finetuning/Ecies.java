package zg.compute.protocol.finetuning;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.math.ec.ECPoint;
import org.web3j.utils.Numeric;

/**
 * ECIES as eciesjs 0.4.x does it by default, which is how a provider wraps the model key for the
 * user ({@code deliverable.encryptedSecret}): secp256k1; payload = ephemeral public key (65 B,
 * uncompressed) ‖ nonce (16 B) ‖ GCM tag (16 B) ‖ ciphertext; AES-256-GCM key =
 * HKDF-SHA256(ephemeralPub(65) ‖ uncompressed ECDH point(65), no salt, no info, 32 B).
 */
public final class Ecies {

    private static final X9ECParameters CURVE = CustomNamedCurves.getByName("secp256k1");
    private static final int PUBLIC_KEY_LENGTH = 65;
    private static final int NONCE_LENGTH = 16;
    private static final int TAG_LENGTH = 16;
    private static final int HEADER_LENGTH = PUBLIC_KEY_LENGTH + NONCE_LENGTH + TAG_LENGTH;

    private Ecies() {
    }

    /**
     * Encrypts to {@code recipientPublicKey}: 65 bytes (04‖x‖y), 64 bytes (x‖y, web3j/Ethereum
     * style) or 33 bytes (compressed), as eciesjs accepts.
     */
    public static byte[] encrypt(byte[] recipientPublicKey, byte[] plaintext) {
        ECPoint recipient = decodePoint(recipientPublicKey, "recipient public key");
        SecureRandom random = new SecureRandom();
        BigInteger ephemeral;
        do {
            ephemeral = new BigInteger(1, randomBytes(random, 32));
        } while (ephemeral.signum() == 0 || ephemeral.compareTo(CURVE.getN()) >= 0);
        byte[] ephemeralPub = CURVE.getG().multiply(ephemeral).normalize().getEncoded(false);
        byte[] key = sharedKey(ephemeralPub, recipient.multiply(ephemeral));
        byte[] nonce = randomBytes(random, NONCE_LENGTH);
        byte[] sealed = aesGcm(Cipher.ENCRYPT_MODE, key, nonce, plaintext); // ciphertext ‖ tag
        int ciphertextLength = sealed.length - TAG_LENGTH;
        byte[] out = new byte[HEADER_LENGTH + ciphertextLength];
        System.arraycopy(ephemeralPub, 0, out, 0, PUBLIC_KEY_LENGTH);
        System.arraycopy(nonce, 0, out, PUBLIC_KEY_LENGTH, NONCE_LENGTH);
        System.arraycopy(sealed, ciphertextLength, out, PUBLIC_KEY_LENGTH + NONCE_LENGTH, TAG_LENGTH);
        System.arraycopy(sealed, 0, out, HEADER_LENGTH, ciphertextLength);
        return out;
    }

    /** Opens an eciesjs payload with the recipient's private key. */
    public static byte[] decrypt(BigInteger privateKey, byte[] payload) {
        if (payload.length < HEADER_LENGTH) {
            throw new FineTuningCryptoException("ECIES payload too short: " + payload.length
                    + " bytes, at least " + HEADER_LENGTH + " expected");
        }
        byte[] ephemeralPub = Arrays.copyOfRange(payload, 0, PUBLIC_KEY_LENGTH);
        ECPoint ephemeral = decodePoint(ephemeralPub, "ECIES ephemeral public key");
        byte[] key = sharedKey(ephemeralPub, ephemeral.multiply(privateKey));
        byte[] nonce = Arrays.copyOfRange(payload, PUBLIC_KEY_LENGTH, PUBLIC_KEY_LENGTH + NONCE_LENGTH);
        byte[] sealed = new byte[payload.length - PUBLIC_KEY_LENGTH - NONCE_LENGTH];
        int ciphertextLength = payload.length - HEADER_LENGTH;
        System.arraycopy(payload, HEADER_LENGTH, sealed, 0, ciphertextLength);
        System.arraycopy(payload, PUBLIC_KEY_LENGTH + NONCE_LENGTH, sealed, ciphertextLength, TAG_LENGTH);
        return aesGcm(Cipher.DECRYPT_MODE, key, nonce, sealed);
    }

    /**
     * {@link #decrypt} of a hex payload with or without 0x, as the official {@code eciesDecrypt}
     * takes {@code deliverable.encryptedSecret}. Unlike Node's {@code Buffer.from(hex)}, which
     * silently stops at the first bad character, bad hex is an error here.
     */
    public static byte[] decryptHex(BigInteger privateKey, String payloadHex) {
        String hex = Numeric.cleanHexPrefix(payloadHex.strip());
        if (hex.length() % 2 != 0 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new FineTuningCryptoException("encrypted secret is not hex");
        }
        return decrypt(privateKey, Numeric.hexStringToByteArray(hex));
    }

    private static byte[] sharedKey(byte[] ephemeralPub, ECPoint sharedPoint) {
        byte[] shared = sharedPoint.normalize().getEncoded(false);
        byte[] ikm = new byte[ephemeralPub.length + shared.length];
        System.arraycopy(ephemeralPub, 0, ikm, 0, ephemeralPub.length);
        System.arraycopy(shared, 0, ikm, ephemeralPub.length, shared.length);
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(ikm, null, null));
        byte[] key = new byte[32];
        hkdf.generateBytes(key, 0, key.length);
        return key;
    }

    private static ECPoint decodePoint(byte[] encoded, String what) {
        byte[] bytes = encoded;
        if (encoded.length == 64) {
            bytes = new byte[65];
            bytes[0] = 0x04;
            System.arraycopy(encoded, 0, bytes, 1, 64);
        }
        try {
            ECPoint point = CURVE.getCurve().decodePoint(bytes);
            if (point.isInfinity()) {
                throw new IllegalArgumentException("point at infinity");
            }
            return point;
        } catch (IllegalArgumentException e) {
            throw new FineTuningCryptoException(what + " is not a secp256k1 point: " + e.getMessage(), e);
        }
    }

    private static byte[] aesGcm(int mode, byte[] key, byte[] nonce, byte[] input) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_LENGTH * 8, nonce));
            return cipher.doFinal(input);
        } catch (AEADBadTagException e) {
            throw new FineTuningCryptoException(
                    "ECIES payload failed authentication: not encrypted to this key, or corrupted", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM unavailable in this JVM", e);
        }
    }

    private static byte[] randomBytes(SecureRandom random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }
}
