package zg.compute.provider.internal.billing;

import java.math.BigInteger;
import java.util.Optional;
import java.util.OptionalLong;
import zg.compute.protocol.units.Units;
import zg.compute.provider.Store;
import zg.compute.provider.internal.auth.RequestRejected;
import zg.compute.provider.internal.chain.AccountCache;
import zg.compute.provider.internal.chain.AccountCache.AccountView;

/**
 * Admission against the user's money (sdk-cli/provider spec §11.2, made safe): a request is served only
 * if its estimated fee can be reserved, atomically in the store, from what the sub-account can still
 * pay — locked balance − the 1 0G reserve − unsettled fees − the reservations of requests in flight.
 * The reservation covers the prompt (the broker's count) and the output the request may produce
 * ({@code max_tokens}, else {@code limits.maxOutputTokens}); if less is left, the output is capped at
 * what is affordable (at least one token), so a request never runs up a bill the account cannot pay.
 * A refusal re-reads the account from chain once (the cached balance may predate a top-up).
 */
public final class BalanceGate {

    public static final BigInteger MINIMUM_LOCKED_BALANCE = Units.og(1);

    private final Store store;
    private final AccountCache accounts;
    private final String provider;
    private final BigInteger inputPrice;
    private final BigInteger outputPrice;
    private final long defaultMaxOutput;

    public BalanceGate(Store store, AccountCache accounts, String provider, BigInteger inputPrice,
            BigInteger outputPrice, long defaultMaxOutput) {
        this.store = store;
        this.accounts = accounts;
        this.provider = provider;
        this.inputPrice = inputPrice;
        this.outputPrice = outputPrice;
        this.defaultMaxOutput = defaultMaxOutput;
    }

    /**
     * What an admitted request may cost.
     *
     * @param reserved     held against the account until the request is billed; the most it is billed
     * @param outputTokens the output the reservation covers
     * @param outputCap    the {@code max_tokens} to send upstream when the reservation covers less than the
     *                     request allows; empty to leave the request as it is
     */
    public record Reservation(BigInteger reserved, long outputTokens, OptionalLong outputCap) {
    }

    /** Reserves for request {@code requestId} and writes its {@code pending} row, or refuses it. */
    public Reservation reserve(String requestId, String user, AccountView cached, long promptTokens,
            OptionalLong maxTokens, long nowMillis) throws RequestRejected {
        BigInteger promptFee = inputPrice.multiply(BigInteger.valueOf(promptTokens));
        long wanted = maxTokens.orElse(defaultMaxOutput);
        BigInteger minimum = promptFee.add(outputPrice);
        BigInteger desired = promptFee.add(outputPrice.multiply(BigInteger.valueOf(wanted)));
        Store.Admission a = store.reserve(requestId, user, minimum, desired, cached.lockBalance(),
                MINIMUM_LOCKED_BALANCE, nowMillis);
        BigInteger lock = cached.lockBalance();
        if (!a.admitted()) {
            Optional<AccountView> fresh = accounts.refresh(user);
            lock = fresh.map(AccountView::lockBalance).orElse(BigInteger.ZERO);
            if (lock.compareTo(cached.lockBalance()) > 0) {
                a = store.reserve(requestId, user, minimum, desired, lock, MINIMUM_LOCKED_BALANCE, nowMillis);
            }
        }
        if (!a.admitted()) {
            throw insufficient(lock, a.unsettled().add(a.reservedByOthers()), minimum);
        }
        if (outputPrice.signum() == 0) {
            return new Reservation(a.reserved(), wanted, OptionalLong.empty());
        }
        long affordable = a.reserved().subtract(promptFee).divide(outputPrice).min(BigInteger.valueOf(wanted))
                .longValueExact();
        return new Reservation(a.reserved(), affordable,
                affordable < wanted ? OptionalLong.of(affordable) : OptionalLong.empty());
    }

    private RequestRejected insufficient(BigInteger lock, BigInteger unsettled, BigInteger currentFee) {
        BigInteger required = MINIMUM_LOCKED_BALANCE.add(unsettled).add(currentFee);
        return new RequestRejected(400, "insufficient balance: your locked balance is " + og(lock)
                + " 0G, but the required minimum is " + og(required) + " 0G (breakdown: minimum reserve "
                + og(MINIMUM_LOCKED_BALANCE) + " 0G + unsettled fees " + og(unsettled) + " 0G + current request fee "
                + og(currentFee) + " 0G). Please add more funds with: 0g-compute-cli transfer-fund --provider "
                + provider + " --amount " + og(required.subtract(lock).max(BigInteger.ZERO)));
    }

    static String og(BigInteger neuron) {
        return Units.neuronToOg(neuron).toPlainString();
    }
}
