package zg.compute.protocol.eip712;

import java.math.BigInteger;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/** 32-byte ABI words for the fixed-size members of EIP-712 struct hashes. */
final class AbiWords {

    private AbiWords() {
    }

    static byte[] uint(BigInteger v) {
        if (v.signum() < 0 || v.bitLength() > 256) {
            throw new IllegalArgumentException("not a uint256: " + v);
        }
        return Numeric.toBytesPadded(v, 32);
    }

    static byte[] address(String address) {
        BigInteger v = Numeric.toBigInt(address);
        if (v.bitLength() > 160) {
            throw new IllegalArgumentException("not an address: " + address);
        }
        return Numeric.toBytesPadded(v, 32);
    }

    static byte[] bytes32(byte[] b) {
        if (b.length != 32) {
            throw new IllegalArgumentException("bytes32 needs 32 bytes, got " + b.length);
        }
        return b;
    }

    /** keccak256 of the concatenated words. */
    static byte[] keccak(byte[]... words) {
        byte[] buf = new byte[words.length * 32];
        for (int i = 0; i < words.length; i++) {
            System.arraycopy(words[i], 0, buf, i * 32, 32);
        }
        return Hash.sha3(buf);
    }
}
