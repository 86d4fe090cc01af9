package zg.compute.provider.internal.auth;

import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import zg.compute.protocol.auth.ReceivedToken;
import zg.compute.protocol.auth.SessionToken;
import zg.compute.protocol.auth.TokenException;
import zg.compute.provider.internal.chain.AccountCache;
import zg.compute.provider.internal.chain.AccountCache.AccountView;

/**
 * Provider spec §11.1: parse the app-sk token, check it statically, against the on-chain account
 * (generation, revocation bitmap) and its signature — the signature before the chain. Verified tokens are cached,
 * so a warm request does neither ecrecover nor RPC.
 */
public final class Authenticator {

    private static final String PREFIX = "validate session: ";

    private final String provider;
    private final AccountCache accounts;
    private final Duration tokenTtl;
    private final Clock clock;
    private final ConcurrentHashMap<String, Long> verified = new ConcurrentHashMap<>();

    public Authenticator(String provider, AccountCache accounts, Duration tokenTtl, Clock clock) {
        this.provider = provider;
        this.accounts = accounts;
        this.tokenTtl = tokenTtl;
        this.clock = clock;
    }

    /** The authenticated user and its account (empty if the account does not exist on chain). */
    public record Authenticated(String user, Optional<AccountView> account) {
    }

    /**
     * Static checks and the signature come first: a token that is not signed by the address it names is refused
     * without any chain read (junk tokens used to cost an RPC call each).
     *
     * @throws zg.compute.provider.internal.chain.ChainUnavailable when the account cannot be read nor is cached
     */
    public Authenticated authenticate(String authorization) throws RequestRejected {
        return authenticate(authorization, false).orElseThrow();
    }

    /**
     * {@link #authenticate} from memory alone — a token whose signature was verified within the TTL and an
     * account the cache holds — or empty when that needs an ecrecover or a chain read. Never blocks.
     */
    public Optional<Authenticated> authenticateFromMemory(String authorization) throws RequestRejected {
        return authenticate(authorization, true);
    }

    private Optional<Authenticated> authenticate(String authorization, boolean memoryOnly) throws RequestRejected {
        try {
            ReceivedToken t = ReceivedToken.parse(authorization);
            long now = clock.millis();
            t.checkStatic(provider, now);
            SessionToken token = t.token();
            String key = t.cacheKey();
            Long at = verified.get(key);
            if (at == null || now - at >= tokenTtl.toMillis()) {
                if (memoryOnly) {
                    return Optional.empty();
                }
                t.checkSignature();
                if (verified.size() > 100_000) {
                    verified.entrySet().removeIf(e -> now - e.getValue() >= tokenTtl.toMillis());
                }
                verified.put(key, now);
            }
            // If the account cannot be read the revocation check passes; the caller rejects missing accounts.
            Optional<AccountView> account;
            if (memoryOnly) {
                Optional<Optional<AccountView>> known = accounts.fromMemory(token.address());
                if (known.isEmpty()) {
                    return Optional.empty();
                }
                account = known.get();
            } else {
                account = accounts.get(token.address());
            }
            if (account.isPresent()) {
                checkRevocation(token, account.get());
            }
            return Optional.of(new Authenticated(token.address(), account));
        } catch (TokenException e) {
            throw new RequestRejected(400, PREFIX + e.getMessage());
        }
    }

    private static void checkRevocation(SessionToken token, AccountView account) throws TokenException {
        int cmp = BigInteger.valueOf(token.generation()).compareTo(account.generation());
        if (cmp < 0) {
            throw new TokenException("session token has been revoked (generation expired)");
        }
        if (cmp > 0) {
            throw new TokenException("invalid session token (future generation)");
        }
        if (!token.isEphemeral() && account.revokedBitmap().testBit(token.tokenId())) {
            throw new TokenException("session token has been revoked");
        }
    }
}
