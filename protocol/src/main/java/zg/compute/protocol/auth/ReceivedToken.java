package zg.compute.protocol.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;
import zg.compute.protocol.signing.PersonalSign;

/**
 * An app-sk token as a provider receives it, parsed from the {@code Authorization} header with the
 * error texts of the provider spec (§11.1). Stateless checks live here; the on-chain checks
 * (generation, revocation bitmap) belong to the broker, which has the account.
 *
 * @param token      the parsed fields
 * @param rawMessage the exact JSON that was signed
 * @param signature  0x-hex signature over keccak256(rawMessage)
 */
public record ReceivedToken(SessionToken token, String rawMessage, String signature) {

    public static final String BEARER_PREFIX = "Bearer " + SignedToken.PREFIX;
    /** Ephemeral tokens may live at most 24 h. */
    public static final long MAX_EPHEMERAL_MILLIS = 86_400_000L;
    /** How far a token's {@code timestamp} may lie ahead of the provider's clock (clients' clocks drift). */
    public static final long MAX_CLOCK_SKEW_MILLIS = 300_000L;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final java.util.regex.Pattern HEX = java.util.regex.Pattern.compile("(0x)?([0-9a-fA-F]{2})*");

    /** Steps 1–3: prefix, base64, split, JSON. */
    public static ReceivedToken parse(String authorization) throws TokenException {
        if (authorization == null || !authorization.startsWith(BEARER_PREFIX)) {
            throw new TokenException("missing or invalid Authorization header, must be Bearer app-sk-<base64(rawMessage:signature)>");
        }
        String payload;
        try {
            payload = new String(Base64.getDecoder().decode(authorization.substring(BEARER_PREFIX.length()).trim()),
                    StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new TokenException("invalid base64 in Authorization header");
        }
        // The signature is hex and never contains '|', so the last '|' separates it even if the JSON has one.
        int bar = payload.lastIndexOf('|');
        if (bar <= 0 || bar == payload.length() - 1) {
            throw new TokenException("invalid Authorization payload, expect base64(rawMessage:signature)");
        }
        String raw = payload.substring(0, bar);
        String sig = payload.substring(bar + 1);
        try {
            JsonNode n = JSON.readTree(raw);
            if (n == null || !n.isObject() || !n.path("address").isTextual() || !n.path("provider").isTextual()
                    || !n.path("timestamp").canConvertToLong() || !n.path("expiresAt").canConvertToLong()
                    || !n.path("generation").canConvertToLong() || !n.path("tokenId").canConvertToInt()) {
                throw new TokenException("invalid session token format in Authorization");
            }
            int tokenId = n.get("tokenId").asInt();
            if (tokenId < 0 || tokenId > 255) {
                throw new TokenException("invalid session token format in Authorization");
            }
            SessionToken token = new SessionToken(n.get("address").asText(), n.get("provider").asText(),
                    n.get("timestamp").asLong(), n.get("expiresAt").asLong(), n.path("nonce").asText(""),
                    n.get("generation").asLong(), tokenId);
            return new ReceivedToken(token, raw, sig);
        } catch (java.io.IOException e) {
            throw new TokenException("invalid session token format in Authorization");
        }
    }

    /**
     * Steps 4–6: meant for this provider, ephemeral lifetime rules, not expired; plus what the spec's
     * steps leave open, so no token lives for ever by accident: {@code expiresAt} is never negative, the
     * {@code timestamp} is at most {@link #MAX_CLOCK_SKEW_MILLIS} ahead of {@code nowMillis}, and an
     * ephemeral token (tokenId 255) expires after now and at most 24 h (plus that skew) from now.
     * {@code expiresAt == 0} means "never" only for persistent tokens (tokenId 0..254).
     */
    public void checkStatic(String ownProvider, long nowMillis) throws TokenException {
        if (!token.provider().equalsIgnoreCase(ownProvider)) {
            throw new TokenException("session token is for different provider");
        }
        if (token.expiresAt() < 0) {
            throw new TokenException("session token expiration time cannot be negative");
        }
        if (token.isEphemeral()) {
            if (token.expiresAt() == 0) {
                throw new TokenException("ephemeral token must have an expiration time");
            }
            // expiresAt - timestamp > 24 h, written so that no timestamp can overflow it (expiresAt >= 0 here).
            if (token.timestamp() < token.expiresAt() - MAX_EPHEMERAL_MILLIS) {
                throw new TokenException("ephemeral token duration cannot exceed 24 hours");
            }
            if (token.expiresAt() <= nowMillis) {
                throw new TokenException("session token expired");
            }
            if (token.expiresAt() - nowMillis > MAX_EPHEMERAL_MILLIS + MAX_CLOCK_SKEW_MILLIS) {
                throw new TokenException("ephemeral token cannot expire more than 24 hours from now");
            }
        }
        if (token.timestamp() > nowMillis + MAX_CLOCK_SKEW_MILLIS) {
            throw new TokenException("session token timestamp is more than "
                    + MAX_CLOCK_SKEW_MILLIS / 60_000 + " minutes in the future");
        }
        if (token.expiresAt() > 0 && nowMillis / 1000 > token.expiresAt() / 1000) {
            throw new TokenException("session token expired");
        }
    }

    /** Step 8: the signature recovers to {@code token.address}. */
    public void checkSignature() throws TokenException {
        if (!HEX.matcher(signature).matches()) {
            throw new TokenException("invalid signature format");
        }
        byte[] sig = Numeric.hexStringToByteArray(signature);
        if (sig.length != 65) {
            throw new TokenException("invalid signature length");
        }
        String signer;
        try {
            signer = PersonalSign.recover(SignedToken.messageHash(rawMessage), signature);
        } catch (IllegalArgumentException e) {
            throw new TokenException("failed to recover public key from signature");
        }
        if (!signer.equalsIgnoreCase(token.address())) {
            throw new TokenException("signature verification failed: address mismatch");
        }
    }
}
