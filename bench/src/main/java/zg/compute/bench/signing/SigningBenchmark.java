package zg.compute.bench.signing;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SignatureException;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Sign;
import zg.compute.protocol.internal.secp256k1.NativeSecp256k1;
import zg.compute.protocol.internal.secp256k1.Secp256k1;
import zg.compute.protocol.internal.secp256k1.Web3jSecp256k1;
import zg.compute.protocol.signing.ResponseSignature;

/**
 * What the broker spends per paid response: the TEE key's EIP-191 signature (and the SDK's recovery of it), web3j
 * against native libsecp256k1, next to SHA-256 of a 4 KiB response body (the signed text hashes request and response).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SigningBenchmark {

    private final Web3jSecp256k1 web3j = new Web3jSecp256k1();
    private Secp256k1 nativeImpl;
    private ECKeyPair key;
    private byte[] request;
    private byte[] response;
    private byte[] hash;
    private Sign.SignatureData signature;
    private MessageDigest sha256;

    @Setup
    public void setUp() throws NoSuchAlgorithmException {
        nativeImpl = NativeSecp256k1.load(web3j);
        // anvil development key #1, the devnet's usual TEE signer (a public test key)
        key = Credentials.create("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d").getEcKeyPair();
        request = "{\"model\":\"zg-dev-chat-large\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
                .getBytes(StandardCharsets.UTF_8);
        response = new byte[4096];
        new Random(42).nextBytes(response);
        String text = ResponseSignature.text(request, response);
        hash = Sign.getEthereumMessageHash(text.getBytes(StandardCharsets.UTF_8));
        signature = web3j.signHash(hash, key);
        sha256 = MessageDigest.getInstance("SHA-256");
    }

    @Benchmark
    public Sign.SignatureData signWeb3j() {
        return web3j.signHash(hash, key);
    }

    @Benchmark
    public Sign.SignatureData signNative() {
        return nativeImpl.signHash(hash, key);
    }

    @Benchmark
    public BigInteger recoverWeb3j() throws SignatureException {
        return web3j.recoverKey(hash, signature);
    }

    @Benchmark
    public BigInteger recoverNative() throws SignatureException {
        return nativeImpl.recoverKey(hash, signature);
    }

    @Benchmark
    public byte[] sha256Of4KiB() {
        return sha256.digest(response);
    }

    /** The whole per-response step as the broker runs it (two SHA-256, keccak, sign), with the selected curve. */
    @Benchmark
    public ResponseSignature responseSignature() {
        return ResponseSignature.sign(request, response, key);
    }
}
