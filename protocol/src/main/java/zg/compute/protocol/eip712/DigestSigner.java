package zg.compute.protocol.eip712;

import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;
import zg.compute.protocol.internal.secp256k1.Secp256k1;

/**
 * Signs a 32-byte digest as it is (no EIP-191 prefix) and recovers signers, in the 65-byte
 * r‖s‖v form (v ∈ {27, 28}, low-s) that OpenZeppelin's ECDSA.tryRecover accepts. The curve work goes through
 * {@link Secp256k1} (native when it loads); results are web3j's, byte for byte.
 */
public final class DigestSigner {

    private DigestSigner() {
    }

    public static byte[] sign(byte[] digest, ECKeyPair key) {
        Sign.SignatureData sig = Secp256k1.get().signHash(digest, key);
        byte[] out = new byte[65];
        System.arraycopy(sig.getR(), 0, out, 0, 32);
        System.arraycopy(sig.getS(), 0, out, 32, 32);
        out[64] = sig.getV()[0];
        return out;
    }

    /** The 0x-prefixed lower-case address that produced {@code signature} over {@code digest}. */
    public static String recover(byte[] digest, byte[] signature) {
        if (signature.length != 65) {
            throw new IllegalArgumentException("signature must be 65 bytes, got " + signature.length);
        }
        byte v = signature[64];
        byte[] r = java.util.Arrays.copyOfRange(signature, 0, 32);
        byte[] s = java.util.Arrays.copyOfRange(signature, 32, 64);
        try {
            java.math.BigInteger pub = Secp256k1.get().recoverKey(digest, new Sign.SignatureData(v, r, s));
            return Numeric.prependHexPrefix(Keys.getAddress(pub));
        } catch (java.security.SignatureException e) {
            throw new IllegalArgumentException("invalid signature: " + e.getMessage(), e);
        }
    }
}
