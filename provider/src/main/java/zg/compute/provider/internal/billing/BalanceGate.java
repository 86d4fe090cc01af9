package zg.compute.provider.internal.billing;

import java.math.BigInteger;
import java.util.Optional;
import zg.compute.protocol.units.Units;
import zg.compute.provider.Store;
import zg.compute.provider.internal.auth.RequestRejected;
import zg.compute.provider.internal.chain.AccountCache;
import zg.compute.provider.internal.chain.AccountCache.AccountView;

/**
 * Provider spec §11.2: a request is served only if the user's locked balance covers what is still
 * unsettled, the current request's estimated fee and a 1 0G reserve. A failing check re-reads the
 * account from chain once before refusing (the cached balance may predate a top-up).
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

    public void check(String user, AccountView cached, BigInteger currentFee) throws RequestRejected {
        BigInteger unsettled = store.unsettledFee(user);
        BigInteger required = MINIMUM_LOCKED_BALANCE.add(unsettled).add(currentFee);
        if (cached.lockBalance().compareTo(required) >= 0) {
            return;
        }
        Optional<AccountView> fresh = accounts.refresh(user);
        BigInteger lock = fresh.map(AccountView::lockBalance).orElse(BigInteger.ZERO);
        if (lock.compareTo(required) >= 0) {
            return;
        }
        throw new RequestRejected(400, "insufficient balance: your locked balance is " + og(lock)
                + " 0G, but the required minimum is " + og(required) + " 0G (breakdown: minimum reserve "
                + og(MINIMUM_LOCKED_BALANCE) + " 0G + unsettled fees " + og(unsettled) + " 0G + current request fee "
                + og(currentFee) + " 0G). Please add more funds with: 0g-compute-cli transfer-fund --provider "
                + provider + " --amount " + og(required.subtract(lock)));
    }

    static String og(BigInteger neuron) {
        return Units.neuronToOg(neuron).toPlainString();
    }
}
