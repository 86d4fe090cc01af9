package zg.compute.protocol.signing;

import java.math.BigInteger;
import java.security.SignatureException;
import java.util.Arrays;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/**
 * EIP-191 {@code personal_sign}: {@code keccak256("\x19Ethereum Signed Message:\n" + len + message)},
 * secp256k1, encoded as 0x + r‖s‖v with v ∈ {27, 28} (132 characters).
 */
public final class PersonalSign {

    private PersonalSign() {
    }

    public static String sign(byte[] message, ECKeyPair key) {
        Sign.SignatureData sig = Sign.signPrefixedMessage(message, key);
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
            BigInteger pub = Sign.signedPrefixedMessageToKey(message,
                    new Sign.SignatureData(v, Arrays.copyOfRange(sig, 0, 32), Arrays.copyOfRange(sig, 32, 64)));
            return Numeric.prependHexPrefix(Keys.getAddress(pub));
        } catch (SignatureException | RuntimeException e) {
            throw new IllegalArgumentException("signature does not recover: " + e.getMessage());
        }
    }
}
