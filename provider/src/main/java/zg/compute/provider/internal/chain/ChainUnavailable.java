package zg.compute.provider.internal.chain;

/**
 * The chain could not be read and nothing cached can stand in: the broker answers 503 with {@code Retry-After}
 * (one summarised log line per {@link RpcOutage} window, never a stack trace per request).
 */
public final class ChainUnavailable extends RuntimeException {

    public static final String MESSAGE = "the provider cannot reach the blockchain RPC right now, please retry later";

    public ChainUnavailable(Throwable cause) {
        super(MESSAGE, cause, false, false);
    }
}
