package zg.compute.sdk.internal.auth;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import zg.compute.protocol.auth.SessionToken;
import zg.compute.protocol.auth.SignedToken;

/**
 * Signs app-sk session tokens (sdk-cli.md §2) and keeps the one ephemeral session per provider, reused
 * until less than an hour of its validity remains. The wire format itself lives in protocol's
 * {@link SessionToken} / {@link SignedToken}.
 */
public final class SessionIssuer {

    public static final Duration EPHEMERAL_LIFETIME = Duration.ofHours(24);
    public static final Duration REFRESH_MARGIN = Duration.ofHours(1);

    private final Credentials user;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    /** Keyed by the provider string exactly as the caller passed it, like the official SDK. */
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();

    private record Session(SessionToken token, SignedToken signed) {
    }

    public SessionIssuer(Credentials user, Clock clock) {
        this.user = user;
        this.clock = clock;
    }

    /** The cached ephemeral session for {@code provider} if it is valid for more than an hour, else null. */
    public SignedToken reusableSession(String provider) {
        Session s = sessions.get(provider);
        if (s != null && s.token().expiresAt() > clock.millis() + REFRESH_MARGIN.toMillis()) {
            return s.signed();
        }
        return null;
    }

    /** Signs and caches a fresh ephemeral (tokenId 255, 24 h) session for {@code generation}. */
    public SignedToken newSession(String provider, long generation) {
        long now = clock.millis();
        SessionToken token = new SessionToken(userAddress(), provider, now, now + EPHEMERAL_LIFETIME.toMillis(),
                nonce(), generation, SessionToken.EPHEMERAL_TOKEN_ID);
        SignedToken signed = SignedToken.sign(token, user);
        sessions.put(provider, new Session(token, signed));
        return signed;
    }

    /** The token behind the cached session (for inspection), or null. */
    public SessionToken cachedToken(String provider) {
        Session s = sessions.get(provider);
        return s == null ? null : s.token();
    }

    /** Signs a persistent API key token; not cached. {@code expiresAt} 0 means never. */
    public SignedToken persistent(String provider, long timestamp, long expiresAt, long generation, int tokenId) {
        return SignedToken.sign(new SessionToken(userAddress(), provider, timestamp, expiresAt, nonce(), generation,
                tokenId), user);
    }

    /** Drops the sessions for {@code provider} under every spelling the caller used. */
    public void forget(String provider) {
        sessions.keySet().removeIf(k -> k.equalsIgnoreCase(provider));
    }

    public String userAddress() {
        return Keys.toChecksumAddress(user.getAddress());
    }

    private String nonce() {
        byte[] b = new byte[16];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
