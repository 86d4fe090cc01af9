package zg.compute.protocol.signing;

import java.math.BigInteger;
import java.security.SignatureException;
import java.util.Arrays;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;
import zg.compute.protocol.internal.secp256k1.Secp256k1;

/**
 * EIP-191 {@code personal_sign}: {@code keccak256("\x19Ethereum Signed Message:\n" + len + message)},
 * secp256k1, encoded as 0x + r‖s‖v with v ∈ {27, 28} (132 characters). The curve work goes through
 * {@link Secp256k1} (native when it loads); results are web3j's, byte for byte.
 */
public final class PersonalSign {

    private PersonalSign() {
    }

    public static String sign(byte[] message, ECKeyPair key) {
        Sign.SignatureData sig = Secp256k1.get().signHash(Sign.getEthereumMessageHash(message), key);
        byte[] out = new byte[65];
        System.arraycopy(sig.getR(), 0, out, 0, 32);
        System.arraycopy(sig.getS(), 0, out, 32, 32);
        out[64] = sig.getV()[0];
        return Numeric.toHexString(out);
    }

    /**
     * The lower-case 0x address whose key produced {@code signatureHex} over {@code message}.
     *
     * @throws IllegalArgumentException if the signature is malformed or does not recover
     */
    public static String recover(byte[] message, String signatureHex) {
        byte[] sig;
        try {
            sig = Numeric.hexStringToByteArray(signatureHex);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("signature is not hex");
        }
        if (sig.length != 65) {
            throw new IllegalArgumentException("signature must be 65 bytes, got " + sig.length);
        }
        byte v = sig[64];
        if (v < 27) {
            v += 27; // some signers emit 0/1
        }
        if (v != 27 && v != 28) {
            throw new IllegalArgumentException("signature has invalid recovery id " + sig[64]);
        }
        try {
            BigInteger pub = signedMessageToKey(message,
                    new Sign.SignatureData(v, Arrays.copyOfRange(sig, 0, 32), Arrays.copyOfRange(sig, 32, 64)));
            return Numeric.prependHexPrefix(Keys.getAddress(pub));
        } catch (SignatureException | RuntimeException e) {
            throw new IllegalArgumentException("signature does not recover: " + e.getMessage());
        }
    }

    /**
     * web3j's {@code Sign.signedPrefixedMessageToKey} (same result, same exceptions), through {@link Secp256k1}:
     * the 64-byte public key x‖y that EIP-191-signed {@code message}.
     */
    public static BigInteger signedMessageToKey(byte[] message, Sign.SignatureData signature)
            throws SignatureException {
        return Secp256k1.get().recoverKey(Sign.getEthereumMessageHash(message), signature);
    }
}
