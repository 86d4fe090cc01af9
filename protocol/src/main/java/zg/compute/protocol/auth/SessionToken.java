package zg.compute.protocol.auth;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

/**
 * The app-sk session token a user signs to authenticate to a provider. Its JSON is written by hand
 * in the official SDK's exact key order and number forms, because the provider verifies the
 * signature over these exact bytes:
 * {@code {"address":…,"provider":…,"timestamp":…,"expiresAt":…,"nonce":…,"generation":…,"tokenId":…}}.
 *
 * @param address    the user, EIP-55 checksummed
 * @param provider   the provider address exactly as the caller passed it (not normalised)
 * @param timestamp  creation time, ms since epoch
 * @param expiresAt  expiry, ms since epoch; 0 = never (persistent keys only)
 * @param nonce      unique per token
 * @param generation the account's on-chain token generation when signed
 * @param tokenId    0..254 persistent API keys, 255 the ephemeral session
 */
public record SessionToken(String address, String provider, long timestamp, long expiresAt, String nonce,
        long generation, int tokenId) {

    public static final int EPHEMERAL_TOKEN_ID = 255;

    public SessionToken {
        if (tokenId < 0 || tokenId > 255) {
            throw new IllegalArgumentException("tokenId must be within 0..255, got " + tokenId);
        }
    }

    public boolean isEphemeral() {
        return tokenId == EPHEMERAL_TOKEN_ID;
    }

    /** The exact compact JSON that gets signed and sent. */
    public String rawMessage() {
        return "{\"address\":" + quote(address) + ",\"provider\":" + quote(provider) + ",\"timestamp\":" + timestamp
                + ",\"expiresAt\":" + expiresAt + ",\"nonce\":" + quote(nonce) + ",\"generation\":" + generation
                + ",\"tokenId\":" + tokenId + "}";
    }

    private static String quote(String s) {
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
    }
}
