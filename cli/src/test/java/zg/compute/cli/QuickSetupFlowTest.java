package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.utils.Numeric;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.units.Units;

/**
 * The seed's Quick Setup and account-management commands, scripted through the CLI against a real devnet:
 * setup-network local → login → deposit → get-account → transfer-fund → get-sub-account → retrieve-fund →
 * (lock time passes) → retrieve-fund → refund → get-account, checking the printed balances at each step,
 * and that the key appears in no output, log line or file in plain text.
 */
@ExtendWith(DevnetExtension.class)
class QuickSetupFlowTest {

    @Test
    void quickSetupAndAccountManagementThroughTheCli(Devnet d, @TempDir Path home) throws Exception {
        Credentials user = Credentials.create(ECKeyPair.create(BigInteger.valueOf(0x5EED0001L)));
        d.chain().setBalance(user.getAddress(), Units.og(100));
        String keyHex = Numeric.toHexStringNoPrefixZeroPadded(user.getEcKeyPair().getPrivateKey(), 64);
        String provider = CliFixtures.registerProvider(d, d.account(2), "chatbot");
        Path devnetJson = home.resolve("devnet.json");
        d.info().write(devnetJson);

        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Level level = root.getLevel();
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        root.setLevel(Level.DEBUG);
        List<CliRunner.Result> results = new ArrayList<>();
        try {
            CliRunner cli = new CliRunner(home);

            // As the seed writes it: the menu, choosing the local devnet (./devnet.json in the working dir).
            cli.interactive = true;
            cli.answers.add("3");
            var r = step(results, cli.run("setup-network"));
            cli.interactive = false;
            assertThat(r.out()).contains("3) Local devnet").contains("✓ Network configuration completed!")
                    .contains(d.rpcUrl()).contains(devnetJson.toString());

            r = step(results, cli.run("show-network", "--json"));
            assertThat(r.out()).contains("\"network\" : \"local\"").contains("\"rpcEndpoint\" : \"" + d.rpcUrl() + "\"");

            // login takes the key from the environment once and stores it encrypted (standard scrypt).
            cli.env.put("ZG_PRIVATE_KEY", "0x" + keyHex);
            cli.env.put("ZG_KEYSTORE_PASSWORD", "correct horse battery staple");
            r = step(results, cli.run("login"));
            String address = Keys.toChecksumAddress(user.getAddress());
            assertThat(r.out()).contains("✓ Logged in: " + address);
            Path keystore = cli.configDir().resolve("keystore.json");
            String stored = Files.readString(keystore).toLowerCase(Locale.ROOT);
            assertThat(stored).doesNotContain(keyHex.toLowerCase(Locale.ROOT)).contains("\"kdf\":\"scrypt\"")
                    .contains("\"n\":262144");
            for (Path f : Files.list(cli.configDir()).toList()) {
                assertThat(Files.readString(f).toLowerCase(Locale.ROOT)).doesNotContain(keyHex.toLowerCase(Locale.ROOT));
            }
            cli.env.remove("ZG_PRIVATE_KEY");   // from here on the key comes from the keystore

            r = step(results, cli.run("status"));
            assertThat(r.out()).contains("✓ Logged in").contains(address).contains("(encrypted)");

            r = step(results, cli.run("deposit", "--amount", "10"));
            assertThat(r.out()).contains("✓ Deposited funds: 10 0G");

            r = step(results, cli.run("get-account"));
            assertThat(r.cell("Total")).isEqualTo("10");
            assertThat(r.cell("Locked (transferred to sub-accounts)")).isEqualTo("0");
            assertThat(r.cell("Available for transfer")).isEqualTo("10");

            r = step(results, cli.run("transfer-fund", "--provider", provider, "--amount", "5"));
            assertThat(r.out()).contains("✓ Transferred 5 0G to the inference sub-account of " + provider);

            r = step(results, cli.run("get-account"));
            assertThat(r.cell("Total")).isEqualTo("10");
            assertThat(r.cell("Locked (transferred to sub-accounts)")).isEqualTo("5");
            assertThat(r.cell("Available for transfer")).isEqualTo("5");
            assertThat(r.out()).containsPattern("\\| " + provider + " \\| 5 +\\| 0 +\\|");

            r = step(results, cli.run("get-sub-account", "--provider", provider));
            assertThat(r.cell("Balance (0G)")).isEqualTo("5");
            assertThat(r.cell("Funds Applied for Return to Main Account (0G)")).isEqualTo("0");
            assertThat(r.out()).contains("No pending refunds.");

            // every sub-account at once: says what gets locked, and wants a yes (no terminal here: --yes)
            r = cli.run("retrieve-fund");
            assertThat(r.exit()).as(r.toString()).isEqualTo(1);
            assertThat(r.err()).contains("requests the refund of every inference sub-account (1 provider, 5 0G)")
                    .contains("locked for 1h 0min 0s").contains("Pass --yes to confirm");
            cli.interactive = true;
            cli.answers.add("n");
            r = cli.run("retrieve-fund");
            assertThat(r.out()).contains("Cancelled; nothing was sent.").doesNotContain("Retrieve request sent");
            assertThat(cli.prompts).last().asString().contains("Request the refund of all of them?");
            cli.interactive = false;

            r = step(results, cli.run("retrieve-fund", "--yes"));
            assertThat(r.out()).contains("✓ Retrieve request sent").contains("Main account available: 5 0G")
                    .containsPattern("\\| " + provider + " \\| 5 +\\| 5 +\\|");

            r = step(results, cli.run("get-sub-account", "--provider", provider));
            assertThat(r.cell("Balance (0G)")).isEqualTo("5");
            assertThat(r.cell("Funds Applied for Return to Main Account (0G)")).isEqualTo("5");
            assertThat(r.out()).containsPattern("\\| 5 +\\| (1h 0min 0s|0h 59min \\d+s) +\\|");

            d.chain().increaseTime(3601);

            r = step(results, cli.run("get-sub-account", "--provider", provider, "--json"));
            assertThat(r.out()).contains("\"pendingRefund\" : \"5\"").contains("\"remainSeconds\" : 0");

            r = step(results, cli.run("retrieve-fund"));
            assertThat(r.out()).contains("Main account available: 10 0G")
                    .containsPattern("\\| " + provider + " \\| 0 +\\| 0 +\\|");

            r = step(results, cli.run("get-account"));
            assertThat(r.cell("Total")).isEqualTo("10");
            assertThat(r.cell("Locked (transferred to sub-accounts)")).isEqualTo("0");
            assertThat(r.cell("Available for transfer")).isEqualTo("10");

            BigInteger walletBefore = d.chain().balanceOf(user.getAddress());
            r = step(results, cli.run("refund", "--amount", "5"));
            assertThat(r.out()).contains("✓ Refunded amount: 5 0G");
            BigInteger gained = d.chain().balanceOf(user.getAddress()).subtract(walletBefore);
            assertThat(gained).isGreaterThan(Units.og(5).subtract(Units.parseOg("0.01"))).isLessThanOrEqualTo(Units.og(5));

            r = step(results, cli.run("get-account", "--json"));
            assertThat(r.out()).contains("\"total\" : \"5\"").contains("\"locked\" : \"0\"")
                    .contains("\"available\" : \"5\"");
        } finally {
            root.detachAppender(logs);
            root.setLevel(level);
        }
        assertThat(logs.list).isNotEmpty();
        for (ILoggingEvent e : logs.list) {
            assertThat(e.getFormattedMessage().toLowerCase(Locale.ROOT)).doesNotContain(keyHex.toLowerCase(Locale.ROOT));
        }
        for (CliRunner.Result res : results) {
            assertThat(res.all().toLowerCase(Locale.ROOT)).doesNotContain(keyHex.toLowerCase(Locale.ROOT));
        }
    }

    private static CliRunner.Result step(List<CliRunner.Result> all, CliRunner.Result r) {
        all.add(r);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.err()).as(r.toString()).doesNotContain("Operation failed");
        return r;
    }
}
