package zg.compute.provider.internal.settlement;

/**
 * A hook called at each durable step of a settlement run. Production uses {@link #NONE}; crash tests
 * throw from it to simulate the process dying exactly there.
 */
@FunctionalInterface
public interface SettlementFault {

    enum Step {
        /** Items signed and journaled, nothing built for the chain yet. */
        AFTER_SIGN,
        /** The raw transaction and its hash are journaled ({@code sent}) but not broadcast. */
        BEFORE_BROADCAST,
        /** Broadcast, receipt not yet read. */
        AFTER_BROADCAST,
        /** Receipt read, rows not yet marked settled. */
        AFTER_RECEIPT
    }

    SettlementFault NONE = step -> {
    };

    void at(Step step);
}
