package zg.compute.protocol.eip712;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.web3j.crypto.Hash;

/**
 * The EIP-712 domain the 0G serving contracts verify against: name, version "1", the live chain id
 * and the <em>proxy</em> address as verifying contract.
 */
public record Eip712Domain(String name, String version, long chainId, String verifyingContract) {

    public static final byte[] TYPEHASH = keccak(
            "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");

    public static final String INFERENCE_NAME = "0G Inference Serving";
    public static final String FINE_TUNING_NAME = "0G Fine-Tuning Serving";

    public static Eip712Domain inference(long chainId, String servingProxy) {
        return new Eip712Domain(INFERENCE_NAME, "1", chainId, servingProxy);
    }

    public static Eip712Domain fineTuning(long chainId, String servingProxy) {
        return new Eip712Domain(FINE_TUNING_NAME, "1", chainId, servingProxy);
    }

    /** keccak256(abi.encode(TYPEHASH, keccak(name), keccak(version), chainId, verifyingContract)). */
    public byte[] separator() {
        return AbiWords.keccak(TYPEHASH, keccak(name), keccak(version),
                AbiWords.uint(BigInteger.valueOf(chainId)), AbiWords.address(verifyingContract));
    }

    /** keccak256(0x1901 ‖ separator ‖ structHash). */
    public byte[] digest(byte[] structHash) {
        byte[] buf = new byte[66];
        buf[0] = 0x19;
        buf[1] = 0x01;
        System.arraycopy(separator(), 0, buf, 2, 32);
        System.arraycopy(structHash, 0, buf, 34, 32);
        return Hash.sha3(buf);
    }

    static byte[] keccak(String s) {
        return Hash.sha3(s.getBytes(StandardCharsets.UTF_8));
    }
}
