package zg.compute.provider.internal.billing;

import java.math.BigInteger;
import java.util.Optional;
import zg.compute.protocol.units.Units;
import zg.compute.provider.Store;
import zg.compute.provider.internal.auth.RequestRejected;
import zg.compute.provider.internal.chain.AccountCache;
import zg.compute.provider.internal.chain.AccountCache.AccountView;

/**
 * Admission against the user's money (provider.md §11.2, made safe): a request is served only if its
 * estimated fee can be reserved, atomically in the store, from what the sub-account can still pay —
 * locked balance − the 1 0G reserve − unsettled fees − the reservations of requests in flight. The
 * service type says what the request can cost at least and at most; the store reserves as much of that as
 * is affordable. A refusal re-reads the account from chain once (the cached balance may predate a top-up).
 */
public final class BalanceGate {

    public static final BigInteger MINIMUM_LOCKED_BALANCE = Units.og(1);

    private final Store store;
    private final AccountCache accounts;
    private final String provider;

    public BalanceGate(Store store, AccountCache accounts, String provider) {
        this.store = store;
        this.accounts = accounts;
        this.provider = provider;
    }

    /**
     * Reserves between {@code minimumFee} and {@code desiredFee} for request {@code requestId} and writes its
     * {@code pending} row, or refuses it with the spec's insufficient-balance text.
     *
     * @return what was reserved: the most the request will be billed
     */
    public BigInteger reserve(String requestId, String user, AccountView cached, BigInteger minimumFee,
            BigInteger desiredFee, long nowMillis) throws RequestRejected {
        Store.Admission a = store.reserve(requestId, user, minimumFee, desiredFee, cached.lockBalance(),
                MINIMUM_LOCKED_BALANCE, nowMillis);
        BigInteger lock = cached.lockBalance();
        if (!a.admitted()) {
            Optional<AccountView> fresh = accounts.refresh(user);
            lock = fresh.map(AccountView::lockBalance).orElse(BigInteger.ZERO);
            if (lock.compareTo(cached.lockBalance()) > 0) {
                a = store.reserve(requestId, user, minimumFee, desiredFee, lock, MINIMUM_LOCKED_BALANCE, nowMillis);
            }
        }
        if (!a.admitted()) {
            throw insufficient(lock, a.unsettled().add(a.reservedByOthers()), minimumFee);
        }
        return a.reserved();
    }

    /**
     * {@link #reserve} from memory alone, for a store that {@link Store#reservesInMemory reserves in memory}:
     * empty when the cached balance does not cover it (then {@link #reserve} decides, re-reading the chain).
     */
    public Optional<BigInteger> tryReserve(String requestId, String user, AccountView cached, BigInteger minimumFee,
            BigInteger desiredFee, long nowMillis) {
        Store.Admission a = store.reserve(requestId, user, minimumFee, desiredFee, cached.lockBalance(),
                MINIMUM_LOCKED_BALANCE, nowMillis);
        return a.admitted() ? Optional.of(a.reserved()) : Optional.empty();
    }

    private RequestRejected insufficient(BigInteger lock, BigInteger unsettled, BigInteger currentFee) {
        BigInteger required = MINIMUM_LOCKED_BALANCE.add(unsettled).add(currentFee);
        BigInteger missing = required.subtract(lock).max(BigInteger.ZERO);
        BigInteger headroom = topUpHeadroom(currentFee);
        return new RequestRejected(400, "insufficient balance: your locked balance is " + og(lock)
                + " 0G, but the required minimum is " + og(required) + " 0G (breakdown: minimum reserve "
                + og(MINIMUM_LOCKED_BALANCE) + " 0G + unsettled fees " + og(unsettled) + " 0G + current request fee "
                + og(currentFee) + " 0G). Please add more funds with: 0g-compute-cli transfer-fund --provider "
                + provider + " --amount " + og(missing.add(headroom)) + " (" + og(missing) + " 0G missing + "
                + og(headroom) + " 0G for the requests after this one: 10 × this request's fee, at least the 2 0G "
                + "buffer the SDK's auto-funding keeps)");
    }

    /**
     * What a suggested top-up adds beyond the shortfall: topping up only the shortfall makes the very next
     * request fail again, as fees accumulate unsettled until the next settlement.
     */
    static BigInteger topUpHeadroom(BigInteger currentFee) {
        return currentFee.multiply(BigInteger.TEN).max(MINIMUM_LOCKED_BALANCE.shiftLeft(1));
    }

    static String og(BigInteger neuron) {
        return Units.neuronToOg(neuron).toPlainString();
    }
}
