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
    /** Authorization header → its verified token. */
    private final ConcurrentHashMap<String, Verified> verified = new ConcurrentHashMap<>();
    static final int MAX_VERIFIED = 100_000;
    private final int maxVerified;

    public Authenticator(String provider, AccountCache accounts, Duration tokenTtl, Clock clock) {
        this(provider, accounts, tokenTtl, clock, MAX_VERIFIED);
    }

    Authenticator(String provider, AccountCache accounts, Duration tokenTtl, Clock clock, int maxVerified) {
        this.maxVerified = maxVerified;
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
            long now = clock.millis();
            // Keyed by the header itself: equal bytes are the same token and signature, so a warm request skips
            // the base64, the JSON and the hashing as well as the ecrecover.
            Verified v = authorization == null ? null : verified.get(authorization);
            boolean fresh = v != null && now - v.at() < tokenTtl.toMillis();
            ReceivedToken t = fresh ? v.token() : ReceivedToken.parse(authorization);
            t.checkStatic(provider, now);
            SessionToken token = t.token();
            if (!fresh) {
                if (memoryOnly) {
                    return Optional.empty();
                }
                t.checkSignature();
                remember(authorization, new Verified(t, now), now);
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

    /** How many verified tokens are held (tests). */
    int verifiedCount() {
        return verified.size();
    }

    /** A token whose signature checked out at {@code at}. */
    private record Verified(ReceivedToken token, long at) {
    }

    /**
     * At most {@code maxVerified} entries ({@link #MAX_VERIFIED}): anyone can sign tokens with throwaway keys, so stale entries go first
     * and, if that is not enough, all of them (each costs one ecrecover to verify again).
     */
    private void remember(String authorization, Verified v, long now) {
        if (verified.size() >= maxVerified) {
            verified.entrySet().removeIf(e -> now - e.getValue().at() >= tokenTtl.toMillis());
            if (verified.size() >= maxVerified) {
                verified.clear();
            }
        }
        verified.put(authorization, v);
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
