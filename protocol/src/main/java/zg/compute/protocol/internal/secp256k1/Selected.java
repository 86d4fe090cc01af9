package zg.compute.protocol.internal.secp256k1;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Sign;

/**
 * Chooses the implementation once per JVM (class initialisation) and says at INFO which one. The native one must
 * load and then agree with web3j on a known-answer check; {@code -Dzg.secp256k1=web3j} forces pure Java.
 */
final class Selected {

    static final String PROPERTY = "zg.secp256k1";
    static final Secp256k1 INSTANCE = select();

    private Selected() {
    }

    private static Secp256k1 select() {
        Logger log = LoggerFactory.getLogger(Secp256k1.class);
        Web3jSecp256k1 web3j = new Web3jSecp256k1();
        if ("web3j".equalsIgnoreCase(System.getProperty(PROPERTY, ""))) {
            log.info("secp256k1: {} (-D{}=web3j)", web3j.name(), PROPERTY);
            return web3j;
        }
        try {
            NativeSecp256k1 nat = NativeSecp256k1.load(web3j);
            String disagreement = disagreement(nat, web3j);
            if (disagreement == null) {
                log.info("secp256k1: {}", nat.name());
                return nat;
            }
            log.info("secp256k1: {}; native library loaded but {}", web3j.name(), disagreement);
        } catch (LinkageError | RuntimeException e) {
            log.info("secp256k1: {}; native library not loaded: {}", web3j.name(), e.toString());
        }
        return web3j;
    }

    /** Null when both sign and recover alike on a fixed key and message; otherwise what differs. */
    private static String disagreement(Secp256k1 candidate, Secp256k1 reference) throws RuntimeException {
        ECKeyPair key = ECKeyPair.create(new BigInteger(1, Hash.sha3("zg-compute secp256k1 self-check key"
                .getBytes(StandardCharsets.UTF_8))));
        byte[] hash = Hash.sha3("zg-compute secp256k1 self-check message".getBytes(StandardCharsets.UTF_8));
        Sign.SignatureData expected = reference.signHash(hash, key);
        Sign.SignatureData actual = candidate.signHash(hash, key);
        if (!Arrays.equals(expected.getR(), actual.getR()) || !Arrays.equals(expected.getS(), actual.getS())
                || !Arrays.equals(expected.getV(), actual.getV())) {
            return "its signature differs from web3j's";
        }
        try {
            if (!candidate.recoverKey(hash, expected).equals(key.getPublicKey())) {
                return "its recovered key differs from web3j's";
            }
        } catch (java.security.SignatureException e) {
            return "it does not recover: " + e.getMessage();
        }
        return null;
    }
}
