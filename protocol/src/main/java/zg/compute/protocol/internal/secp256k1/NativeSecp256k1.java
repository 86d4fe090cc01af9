package zg.compute.protocol.internal.secp256k1;

import java.math.BigInteger;
import java.security.SignatureException;
import java.util.Arrays;
import org.web3j.crypto.ECDSASignature;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/**
 * libsecp256k1 through JNI ({@code fr.acinq.secp256k1}). Its signatures are RFC 6979 with low s, like web3j's; it
 * handles only the well-formed cases (32-byte hash, key and r, s in [1, n), recovery id 0 or 1) and hands everything
 * else to the web3j fallback, so that odd or bad input gets web3j's exact result or exception.
 */
public final class NativeSecp256k1 implements Secp256k1 {

    private static final BigInteger N = Sign.CURVE_PARAMS.getN();

    private final fr.acinq.secp256k1.Secp256k1 lib;
    private final Secp256k1 fallback;

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
        if (hash == null || hash.length != 32 || !isScalar(d)) {
            return fallback.signHash(hash, key);
        }
        byte[] compact;
        try {
            compact = lib.sign(hash, Numeric.toBytesPadded(d, 32));
        } catch (RuntimeException e) {
            return fallback.signHash(hash, key);
        }
        byte[] r = Arrays.copyOfRange(compact, 0, 32);
        byte[] s = Arrays.copyOfRange(compact, 32, 64);
        // libsecp256k1 does not return the recovery id here. It is the parity of y of the nonce point R, whose x is
        // r: R = k·G with k = s⁻¹·(z + r·d) mod n (for the low s it returned, so the id needs no flip). One fixed-base
        // multiplication (pubkeyCreate) instead of a public-key recovery, at a third of the cost. Only for a key
        // pair whose halves match, so that the id found for d is the one for the public key web3j would check.
        if (consistent(key)) {
            BigInteger k = new BigInteger(1, s).modInverse(N)
                    .multiply(new BigInteger(1, hash).add(new BigInteger(1, r).multiply(d))).mod(N);
            byte[] point = pointOrNull(k);
            if (point != null && Arrays.equals(point, 1, 33, r, 0, 32)) {
                return new Sign.SignatureData((byte) (27 + (point[64] & 1)), r, s);
            }
            // R.x ≥ n (r = R.x − n; odds ~2^-127): found by recovery
            byte[] q = recoverOrNull(compact, hash, 0);
            if (q != null && key.getPublicKey().equals(new BigInteger(1, Arrays.copyOfRange(q, 1, 65)))) {
                return new Sign.SignatureData((byte) 27, r, s);
            }
        }
        // a key pair whose halves do not match (or the odd case above): web3j decides, or throws
        return Sign.createSignatureData(new ECDSASignature(new BigInteger(1, r), new BigInteger(1, s)),
                key.getPublicKey(), hash);
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
