package zg.compute.protocol.internal.secp256k1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;
import zg.compute.protocol.OfficialFacts;
import zg.compute.protocol.auth.SignedToken;
import zg.compute.protocol.eip712.DigestSigner;
import zg.compute.protocol.signing.PersonalSign;

/**
 * Native libsecp256k1 against web3j: the same bytes on the official SDK's signature vectors, the same recovered
 * keys, and the same result or exception (class and message) on malformed signatures.
 */
class Secp256k1Test {

    private static final BigInteger N = Sign.CURVE_PARAMS.getN();
    private static final Web3jSecp256k1 WEB3J = new Web3jSecp256k1();
    private static NativeSecp256k1 nativeImpl;
    private static JsonNode vectors;

    @BeforeAll
    static void load() throws IOException {
        nativeImpl = NativeSecp256k1.load(WEB3J);
        vectors = new ObjectMapper().readTree(OfficialFacts.bytes("vectors/wire-vectors.json"));
    }

    /** One signature of wire-vectors.json: the hash that was signed, by whom, and the official SDK's bytes. */
    record Vector(String name, byte[] hash, Credentials signer, String signature) {
    }

    private static List<Vector> signatureVectors() {
        Credentials user = Credentials.create(vectors.get("userPrivateKey").asText());
        JsonNode resp = vectors.get("responseSignature");
        // the response signer (anvil key #1) also signs the settlement vector (Eip712VectorsTest)
        Credentials tee = Credentials.create(resp.get("signerPrivateKey").asText());
        List<Vector> out = new ArrayList<>();
        for (String token : List.of("ephemeralToken", "persistentTokenId3NeverExpires")) {
            JsonNode t = vectors.get(token);
            out.add(new Vector(token, Sign.getEthereumMessageHash(SignedToken.messageHash(t.get("rawMessage").asText())),
                    user, t.get("signature").asText()));
        }
        out.add(new Vector("responseSignature",
                Sign.getEthereumMessageHash(resp.get("text").asText().getBytes(StandardCharsets.UTF_8)), tee,
                resp.get("signature").asText()));
        JsonNode settle = vectors.get("teeSettlement");
        out.add(new Vector("teeSettlement", Numeric.hexStringToByteArray(settle.get("digest").asText()), tee,
                settle.get("signature").asText()));
        return out;
    }

    private static String rsv(Sign.SignatureData s) {
        return Numeric.toHexString(s.getR()) + Numeric.toHexStringNoPrefix(s.getS())
                + Numeric.toHexStringNoPrefix(s.getV());
    }

    private static Sign.SignatureData parse(String hex) {
        byte[] b = Numeric.hexStringToByteArray(hex);
        return new Sign.SignatureData(b[64], Arrays.copyOfRange(b, 0, 32), Arrays.copyOfRange(b, 32, 64));
    }

    @Test
    void theNativeLibraryIsTheOneInUseOnThisPlatform() {
        // Debian x86_64 / Java 17 is what the project runs on: a silent fallback here would lose the speed-up
        assertThat(Secp256k1.get()).isInstanceOf(NativeSecp256k1.class);
    }

    @Test
    void officialVectorsSignByteForByteAlikeNativeAndWeb3j() throws Exception {
        List<Vector> all = signatureVectors();
        assertThat(all).hasSize(4);
        for (Vector v : all) {
            ECKeyPair key = v.signer().getEcKeyPair();
            assertThat(rsv(nativeImpl.signHash(v.hash(), key))).as(v.name()).isEqualTo(v.signature());
            assertThat(rsv(WEB3J.signHash(v.hash(), key))).as(v.name()).isEqualTo(v.signature());
            assertThat(nativeImpl.recoverKey(v.hash(), parse(v.signature()))).as(v.name()).isEqualTo(key.getPublicKey());
            assertThat(WEB3J.recoverKey(v.hash(), parse(v.signature()))).as(v.name()).isEqualTo(key.getPublicKey());
        }
    }

    @Test
    void bothRecoveryIdsAreProducedAndRoundTrip() throws Exception {
        ECKeyPair key = Credentials.create(vectors.get("userPrivateKey").asText()).getEcKeyPair();
        boolean[] seen = new boolean[2];
        for (int i = 0; i < 16; i++) {
            byte[] hash = Hash.sha3(("message " + i).getBytes(StandardCharsets.UTF_8));
            Sign.SignatureData sig = nativeImpl.signHash(hash, key);
            assertThat(rsv(sig)).isEqualTo(rsv(WEB3J.signHash(hash, key)));
            seen[sig.getV()[0] - 27] = true;
            assertThat(nativeImpl.recoverKey(hash, sig)).isEqualTo(key.getPublicKey());
            assertThat(new BigInteger(1, sig.getS())).isLessThanOrEqualTo(N.shiftRight(1)); // low s
        }
        assertThat(seen).containsOnly(true); // v = 27 and v = 28 both came up, odds of missing one 2^-15
    }

