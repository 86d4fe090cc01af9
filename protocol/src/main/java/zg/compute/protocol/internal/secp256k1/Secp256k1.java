package zg.compute.protocol.internal.secp256k1;

import java.math.BigInteger;
import java.security.SignatureException;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Sign;

/**
 * The one place secp256k1 signing and public-key recovery happen ({@code PersonalSign}, {@code DigestSigner}).
 * Two implementations with byte-identical results: native libsecp256k1 when its library loads (the broker signs
 * every paid response, and pure-Java curve arithmetic dominated its CPU), web3j otherwise. Both speak web3j's
 * types and follow web3j's contract exactly, exceptions and messages included.
 */
public interface Secp256k1 {

    /**
     * Like web3j's {@code Sign.signMessage(hash, key, false)}: RFC 6979 deterministic k, low s, v = 27 + recovery id.
     */
    Sign.SignatureData signHash(byte[] hash, ECKeyPair key);

    /** Like web3j's {@code Sign.signedMessageHashToKey}: the signer's 64-byte public key x‖y as an integer. */
    BigInteger recoverKey(byte[] hash, Sign.SignatureData signature) throws SignatureException;

    /** Which implementation this is, for logs and reports. */
    String name();

    /** The implementation this JVM uses: native when it loaded (and passed its self-check), web3j otherwise. */
    static Secp256k1 get() {
        return Selected.INSTANCE;
    }
}
