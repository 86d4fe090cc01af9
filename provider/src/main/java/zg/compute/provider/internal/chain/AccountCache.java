package zg.compute.provider.internal.chain;

import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import zg.compute.protocol.contracts.bindings.InferenceServing;

/**
 * On-chain account data per user (generation, revocation bitmap, acknowledgement, balance), kept for
 * a TTL so a warm request does no RPC. Missing accounts are remembered for {@link #NEGATIVE_TTL} only, so
 * repeated requests for an unknown account cost one RPC call per window while a user who funds the account can
 * use it seconds later. When the chain cannot be read, an entry past its TTL is still served (the store's
 * reservation keeps what is served covered by it); without one, {@link ChainUnavailable}.
 */
public final class AccountCache {

    public static final Duration NEGATIVE_TTL = Duration.ofSeconds(5);
    private static final int MAX_MISSING = 100_000;

    /** What the broker needs from {@code InferenceServing.Account}. */
    public record AccountView(BigInteger nonce, BigInteger balance, BigInteger pendingRefund, boolean acknowledged,
            BigInteger generation, BigInteger revokedBitmap) {

        public BigInteger lockBalance() {
            return balance.subtract(pendingRefund).max(BigInteger.ZERO);
        }

        static AccountView of(InferenceServing.Account a) {
            return new AccountView(a.nonce, a.balance, a.pendingRefund, Boolean.TRUE.equals(a.acknowledged),
                    a.generation, a.revokedBitmap);
        }
    }

    private record Entry(AccountView view, long fetchedAt) {
    }

    private final Function<String, Optional<InferenceServing.Account>> loader;
    private final Duration ttl;
    private final Clock clock;
    private final RpcOutage outage;
    private final ConcurrentHashMap<String, Entry> cache = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Long> missing = new ConcurrentHashMap<>();

    public AccountCache(Function<String, Optional<InferenceServing.Account>> loader, Duration ttl, Clock clock,
            RpcOutage outage) {
        this.loader = loader;
        this.ttl = ttl;
        this.clock = clock;
        this.outage = outage;
    }

    /** @throws ChainUnavailable when the chain cannot be read and nothing is cached for {@code user} */
    public Optional<AccountView> get(String user) {
        Optional<Optional<AccountView>> known = fromMemory(user);
        if (known.isPresent()) {
            return known.get();
        }
        Entry e = cache.get(user.toLowerCase());
        try {
            return refresh(user);
        } catch (ChainUnavailable down) {
            if (e == null) {
                throw down;
            }
            outage.servedFromCache();
            return Optional.of(e.view);
        }
    }

    /**
     * What {@link #get} answers from memory alone — the account, or empty for one known not to exist — or
     * empty when it would have to read the chain. Never blocks: for the event loop.
     */
    public Optional<Optional<AccountView>> fromMemory(String user) {
        String key = user.toLowerCase();
        long now = clock.millis();
        Entry e = cache.get(key);
        if (e != null && now - e.fetchedAt < ttl.toMillis()) {
            return Optional.of(Optional.of(e.view));
        }
        Long gone = missing.get(key);
        if (gone != null && now - gone < NEGATIVE_TTL.toMillis()) {
            return Optional.of(Optional.empty());
        }
        return Optional.empty();
    }

    /** @throws ChainUnavailable when the chain cannot be read */
    public Optional<AccountView> refresh(String user) {
        String key = user.toLowerCase();
        Optional<AccountView> v;
        try {
            v = loader.apply(user).map(AccountView::of);
        } catch (RuntimeException rpc) {
            outage.failed(rpc);
            throw new ChainUnavailable(rpc);
        }
        outage.ok();
        long now = clock.millis();
        if (v.isPresent()) {
            cache.put(key, new Entry(v.get(), now));
            missing.remove(key);
        } else {
            cache.remove(key);
            if (missing.size() >= MAX_MISSING) {
                missing.entrySet().removeIf(m -> now - m.getValue() >= NEGATIVE_TTL.toMillis());
            }
            missing.put(key, now);
        }
        return v;
    }

    public void invalidate(String user) {
        cache.remove(user.toLowerCase());
    }
}
