package zg.compute.sdk.internal.chain;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;
import zg.compute.protocol.contracts.DecodedRevert;

class FriendlyErrorsTest {

    private static DecodedRevert revert(String name, Object... args) {
        return new DecodedRevert(name, name + "(...)", List.of(args), "0x");
    }

    @Test
    void theOfficialTextsAreVerbatim() {
        assertThat(FriendlyErrors.forRevert(revert("LedgerNotExists", "0xabc")))
                .isEqualTo("Account does not exist. Please create an account first using \"add-account\".");
        assertThat(FriendlyErrors.forRevert(revert("AccountNotExists", "0x01", "0x02")))
                .isEqualTo("Sub-account not found. Initialize it by transferring funds via \"transfer-fund\"");
    }

    @Test
    void unmappedErrorsUseTheOfficialFallbackShape() {
        String a = "0x" + "ab".repeat(20);
        assertThat(FriendlyErrors.forRevert(revert("CallerNotLedger", a)))
                .isEqualTo("Error: CallerNotLedger (Address: " + org.web3j.crypto.Keys.toChecksumAddress(a) + ")");
        assertThat(FriendlyErrors.forRevert(revert("LockTimeOutOfRange", BigInteger.ONE, BigInteger.TWO)))
                .isEqualTo("Error: LockTimeOutOfRange Arg0: 1 Arg1: 2");
        assertThat(FriendlyErrors.forRevert(new DecodedRevert("Error", "Error(string)",
                List.of("Ownable: caller is not the owner"), "0x"))).isEqualTo("Ownable: caller is not the owner");
        assertThat(FriendlyErrors.forRevert(new DecodedRevert(null, null, List.of(), "0xdeadbeef")))
                .isEqualTo("Transaction execution reverted (unknown revert 0xdeadbeef)");
    }

    @Test
    void nodeErrorsArePatternMapped() {
        assertThat(FriendlyErrors.forRpc("insufficient funds for gas * price + value"))
                .isEqualTo("Insufficient funds in your wallet to pay for this transaction and its gas.");
        assertThat(FriendlyErrors.forRpc("nonce too low")).startsWith("Transaction nonce conflict");
        assertThat(FriendlyErrors.forRpc("something else")).isEqualTo("something else");
    }

    @Test
    void fineTuningDeliverableErrorsNameTheTask() {
        assertThat(FriendlyErrors.forRevert(revert("PreviousDeliverableNotAcknowledged", "task-9")))
                .isEqualTo("The previous deliverable (task task-9) is not acknowledged yet; the user must "
                        + "acknowledge it before a new one can be added.");
        assertThat(FriendlyErrors.forRevert(revert("DeliverableNotExists", "t")))
                .startsWith("Deliverable for task t not found");
        assertThat(FriendlyErrors.forRevert(revert("CannotAcknowledgeSettledDeliverable", "t")))
                .startsWith("The deliverable for task t was already settled by the provider");
    }
}
