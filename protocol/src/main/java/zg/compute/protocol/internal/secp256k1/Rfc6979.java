package zg.compute.protocol.internal.secp256k1;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.web3j.utils.Numeric;

/**
 * The first deterministic ECDSA nonce of RFC 6979 (HMAC-SHA256, 256-bit group order): the k web3j's signer
 * (BouncyCastle's {@code HMacDSAKCalculator}) and libsecp256k1 both take for a key and a 32-byte hash. Computing it
 * here lets the signer make the nonce point itself, so that one fixed-base multiplication gives r and the recovery
 * id together.
 */
final class Rfc6979 {

    private static final String HMAC = "HmacSHA256";

    private Rfc6979() {
    }

    /**
     * k for private key {@code d} (1 ≤ d &lt; n) and {@code hash} (32 bytes), in [1, n).
     *
     * @throws IllegalStateException if the JDK has no HMAC-SHA256 (every JDK 17 has)
     */
    static BigInteger nonce(BigInteger d, byte[] hash, BigInteger n) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            byte[] x = Numeric.toBytesPadded(d, 32);
            BigInteger z = new BigInteger(1, hash);
            // bits2octets: the hash reduced mod n
            byte[] h = Numeric.toBytesPadded(z.compareTo(n) >= 0 ? z.subtract(n) : z, 32);
            byte[] v = new byte[32];
            Arrays.fill(v, (byte) 1);
            byte[] k = new byte[32];
            for (byte round = 0; round <= 1; round++) {
                mac.init(new SecretKeySpec(k, HMAC));
                mac.update(v);
                mac.update(round);
                mac.update(x);
                mac.update(h);
                k = mac.doFinal();
                mac.init(new SecretKeySpec(k, HMAC));
                v = mac.doFinal(v);
            }
            while (true) {
                v = mac.doFinal(v);
                BigInteger candidate = new BigInteger(1, v);
                if (candidate.signum() > 0 && candidate.compareTo(n) < 0) {
                    return candidate;
                }
                mac.update(v);
                mac.update((byte) 0);
                k = mac.doFinal();
                mac.init(new SecretKeySpec(k, HMAC));
                v = mac.doFinal(v);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable: " + e.getMessage(), e);
        }
    }
}