    /** Malformed or hostile signatures: native must end exactly where web3j ends, value or exception. */
    @Test
    void badSignaturesBehaveExactlyAsWithWeb3j() {
        Vector good = signatureVectors().get(2);
        Sign.SignatureData sig = parse(good.signature());
        byte[] r = sig.getR();
        byte[] s = sig.getS();
        byte[] zero = new byte[32];
        byte[] ff = new byte[32];
        Arrays.fill(ff, (byte) 0xff);
        byte[] n = Numeric.toBytesPadded(N, 32);
        byte[] highS = Numeric.toBytesPadded(N.subtract(new BigInteger(1, s)), 32);
        List<Sign.SignatureData> cases = new ArrayList<>();
        for (int v : new int[] {0, 1, 26, 27, 28, 29, 30, 31, 34, 35, 255}) {
            cases.add(new Sign.SignatureData((byte) v, r, s));
        }
        for (byte[][] rs : new byte[][][] {{zero, s}, {r, zero}, {n, s}, {r, n}, {ff, s}, {r, ff}, {r, highS}}) {
            cases.add(new Sign.SignatureData((byte) 27, rs[0], rs[1]));
            cases.add(new Sign.SignatureData((byte) 28, rs[0], rs[1]));
        }
        for (int x = 1; x <= 8; x++) { // small r: some are no x coordinate on the curve
            cases.add(new Sign.SignatureData((byte) 27, Numeric.toBytesPadded(BigInteger.valueOf(x), 32), s));
        }
        cases.add(new Sign.SignatureData((byte) 27, Arrays.copyOf(r, 31), s));
        cases.add(new Sign.SignatureData((byte) 27, r, Arrays.copyOf(s, 33)));
        cases.add(new Sign.SignatureData(new byte[0], r, s));
        List<String> exceptions = new ArrayList<>();
        for (Sign.SignatureData c : cases) {
            for (byte[] hash : new byte[][] {good.hash(), Arrays.copyOf(good.hash(), 31), new byte[0]}) {
                Outcome expected = Outcome.of(() -> WEB3J.recoverKey(hash, c));
                assertThat(Outcome.of(() -> nativeImpl.recoverKey(hash, c))).as(rsv(c)).isEqualTo(expected);
                if (expected.exception() != null) {
                    exceptions.add(expected.exception());
                }
            }
        }
        // the comparison covered web3j's distinct refusals, not only its successes
        assertThat(exceptions).anyMatch(e -> e.contains("Header byte out of range"))
                .anyMatch(e -> e.contains("Invalid point compression"))
                .anyMatch(e -> e.contains("not invertible"))
                .anyMatch(e -> e.contains("r must be 32 bytes"));
    }

    @Test
    void keysThatCannotSignFailAsWithWeb3j() {
        byte[] hash = signatureVectors().get(3).hash();
        ECKeyPair user = Credentials.create(vectors.get("userPrivateKey").asText()).getEcKeyPair();
        ECKeyPair tee = signatureVectors().get(3).signer().getEcKeyPair();
        List<ECKeyPair> keys = List.of(
                new ECKeyPair(user.getPrivateKey(), tee.getPublicKey()), // halves of two different keys
                new ECKeyPair(BigInteger.ZERO, tee.getPublicKey()),
                new ECKeyPair(N, tee.getPublicKey()));
        for (ECKeyPair k : keys) {
            for (byte[] h : new byte[][] {hash, Arrays.copyOf(hash, 20), Arrays.copyOf(hash, 40)}) {
                assertThat(Outcome.of(() -> nativeImpl.signHash(h, k)))
                        .isEqualTo(Outcome.of(() -> WEB3J.signHash(h, k)));
            }
        }
        assertThat(Outcome.of(() -> nativeImpl.signHash(hash, keys.get(0))).exception())
                .isEqualTo("java.lang.RuntimeException: Could not construct a recoverable key. Are your credentials valid?");
    }

    /** The public wrappers keep their one-line errors (PersonalSign for tokens and responses, DigestSigner). */
    @Test
    void publicWrappersKeepTheirErrors() {
        byte[] msg = "hello".getBytes(StandardCharsets.UTF_8);
        String notOnCurve = Numeric.toHexString(Numeric.toBytesPadded(BigInteger.valueOf(5), 32)) + "11".repeat(32) + "1b";
        String rIsN = Numeric.toHexString(Numeric.toBytesPadded(N, 32)) + "11".repeat(32) + "1c";
        assertThatThrownBy(() -> PersonalSign.recover(msg, notOnCurve)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("signature does not recover: Invalid point compression");
        assertThatThrownBy(() -> PersonalSign.recover(msg, rIsN)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("signature does not recover: BigInteger not invertible.");
        assertThatThrownBy(() -> PersonalSign.recover(msg, rIsN.substring(0, 130) + "1d"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("signature has invalid recovery id 29");
        byte[] digest = Hash.sha3(msg);
        byte[] bad = Numeric.hexStringToByteArray(rIsN);
        bad[64] = 40;
        assertThatThrownBy(() -> DigestSigner.recover(digest, bad)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid signature: Header byte out of range: 40");
    }
}
