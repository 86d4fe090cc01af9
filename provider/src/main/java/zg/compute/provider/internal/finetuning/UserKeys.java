package zg.compute.provider.internal.finetuning;

import java.math.BigInteger;
import java.security.SignatureException;
import java.util.Arrays;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;
import zg.compute.protocol.finetuning.FineTuningSignatures;
import zg.compute.protocol.signing.PersonalSign;

/**
 * The user's public key, recovered from the task-creation signature: the model key is
 * ECIES-encrypted to it (provider spec §7.5). The address check itself is
 * {@link FineTuningSignatures#signer}; this adds only the key recovery it does not expose.
 */
public final class UserKeys {

    private UserKeys() {
    }

    /**
     * The uncompressed public key (65 bytes, {@code 04‖x‖y}) that EIP-191-signed {@code digest}, after
     * checking it belongs to {@code expectedAddress}.
     *
     * @throws IllegalArgumentException if the signature is malformed or from someone else
     */
    public static byte[] recover(byte[] digest, String signature, String expectedAddress) {
        String signer = FineTuningSignatures.signer(digest, signature);
        if (!signer.equalsIgnoreCase(expectedAddress)) {
            throw new IllegalArgumentException("signed by " + signer + ", not by " + expectedAddress);
        }
        byte[] sig = Numeric.hexStringToByteArray(signature);
        byte v = sig[64] < 27 ? (byte) (sig[64] + 27) : sig[64];
        try {
            BigInteger pub = PersonalSign.signedMessageToKey(digest,
                    new Sign.SignatureData(v, Arrays.copyOfRange(sig, 0, 32), Arrays.copyOfRange(sig, 32, 64)));
            if (!Numeric.prependHexPrefix(Keys.getAddress(pub)).equalsIgnoreCase(expectedAddress)) {
                throw new IllegalArgumentException("public key recovery disagrees with the signer");
            }
            byte[] out = new byte[65];
            out[0] = 0x04;
            System.arraycopy(Numeric.toBytesPadded(pub, 64), 0, out, 1, 64);
            return out;
        } catch (SignatureException e) {
            throw new IllegalArgumentException("signature does not recover: " + e.getMessage());
        }
    }
}
