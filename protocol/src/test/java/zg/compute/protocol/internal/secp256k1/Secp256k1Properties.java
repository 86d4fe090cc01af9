package zg.compute.protocol.internal.secp256k1;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/**
 * Properties: for any key and message, native libsecp256k1 signs exactly as web3j does and recovers the signer;
 * for any 65 bytes posing as a signature, it recovers what web3j recovers or fails as web3j fails.
 */
class Secp256k1Properties {

    private static final BigInteger N = Sign.CURVE_PARAMS.getN();
    private static final Web3jSecp256k1 WEB3J = new Web3jSecp256k1();
    private static final NativeSecp256k1 NATIVE = NativeSecp256k1.load(WEB3J);
    /** Fails instead of falling back: what it signs, libsecp256k1 and this class computed alone. */
    private static final NativeSecp256k1 NATIVE_ONLY = NativeSecp256k1.load(new Secp256k1() {
        @Override
        public Sign.SignatureData signHash(byte[] hash, ECKeyPair key) {
            throw new AssertionError("fell back to web3j");
        }

        @Override
        public BigInteger recoverKey(byte[] hash, Sign.SignatureData signature) {
            throw new AssertionError("fell back to web3j");
        }

        @Override
        public String name() {
            return "none";
        }
    });

    @Provide
    Arbitrary<BigInteger> privateKeys() {
        return Arbitraries.bigIntegers().between(BigInteger.ONE, N.subtract(BigInteger.ONE));
    }

    /** Random 32-byte words plus the boundaries of the valid range [1, n). */
    @Provide
    Arbitrary<byte[]> scalars() {
        Arbitrary<BigInteger> edges = Arbitraries.of(BigInteger.ZERO, BigInteger.ONE, N.subtract(BigInteger.ONE), N,
                N.add(BigInteger.ONE), BigInteger.TWO.pow(256).subtract(BigInteger.ONE));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, Arbitraries.bytes().array(byte[].class).ofSize(32)),
                net.jqwik.api.Tuple.of(1, edges.map(x -> Numeric.toBytesPadded(x, 32))));
    }

    @Provide
    Arbitrary<Byte> recoveryBytes() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, Arbitraries.of((byte) 27, (byte) 28)),
                net.jqwik.api.Tuple.of(1, Arbitraries.bytes()));
    }

    @Property(tries = 200)
    void personalSignaturesAreWeb3jsBytes(@ForAll("privateKeys") BigInteger d, @ForAll @Size(max = 600) byte[] message)
            throws Exception {
        ECKeyPair key = ECKeyPair.create(d);
        byte[] hash = Sign.getEthereumMessageHash(message);
        Outcome signed = Outcome.of(() -> NATIVE.signHash(hash, key));
        assertThat(signed).isEqualTo(Outcome.of(() -> WEB3J.signHash(hash, key)));
        assertThat(NATIVE.recoverKey(hash, NATIVE.signHash(hash, key))).isEqualTo(key.getPublicKey());
    }

    @Property(tries = 200)
    void digestSignaturesAreWeb3jsBytes(@ForAll("privateKeys") BigInteger d, @ForAll @Size(32) byte[] digest)
            throws Exception {
        ECKeyPair key = ECKeyPair.create(d);
        Sign.SignatureData sig = NATIVE.signHash(digest, key);
        assertThat(Outcome.of(() -> sig)).isEqualTo(Outcome.of(() -> WEB3J.signHash(digest, key)));
        assertThat(NATIVE.recoverKey(digest, sig)).isEqualTo(WEB3J.recoverKey(digest, sig)).isEqualTo(key.getPublicKey());
    }

    /** The native path signs by itself (no fallback), with web3j's bytes, hashes past the order included. */
    @Property(tries = 200)
    void theNativePathSignsAloneAsWeb3jDoes(@ForAll("privateKeys") BigInteger d, @ForAll("hashes") byte[] hash) {
        ECKeyPair key = ECKeyPair.create(d);
        Sign.SignatureData sig = NATIVE_ONLY.signHash(hash, key);
        assertThat(Outcome.of(() -> sig)).isEqualTo(Outcome.of(() -> WEB3J.signHash(hash, key)));
    }

    /** Hashes at and past the group order too (bits2octets reduces them). */
    @Provide
    Arbitrary<byte[]> hashes() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, Arbitraries.bytes().array(byte[].class).ofSize(32)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(N.subtract(BigInteger.ONE), N, N.add(BigInteger.ONE),
                        BigInteger.TWO.pow(256).subtract(BigInteger.ONE)).map(x -> Numeric.toBytesPadded(x, 32))));
    }

    @Property(tries = 300)
    void theNonceIsBouncyCastlesRfc6979Nonce(@ForAll("privateKeys") BigInteger d, @ForAll("hashes") byte[] hash) {
        HMacDSAKCalculator web3jNonces = new HMacDSAKCalculator(new SHA256Digest()); // what web3j's signer uses
        web3jNonces.init(N, d, hash);
        assertThat(Rfc6979.nonce(d, hash, N)).isEqualTo(web3jNonces.nextK());
    }

    @Property(tries = 100)
    void signaturesOfHashesPastTheOrderAreWeb3jsBytes(@ForAll("privateKeys") BigInteger d, @ForAll("hashes") byte[] hash) {
        ECKeyPair key = ECKeyPair.create(d);
        assertThat(Outcome.of(() -> NATIVE.signHash(hash, key))).isEqualTo(Outcome.of(() -> WEB3J.signHash(hash, key)));
    }

    @Property(tries = 300)
    void anySignatureRecoversOrFailsAsWithWeb3j(@ForAll @Size(32) byte[] hash, @ForAll("scalars") byte[] r,
            @ForAll("scalars") byte[] s, @ForAll("recoveryBytes") byte v) {
        Sign.SignatureData sig = new Sign.SignatureData(v, r, s);
        assertThat(Outcome.of(() -> NATIVE.recoverKey(hash, sig))).isEqualTo(Outcome.of(() -> WEB3J.recoverKey(hash, sig)));
    }
}
