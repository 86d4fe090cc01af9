package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static zg.compute.cli.KeysAndConfigTest.assertFriendlyFailure;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;

/** Every failing account command exits non-zero with the friendly text of sdk-cli.md §1.4, no stack trace. */
@ExtendWith(DevnetExtension.class)
class AccountErrorsTest {

    private static final String UNKNOWN = "0x00000000000000000000000000000000DeaDBeef";

    @Test
    void noLedger(Devnet d, @TempDir Path home) {
        CliRunner cli = CliFixtures.runnerFor(d, home, CliFixtures.fundedKey(d, 1, 50));
        assertFriendlyFailure(cli.run("get-account"),
                "✗ Operation failed: Account does not exist. Please create an account first using \"add-account\".");
        assertFriendlyFailure(cli.run("refund", "--amount", "1"), "Account does not exist");
        assertFriendlyFailure(cli.run("transfer-fund", "--provider", d.account(2).getAddress(), "--amount", "1",
                "--force"), "Account does not exist");
    }

    @Test
    void belowMinimum(Devnet d, @TempDir Path home) {
        CliRunner cli = CliFixtures.runnerFor(d, home, CliFixtures.fundedKey(d, 2, 50));
        assertFriendlyFailure(cli.run("add-account", "--amount", "1"), "Minimum balance to create a ledger is 3 0G");
        assertFriendlyFailure(cli.run("deposit", "--amount", "2.5"),
                "No account yet: the first deposit creates it and must be at least 3 0G");
        CliRunner.Result r = cli.run("add-account", "--amount", "3");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("✓ Account Created!");
        assertThat(r.cell("Total")).isEqualTo("3");
        // Refunding part of it would leave less than the minimum in the account.
        assertFriendlyFailure(cli.run("refund", "--amount", "1"), "below the minimum of 3 0G");
    }

    @Test
    void insufficientBalanceAndUnknownProvider(Devnet d, @TempDir Path home) throws Exception {
        Credentials user = CliFixtures.fundedKey(d, 3, 50);
        CliRunner cli = CliFixtures.runnerFor(d, home, user);
        String provider = CliFixtures.registerProvider(d, d.account(2), "chatbot");
        assertThat(cli.run("deposit", "--amount", "4").exit()).isZero();
        assertFriendlyFailure(cli.run("transfer-fund", "--provider", provider, "--amount", "5"),
                "Insufficient available balance: 4 0G available, 5 0G required.");
        assertFriendlyFailure(cli.run("get-sub-account", "--provider", provider),
                "Sub-account not found. Initialize it by transferring funds via \"transfer-fund\"");
        assertFriendlyFailure(cli.run("inference", "acknowledge-provider", "--provider", UNKNOWN),
                "Service not found for provider " + UNKNOWN);
        CliRunner.Result r = cli.run("inference", "get-secret", "--provider", UNKNOWN);
        assertFriendlyFailure(r, "Service not found for provider " + UNKNOWN);
        assertThat(r.err()).doesNotContain("transfer-fund");
        assertFriendlyFailure(cli.run("transfer-fund", "--provider", "0x1234", "--amount", "1"),
                "The provider is not a valid 0x address: 0x1234");
        // nobody serves there: refused, nothing moved; --force sends it anyway
        assertFriendlyFailure(cli.run("transfer-fund", "--provider", UNKNOWN, "--amount", "1"),
                UNKNOWN + " offers no inference service, so the funds would only be locked");
        assertThat(cli.run("get-account").cell("Locked (transferred to sub-accounts)")).isEqualTo("0");
        r = cli.run("transfer-fund", "--provider", UNKNOWN, "--amount", "1", "--force");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(cli.run("get-account").cell("Locked (transferred to sub-accounts)")).isEqualTo("1");
    }

    @Test
    void badAmountsAndServices(Devnet d, @TempDir Path home) {
        CliRunner cli = CliFixtures.runnerFor(d, home, CliFixtures.fundedKey(d, 4, 50));
        assertFriendlyFailure(cli.run("deposit", "--amount", "ten"), "not a number of 0G: \"ten\"");
        assertFriendlyFailure(cli.run("deposit", "--amount", "-1"), "must not be negative");
        assertFriendlyFailure(cli.run("deposit", "--amount", "0.0000000000000000001"), "more than 18 decimals");
        assertFriendlyFailure(cli.run("deposit", "--amount", "0"), "Deposit amount must be greater than 0");
        assertFriendlyFailure(cli.run("retrieve-fund", "--service", "storage"), "Unknown service \"storage\"");
    }

    @Test
    void walletWithoutFunds(Devnet d, @TempDir Path home) {
        CliRunner cli = CliFixtures.runnerFor(d, home, CliFixtures.fundedKey(d, 5, 1));
        assertFriendlyFailure(cli.run("deposit", "--amount", "5"), "Insufficient funds in your wallet");
    }

    @Test
    void unreachableRpc(@TempDir Path home) {
        CliRunner cli = new CliRunner(home);
        cli.env.put("ZG_PRIVATE_KEY", CliFixtures.hex(Credentials.create(
                org.web3j.crypto.ECKeyPair.create(java.math.BigInteger.TEN))));
        assertThat(cli.run("setup-network", "--network", "custom", "--rpc", "http://127.0.0.1:9").exit()).isZero();
        CliRunner.Result r = cli.run("get-account");
        assertFriendlyFailure(r, "127.0.0.1:9");
    }
}
