package zg.compute.protocol.internal.secp256k1;

import java.math.BigInteger;
import java.security.SignatureException;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Sign;

/** Pure Java (web3j over BouncyCastle): the reference behaviour and the fallback. */
public final class Web3jSecp256k1 implements Secp256k1 {

    @Override
    public Sign.SignatureData signHash(byte[] hash, ECKeyPair key) {
        return Sign.signMessage(hash, key, false);
    }

    @Override
    public BigInteger recoverKey(byte[] hash, Sign.SignatureData signature) throws SignatureException {
        return Sign.signedMessageHashToKey(hash, signature);
    }

    @Override
    public String name() {
        return "web3j (pure Java)";
    }
}
