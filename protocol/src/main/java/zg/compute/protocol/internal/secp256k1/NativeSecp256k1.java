package zg.compute.protocol.internal.secp256k1;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.security.SignatureException;
import java.util.Arrays;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/**
 * libsecp256k1 through JNI ({@code fr.acinq.secp256k1}). Signatures are RFC 6979 with low s, like web3j's; it
 * handles only the well-formed cases (32-byte hash, key and r, s in [1, n), recovery id 0 or 1) and hands everything
 * else to the web3j fallback, so that odd or bad input gets web3j's exact result or exception.
 */
public final class NativeSecp256k1 implements Secp256k1 {

    private static final BigInteger N = Sign.CURVE_PARAMS.getN();
    private static final BigInteger HALF_N = N.shiftRight(1);

    private final fr.acinq.secp256k1.Secp256k1 lib;
    private final Secp256k1 fallback;
    /** Blinds for the nonce's inverse (see {@link #sOrNull}). */
    private final SecureRandom blinds = new SecureRandom();

    NativeSecp256k1(fr.acinq.secp256k1.Secp256k1 lib, Secp256k1 fallback) {
        this.lib = lib;
        this.fallback = fallback;
    }

    /**
     * Loads the native library (extracted from the jar to the temp directory).
     *
     * @throws LinkageError or RuntimeException when there is no library for this platform or it does not load
     */
    public static NativeSecp256k1 load(Secp256k1 fallback) {
        return new NativeSecp256k1(fr.acinq.secp256k1.Secp256k1.get(), fallback);
    }

    /** The last key pair found consistent: a broker signs with one TEE key, so the check runs once. */
    private volatile ECKeyPair lastConsistent;

    @Override
    public Sign.SignatureData signHash(byte[] hash, ECKeyPair key) {
        BigInteger d = key.getPrivateKey();
        // Only for a key pair whose halves match, so that the id found for d is the one for the public key web3j
        // would check; anything else gets web3j's own result or exception.
        if (hash == null || hash.length != 32 || !isScalar(d) || !consistent(key)) {
            return fallback.signHash(hash, key);
        }
        // libsecp256k1's sign does not return the recovery id, and finding it afterwards cost a second point
        // multiplication. So the nonce point is made here: k by RFC 6979 as web3j and libsecp256k1 take it, R = k·G
        // by libsecp256k1 (one fixed-base multiplication), r = R.x, the id = the parity of R.y, s from libsecp256k1's
        // scalar operations.
        BigInteger k = Rfc6979.nonce(d, hash, N);
        byte[] point = pointOrNull(k);
        if (point == null) {
            return fallback.signHash(hash, key);
        }
        BigInteger r = new BigInteger(1, Arrays.copyOfRange(point, 1, 33));
        if (!isScalar(r)) {
            // R.x ≥ n (odds ~2^-127): r = R.x − n with a recovery id of 2 or 3, web3j's search decides
            return fallback.signHash(hash, key);
        }
        BigInteger s = sOrNull(k, d, r, new BigInteger(1, hash));
        if (s == null) {
            return fallback.signHash(hash, key); // s = 0 needs a next nonce (odds ~2^-256), web3j's loop takes it
        }
        int recId = point[64] & 1;
        if (s.compareTo(HALF_N) > 0) {
            s = N.subtract(s); // low s, as web3j: the signature then belongs to −R, whose y has the other parity
            recId ^= 1;
        }
        return new Sign.SignatureData((byte) (27 + recId), Numeric.toBytesPadded(r, 32), Numeric.toBytesPadded(s, 32));
    }

    /**
     * s = k⁻¹(z + r·d) mod n, or null when it is 0 or libsecp256k1 refuses a step. k and d are secrets, so every
     * product and sum with them runs in libsecp256k1's constant-time scalar code; the one inverse made in Java
     * (BigInteger's time depends on its operand) is of k·b for a fresh random b, a value that says nothing of k.
     */
    private BigInteger sOrNull(BigInteger k, BigInteger d, BigInteger r, BigInteger z) {
        byte[] blindBytes = new byte[32];
        do {
            blinds.nextBytes(blindBytes);
        } while (!isScalar(new BigInteger(1, blindBytes)));
        try {
            BigInteger kb = new BigInteger(1, lib.privKeyTweakMul(Numeric.toBytesPadded(k, 32), blindBytes));
            byte[] kInverse = lib.privKeyTweakMul(Numeric.toBytesPadded(kb.modInverse(N), 32), blindBytes);
            byte[] rd = lib.privKeyTweakMul(Numeric.toBytesPadded(d, 32), Numeric.toBytesPadded(r, 32));
            byte[] e = lib.privKeyTweakAdd(rd, Numeric.toBytesPadded(z.mod(N), 32)); // fails if z + r·d ≡ 0
            BigInteger s = new BigInteger(1, lib.privKeyTweakMul(e, kInverse));
            return isScalar(s) ? s : null;
        } catch (RuntimeException ex) {
            return null;
        }
    }

    /** k·G as 04‖x‖y, or null. */
    private byte[] pointOrNull(BigInteger k) {
        if (!isScalar(k)) {
            return null;
        }
        try {
            byte[] p = lib.pubkeyCreate(Numeric.toBytesPadded(k, 32));
            return p != null && p.length == 65 ? p : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Whether the key pair's public half is its private half's (checked once per key pair, the last one kept). */
    private boolean consistent(ECKeyPair key) {
        if (key == lastConsistent) {
            return true;
        }
        byte[] pub;
        try {
            pub = lib.pubkeyCreate(Numeric.toBytesPadded(key.getPrivateKey(), 32));
        } catch (RuntimeException e) {
            return false;
        }
        boolean ok = pub != null && pub.length == 65
                && key.getPublicKey().equals(new BigInteger(1, Arrays.copyOfRange(pub, 1, 65)));
        if (ok) {
            lastConsistent = key;
        }
        return ok;
    }

    @Override
    public BigInteger recoverKey(byte[] hash, Sign.SignatureData signature) throws SignatureException {
        byte[] r = signature.getR();
        byte[] s = signature.getS();
        byte[] v = signature.getV();
        if (hash == null || hash.length != 32 || r == null || r.length != 32 || s == null || s.length != 32
                || v == null || v.length == 0) {
            return fallback.recoverKey(hash, signature);
        }
        int recId = (v[0] & 0xFF) - 27;
        if ((recId != 0 && recId != 1) || !isScalar(new BigInteger(1, r)) || !isScalar(new BigInteger(1, s))) {
            return fallback.recoverKey(hash, signature);
        }
        byte[] compact = new byte[64];
        System.arraycopy(r, 0, compact, 0, 32);
        System.arraycopy(s, 0, compact, 32, 32);
        byte[] q = recoverOrNull(compact, hash, recId);
        if (q == null) {
            // r is no x coordinate, or the key would be the point at infinity: web3j's exception (or result)
            return fallback.recoverKey(hash, signature);
        }
        return new BigInteger(1, Arrays.copyOfRange(q, 1, 65));
    }

    @Override
    public String name() {
        return "native libsecp256k1 (fr.acinq.secp256k1 JNI)";
    }

    /** The uncompressed public key 04‖x‖y, or null when libsecp256k1 refuses the signature. */
    private byte[] recoverOrNull(byte[] compact, byte[] hash, int recId) {
        try {
            byte[] q = lib.ecdsaRecover(compact, hash, recId);
            return q != null && q.length == 65 ? q : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static boolean isScalar(BigInteger x) {
        return x != null && x.signum() > 0 && x.compareTo(N) < 0;
    }
}
