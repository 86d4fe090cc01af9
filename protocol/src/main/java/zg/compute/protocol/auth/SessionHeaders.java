package zg.compute.protocol.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import zg.compute.protocol.signing.PersonalSign;

/**
 * The snapshot broker's session headers (provider.md §4.1): {@code Address}, {@code Session-Token} (raw JSON
 * {@code {"address","provider","timestamp","expiresAt","nonce"}}) and {@code Session-Signature} (EIP-191 over
 * keccak256 of the raw token). Used between brokers, e.g. a fine-tuning provider feeding adapter keys to an
 * inference provider (fine-tuning.md §1.10): the signer is a provider wallet, not a user.
 */
public final class SessionHeaders {

    public static final String ADDRESS = "Address";
    public static final String TOKEN = "Session-Token";
    public static final String SIGNATURE = "Session-Signature";
    private static final long LIFETIME_MILLIS = 5 * 60_000L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private SessionHeaders() {
    }

    /** Fresh headers by {@code signer} for {@code provider}, valid for five minutes. */
    public static Map<String, String> sign(Credentials signer, String provider, long nowMillis) {
        String raw = "{\"address\":\"" + signer.getAddress() + "\",\"provider\":\"" + provider + "\",\"timestamp\":"
                + nowMillis + ",\"expiresAt\":" + (nowMillis + LIFETIME_MILLIS) + ",\"nonce\":\""
                + UUID.randomUUID().toString().replace("-", "") + "\"}";
        String sig = PersonalSign.sign(Hash.sha3(raw.getBytes(StandardCharsets.UTF_8)), signer.getEcKeyPair());
        return Map.of(ADDRESS, signer.getAddress(), TOKEN, raw, SIGNATURE, sig);
    }

    /**
     * The checks of provider.md §4.2 (texts included), plus a lifetime bound: the lower-case address that signed.
     *
     * @throws TokenException with the reason
     */
    public static String verify(String address, String token, String signature, String ownProvider, long nowMillis)
            throws TokenException {
        if (address == null || token == null || signature == null) {
            throw new TokenException("missing session authentication headers, please make sure your client includes"
                    + " Address, Session-Token, and Session-Signature headers");
        }
        JsonNode t;
        try {
            t = JSON.readTree(token);
        } catch (IOException e) {
            throw new TokenException("invalid session token format: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (t == null || !t.isObject()) {
            throw new TokenException("invalid session token format: not an object");
        }
        if (!t.path("address").asText("").equalsIgnoreCase(address)) {
            throw new TokenException("address mismatch in session token");
        }
        if (!t.path("provider").asText("").equalsIgnoreCase(ownProvider)) {
            throw new TokenException("session token is for different provider");
        }
        long expiresAt = t.path("expiresAt").asLong(0);
        if (nowMillis / 1000 > expiresAt / 1000 || expiresAt - nowMillis > LIFETIME_MILLIS + 60_000L) {
            throw new TokenException("session token expired");
        }
        String signer;
        try {
            signer = PersonalSign.recover(Hash.sha3(token.getBytes(StandardCharsets.UTF_8)), signature);
        } catch (IllegalArgumentException e) {
            throw new TokenException("invalid signature format");
        }
        if (!signer.equalsIgnoreCase(address)) {
            throw new TokenException("signature verification failed: address mismatch");
        }
        return signer;
    }
}
