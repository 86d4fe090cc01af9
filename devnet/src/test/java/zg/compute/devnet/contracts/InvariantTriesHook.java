package zg.compute.devnet.contracts;

import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * Lets a run override a property's constant {@code @Property(tries = …)} and seed from the command
 * line: {@code -Dzg.invariant.tries=10000} and {@code -Dzg.invariant.seed=…}. Afterwards it prints
 * how many tries jqwik actually ran, so a soak run can be checked.
 */
public final class InvariantTriesHook implements AroundPropertyHook {

    static final String TRIES = "zg.invariant.tries";
    static final String SEED = "zg.invariant.seed";

    @Override
    public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
        String tries = System.getProperty(TRIES);
        if (tries != null && !tries.isBlank()) {
            context.attributes().setTries(Integer.parseInt(tries.trim()));
        }
        String seed = System.getProperty(SEED);
        if (seed != null && !seed.isBlank()) {
            context.attributes().setSeed(seed.trim());
        }
        PropertyExecutionResult result = property.execute();
        System.out.printf("[invariant] %s: %s after %d tries (%d checks), seed %s%n", context.label(),
                result.status(), result.countTries(), result.countChecks(), result.seed().orElse("?"));
        return result;
    }
}
