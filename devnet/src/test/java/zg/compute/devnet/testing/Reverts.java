package zg.compute.devnet.testing;

import static org.assertj.core.api.Assertions.fail;

import java.util.concurrent.Callable;
import zg.compute.protocol.chain.ContractRevertException;
import zg.compute.protocol.contracts.DecodedRevert;

/** Runs a contract call that must revert and hands back the decoded error. */
public final class Reverts {

    private Reverts() {
    }

    public static DecodedRevert revertOf(Callable<?> call) {
        try {
            Object result = call.call();
            return fail("expected a revert, but the call returned " + result);
        } catch (ContractRevertException e) {
            return e.revert();
        } catch (Exception e) {
            return fail("expected a contract revert, got " + e, e);
        }
    }
}
