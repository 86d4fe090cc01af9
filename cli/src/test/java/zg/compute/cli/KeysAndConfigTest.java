package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.utils.Numeric;

/** login / logout / status / setup-network / show-network and their error paths; no chain needed. */
class KeysAndConfigTest {

    private static final Credentials KEY = Credentials.create(ECKeyPair.create(BigInteger.valueOf(0xABCDEF0123L)));
    private static final String HEX = Numeric.toHexStringNoPrefixZeroPadded(KEY.getEcKeyPair().getPrivateKey(), 64);
    private static final String ADDRESS = Keys.toChecksumAddress(KEY.getAddress());
    /** Nothing listens here: commands must fail on the key before they ever reach the network. */
    private static final String DEAD_RPC = "http://127.0.0.1:9";

    @Test
    void interactiveLoginStoresAnEncryptedKeystoreOnly(@TempDir Path home) throws Exception {
        CliRunner cli = new CliRunner(home);
        cli.interactive = true;
        cli.answers.addAll(java.util.List.of("0x" + HEX, "y", "pass-phrase-1", "pass-phrase-1"));
        CliRunner.Result r = cli.run("login", "--light-kdf");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("Wallet address: " + ADDRESS).contains("✓ Logged in: " + ADDRESS);
        assertThat(cli.prompts).anyMatch(p -> p.contains("private key (hidden)"))
                .anyMatch(p -> p.startsWith("Choose a passphrase")).anyMatch(p -> p.startsWith("Repeat"));
        Path keystore = cli.configDir().resolve("keystore.json");
        String text = Files.readString(keystore);
        assertThat(text.toLowerCase(Locale.ROOT)).doesNotContain(HEX.toLowerCase(Locale.ROOT)).contains("scrypt")
                .contains(ADDRESS.substring(2).toLowerCase(Locale.ROOT));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keystore))).isEqualTo("rw-------");
        assertThat(r.all().toLowerCase(Locale.ROOT)).doesNotContain(HEX.toLowerCase(Locale.ROOT));

        r = cli.run("status");
        assertThat(r.out()).contains("✓ Logged in").contains("Wallet address: " + ADDRESS).contains("(encrypted)");
        r = cli.run("status", "--json");
        assertThat(r.out()).contains("\"loggedIn\" : true").contains("\"address\" : \"" + ADDRESS + "\"");

        r = cli.run("login");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("✓ Already logged in: " + ADDRESS);

        cli.interactive = false;
        r = cli.run("logout");
        assertFriendlyFailure(r, "Pass --yes");
        r = cli.run("logout", "--yes");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("✓ Logged out");
        assertThat(keystore).doesNotExist();
        r = cli.run("status");
        assertThat(r.out()).contains("⚠ Not logged in");
    }

    @Test
    void differingPassphrasesStoreNothing(@TempDir Path home) {
        CliRunner cli = new CliRunner(home);
        cli.interactive = true;
        cli.answers.addAll(java.util.List.of(HEX, "y", "one-passphrase", "another-one"));
        CliRunner.Result r = cli.run("login", "--light-kdf");
        assertFriendlyFailure(r, "The passphrases differ; nothing was stored.");
        assertThat(cli.configDir().resolve("keystore.json")).doesNotExist();
    }

    @Test
    void wrongPassphraseIsAFriendlyError(@TempDir Path home) {
        CliRunner cli = new CliRunner(home);
        cli.env.put("ZG_PRIVATE_KEY", HEX);
        cli.env.put("ZG_KEYSTORE_PASSWORD", "the right one");
        assertThat(cli.run("login", "--light-kdf").exit()).isZero();
        cli.env.remove("ZG_PRIVATE_KEY");
        cli.env.put("ZG_KEYSTORE_PASSWORD", "a wrong one");
        CliRunner.Result r = cli.run("get-account", "--rpc", DEAD_RPC);
        assertFriendlyFailure(r, "Wrong keystore passphrase");
    }

    @Test
    void encryptedKeyWithoutPassphraseOrTerminalIsAFriendlyError(@TempDir Path home) {
        CliRunner cli = new CliRunner(home);
        cli.env.put("ZG_PRIVATE_KEY", HEX);
        cli.env.put("ZG_KEYSTORE_PASSWORD", "pw-123456");
        assertThat(cli.run("login", "--light-kdf").exit()).isZero();
        cli.env.clear();
        cli.env.put("ZG_CONFIG_DIR", cli.configDir().toString());
        CliRunner.Result r = cli.run("deposit", "--amount", "1", "--rpc", DEAD_RPC);
        assertFriendlyFailure(r, "set ZG_KEYSTORE_PASSWORD");
    }

    @Test
    void missingKeyIsAFriendlyError(@TempDir Path home) {
        CliRunner r0 = new CliRunner(home);
        CliRunner.Result r = r0.run("get-account", "--rpc", DEAD_RPC);
        assertFriendlyFailure(r, "Not logged in: run \"0g-compute-cli login\", or set ZG_PRIVATE_KEY for scripts.");
        r = r0.run("login");
        assertFriendlyFailure(r, "No terminal to type the private key");
    }

    @Test
    void malformedKeyInTheEnvironmentIsNeverEchoed(@TempDir Path home) {
        CliRunner cli = new CliRunner(home);
        String bad = HEX.substring(0, 60) + "zzzz";
        cli.env.put("PRIVATE_KEY", bad);
        CliRunner.Result r = cli.run("get-account", "--rpc", DEAD_RPC);
        assertFriendlyFailure(r, "The private key in PRIVATE_KEY is not valid");
        assertThat(r.all()).doesNotContain(bad).doesNotContain(HEX.substring(0, 60));
    }

    @Test
    void verboseShowsTheStackTraceButNeverTheKey(@TempDir Path home) {
        CliRunner cli = new CliRunner(home);
        cli.env.put("ZG_PRIVATE_KEY", "0x" + HEX);
        CliRunner.Result r = cli.run("get-account", "--rpc", DEAD_RPC);
        assertFriendlyFailure(r, "✗ Operation failed: ");
        r = cli.run("--verbose", "get-account", "--rpc", DEAD_RPC);
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("✗ Operation failed: ").contains("\tat ");
        assertThat(r.all().toLowerCase(Locale.ROOT)).doesNotContain(HEX.toLowerCase(Locale.ROOT));
        r = cli.run("get-account", "--rpc", DEAD_RPC, "--verbose");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("\tat ");
    }

    @Test
    void setupNetworkPresetsMenuAndErrors(@TempDir Path home) throws Exception {
        CliRunner cli = new CliRunner(home);
        CliRunner.Result r = cli.run("show-network");
        assertFriendlyFailure(r, "No network configured");
        r = cli.run("setup-network");
        assertFriendlyFailure(r, "pass --network mainnet|testnet|local|custom");
        r = cli.run("setup-network", "--network", "local");
        assertFriendlyFailure(r, "No devnet.json found");
        r = cli.run("setup-network", "--network", "moon");
        assertFriendlyFailure(r, "Unknown network \"moon\"");

        r = cli.run("setup-network", "--network", "mainnet");
        assertThat(r.exit()).isZero();
        assertThat(cli.run("show-network").cell("rpcEndpoint")).isEqualTo("https://evmrpc.0g.ai");

        cli.interactive = true;
        cli.answers.add("2");
        r = cli.run("setup-network");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("1) Mainnet").contains("2) Testnet (Galileo)").contains("3) Local devnet");
        r = cli.run("show-network", "--json");
        assertThat(r.out()).contains("\"network\" : \"testnet\"").contains("https://evmrpc-testnet.0g.ai");

        r = cli.run("setup-network", "--rpc", "http://10.1.2.3:8545", "--ledger-ca",
                "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0", "--inference-ca",
                "0x0165878A594ca255338adfa4d48449f69242Eb8F");
        assertThat(r.exit()).isZero();
        r = cli.run("show-network");
        assertThat(r.cell("network")).isEqualTo("custom");
        assertThat(r.cell("ledgerCA")).isEqualTo("0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0");

        cli.env.put("ZG_RPC_ENDPOINT", "https://evmrpc.0g.ai");
        r = cli.run("show-network");
        assertThat(r.cell("source")).isEqualTo("ZG_RPC_ENDPOINT");
        assertThat(r.cell("network")).isEqualTo("mainnet");

        assertThat(Files.readString(cli.configDir().resolve("network.json"))).doesNotContain("privateKey");
    }

    @Test
    void sharesTheConfigDirWithTheOfficialCliWithoutTouchingItsFile(@TempDir Path home) throws Exception {
        CliRunner cli = new CliRunner(home);
        Path official = cli.configDir().resolve("config.json");
        Files.createDirectories(official.getParent());
        String theirs = "{\"privateKey\":\"0x01\",\"rpcEndpoint\":\"http://127.0.0.1:1\",\"network\":\"custom\"}";
        Files.writeString(official, theirs);
        CliRunner.Result r = cli.run("setup-network", "--network", "testnet");
        assertThat(r.exit()).as(r.toString()).isZero();
        r = cli.run("show-network");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.cell("network")).isEqualTo("testnet");
        assertThat(Files.readString(official)).isEqualTo(theirs);
    }

    @Test
    void setupNetworkKeepsTheLogin(@TempDir Path home) {
        CliRunner cli = new CliRunner(home);
        cli.env.put("ZG_PRIVATE_KEY", HEX);
        cli.env.put("ZG_KEYSTORE_PASSWORD", "pw-123456");
        assertThat(cli.run("login", "--light-kdf").exit()).isZero();
        CliRunner.Result r = cli.run("setup-network", "--network", "testnet");
        assertThat(r.out()).contains("Your stored login key was kept.");
        assertThat(cli.configDir().resolve("keystore.json")).exists();
    }

    @Test
    void badUsageExitsWithTwoAndPointsToTheUsage(@TempDir Path home) {
        CliRunner cli = new CliRunner(home);
        CliRunner.Result r = cli.run("deposit");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("Missing required option: '--amount=<0G>'")
                .contains("Run \"0g-compute-cli deposit --help\" for the usage.").doesNotContain("Usage:");
        r = cli.run("no-such-command");
        assertThat(r.exit()).isEqualTo(2);
        r = cli.run("--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("setup-network").contains("inference, inf");
        r = cli.run("inference", "--help");
        assertThat(r.out()).contains("list-providers").contains("get-secret").contains("revoke-all-tokens")
                .contains("update-service").contains("remove-service");
    }

    static void assertFriendlyFailure(CliRunner.Result r, String text) {
        assertThat(r.exit()).as(r.toString()).isNotZero();
        assertThat(r.err()).as(r.toString()).contains(text).doesNotContain("\tat ").doesNotContain("Exception");
    }
}
