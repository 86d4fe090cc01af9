package zg.compute.protocol.auth;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import zg.compute.protocol.signing.PersonalSign;

/**
 * A session token with its signature: {@code signature = personal_sign(keccak256(rawMessage))} (the 32
 * raw hash bytes are what is signed), sent as
 * {@code Authorization: Bearer app-sk-<base64(rawMessage + "|" + signature)>}.
 * The raw message is kept as the exact signed text and never re-serialised.
 */
public record SignedToken(String rawMessage, String signature) {

    public static final String PREFIX = "app-sk-";

    public static SignedToken sign(SessionToken token, Credentials user) {
        String raw = token.rawMessage();
        return new SignedToken(raw, PersonalSign.sign(messageHash(raw), user.getEcKeyPair()));
    }

    /** keccak256 of the UTF-8 raw message: the 32 bytes that get personal-signed. */
    public static byte[] messageHash(String rawMessage) {
        return Hash.sha3(rawMessage.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code app-sk-…}: usable as an OpenAI client's apiKey. */
    public String apiKey() {
        return PREFIX + Base64.getEncoder().encodeToString((rawMessage + "|" + signature).getBytes(StandardCharsets.UTF_8));
    }

    /** The full {@code Authorization} header value. */
    public String authorization() {
        return "Bearer " + apiKey();
    }

    /** The lower-case address that signed, or an exception if the signature is malformed. */
    public String recoverSigner() {
        return PersonalSign.recover(messageHash(rawMessage), signature);
    }
}
