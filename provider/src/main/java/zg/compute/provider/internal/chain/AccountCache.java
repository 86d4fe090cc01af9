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
 * a TTL so a warm request does no RPC. Missing accounts are not cached: a user who funds the account
 * can use it at once.
 */
public final class AccountCache {

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
    private final ConcurrentHashMap<String, Entry> cache = new ConcurrentHashMap<>();

    public AccountCache(Function<String, Optional<InferenceServing.Account>> loader, Duration ttl, Clock clock) {
        this.loader = loader;
        this.ttl = ttl;
        this.clock = clock;
    }

    public Optional<AccountView> get(String user) {
        Entry e = cache.get(user.toLowerCase());
        if (e != null && clock.millis() - e.fetchedAt < ttl.toMillis()) {
            return Optional.of(e.view);
        }
        return refresh(user);
    }

    public Optional<AccountView> refresh(String user) {
        Optional<AccountView> v = loader.apply(user).map(AccountView::of);
        v.ifPresentOrElse(view -> cache.put(user.toLowerCase(), new Entry(view, clock.millis())),
                () -> cache.remove(user.toLowerCase()));
        return v;
    }

    public void invalidate(String user) {
        cache.remove(user.toLowerCase());
    }
}
