package zg.compute.devnet.testing;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.DevnetConfig;

/**
 * One real devnet (anvil + deployed contracts, lock time at the 1 h minimum) shared by every test
 * class in the JVM; each test runs between {@code evm_snapshot} and {@code evm_revert}, so it sees a
 * freshly deployed chain in milliseconds. Inject {@link Devnet} as a test or lifecycle parameter.
 */
public final class DevnetExtension implements BeforeEachCallback, AfterEachCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(DevnetExtension.class);

    /** Wraps the devnet so JUnit closes it when the root context (the whole run) ends. */
    private record Shared(Devnet devnet) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            devnet.close();
        }
    }

    static Devnet devnet(ExtensionContext context) {
        return context.getRoot().getStore(NS).getOrComputeIfAbsent("devnet",
                k -> new Shared(Devnet.start(DevnetConfig.defaults().withLockTime(DevnetConfig.MIN_LOCK_TIME))),
                Shared.class).devnet();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(NS).put("snapshot", devnet(context).chain().snapshot());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        String id = context.getStore(NS).remove("snapshot", String.class);
        if (id != null) {
            devnet(context).chain().revert(id);
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
        return p.getParameter().getType() == Devnet.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext e) {
        return devnet(e);
    }
}
