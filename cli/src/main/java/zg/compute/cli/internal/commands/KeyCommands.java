package zg.compute.cli.internal.commands;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import zg.compute.cli.CliException;
import zg.compute.cli.Invocation;
import zg.compute.cli.internal.keys.KeySource;
import zg.compute.cli.internal.keys.KeyStoreFile;
import zg.compute.cli.internal.output.Fmt;

/** {@code login}, {@code logout}, {@code status}: the encrypted keystore. */
public final class KeyCommands {

    private KeyCommands() {
    }

    @Command(name = "login", mixinStandardHelpOptions = true, description = {
            "Store your wallet key in an encrypted keystore (scrypt) under the config directory.",
            "The key is read from a hidden prompt (or ZG_PRIVATE_KEY / PRIVATE_KEY), the passphrase from a hidden "
                    + "prompt (or ZG_KEYSTORE_PASSWORD)."})
    public static final class Login extends CliCommand {

        @Option(names = {"-f", "--force"}, description = "Replace an existing stored key")
        boolean force;

        @Option(names = {"-y", "--yes"}, description = "Do not ask for confirmation")
        boolean yes;

        @Option(names = "--light-kdf", description = "Weaker, faster scrypt (N=4096) for throw-away dev keys")
        boolean lightKdf;

        Login(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            KeySource keys = new KeySource(inv);
            KeyStoreFile store = keys.keystore();
            Optional<String> existing = store.address();
            if (existing.isPresent() && !force) {
                out().println("✓ Already logged in: " + existing.get());
                out().println("  Use \"login --force\" to store another key.");
                return 0;
            }
            String variable = keys.keyVariable();
            ECKeyPair pair;
            boolean typed = variable == null;
            if (variable != null) {
                pair = keys.parse(ctx().envValue(variable), variable);
                out().println("Using the key from " + variable + ".");
            } else {
                if (!ctx().prompter().interactive()) {
                    throw new CliException("No terminal to type the private key: run in a terminal, or set "
                            + "ZG_PRIVATE_KEY (and ZG_KEYSTORE_PASSWORD).");
                }
                char[] k = ctx().prompter().readSecret("Enter your wallet private key (hidden): ");
                if (k == null || k.length == 0) {
                    throw new CliException("No private key given.");
                }
                try {
                    pair = keys.parse(new String(k), "the prompt");
                } finally {
                    Arrays.fill(k, '\0');
                }
            }
            String address = Keys.toChecksumAddress(Keys.getAddress(pair));
            out().println("Wallet address: " + address);
            out().flush();
            if (typed && !yes && !confirm("Store this key?")) {
                throw new CliException("Login cancelled; nothing was stored.");
            }
            char[] pass = passphrase(keys);
            try {
                store.save(pair, pass, lightKdf);
            } finally {
                Arrays.fill(pass, '\0');
            }
            out().println("✓ Logged in: " + address);
            out().println("  Encrypted keystore: " + store.path());
            return 0;
        }

        private char[] passphrase(KeySource keys) {
            if (ctx().envValue(KeySource.PASSWORD_VARIABLE) != null) {
                return ctx().envValue(KeySource.PASSWORD_VARIABLE).toCharArray();
            }
            if (!ctx().prompter().interactive()) {
                throw new CliException("Set " + KeySource.PASSWORD_VARIABLE
                        + " to the passphrase that encrypts the key, or run in a terminal.");
            }
            char[] a = ctx().prompter().readSecret("Choose a passphrase for the keystore (hidden): ");
            char[] b = ctx().prompter().readSecret("Repeat the passphrase: ");
            try {
                if (a == null || a.length == 0) {
                    throw new CliException("The passphrase must not be empty.");
                }
                if (!Arrays.equals(a, b)) {
                    throw new CliException("The passphrases differ; nothing was stored.");
                }
                return a.clone();
            } finally {
                if (a != null) {
                    Arrays.fill(a, '\0');
                }
                if (b != null) {
                    Arrays.fill(b, '\0');
                }
            }
        }
    }

    @Command(name = "logout", mixinStandardHelpOptions = true, description = "Delete the stored (encrypted) key.")
    public static final class Logout extends CliCommand {

        @Option(names = {"-y", "--yes"}, description = "Do not ask for confirmation")
        boolean yes;

        Logout(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            KeyStoreFile store = new KeyStoreFile(ctx().configDir());
            Optional<String> address = store.address();
            if (address.isEmpty()) {
                out().println("Not logged in; nothing to remove.");
                return 0;
            }
            if (!yes) {
                if (!ctx().prompter().interactive()) {
                    throw new CliException("Pass --yes to remove the stored key without a terminal.");
                }
                if (!confirm("Remove the stored key of " + address.get() + "?")) {
                    out().println("Logout cancelled.");
                    return 0;
                }
            }
            store.delete();
            out().println("✓ Logged out: the keystore of " + address.get() + " was deleted.");
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Show whether a key is available.")
    public static final class Status extends CliCommand {

        @Mixin
        JsonOption json;

        Status(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            KeySource keys = new KeySource(inv);
            String variable = keys.keyVariable();
            Map<String, Object> m = new LinkedHashMap<>();
            if (variable != null) {
                m.put("loggedIn", true);
                m.put("source", variable);
                m.put("address", Keys.toChecksumAddress(Keys.getAddress(keys.parse(ctx().envValue(variable),
                        variable))));
            } else {
                Optional<String> a = keys.keystore().address();
                m.put("loggedIn", a.isPresent());
                if (a.isPresent()) {
                    m.put("source", "keystore");
                    m.put("address", a.get());
                    m.put("keystore", keys.keystore().path().toString());
                }
            }
            if (json.json) {
                out().println(Fmt.json(m));
            } else if (Boolean.TRUE.equals(m.get("loggedIn"))) {
                out().println("✓ Logged in");
                out().println("  Wallet address: " + m.get("address"));
                out().println("  Key from:       " + ("keystore".equals(m.get("source")) ? m.get("keystore")
                        + " (encrypted)" : m.get("source")));
            } else {
                out().println("⚠ Not logged in. Run \"0g-compute-cli login\" (or set ZG_PRIVATE_KEY).");
            }
            return 0;
        }
    }
}
