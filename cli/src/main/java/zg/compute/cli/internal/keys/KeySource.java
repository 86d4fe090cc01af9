package zg.compute.cli.internal.keys;

import java.util.Arrays;
import java.util.regex.Pattern;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.utils.Numeric;
import zg.compute.cli.CliException;
import zg.compute.cli.Invocation;

/**
 * Where the signing key comes from: {@code ZG_PRIVATE_KEY}, then {@code PRIVATE_KEY} (for scripts), then the
 * encrypted keystore written by {@code login}, unlocked with {@code ZG_KEYSTORE_PASSWORD} or a hidden prompt.
 */
public final class KeySource {

    public static final String[] KEY_VARIABLES = {"ZG_PRIVATE_KEY", "PRIVATE_KEY"};
    public static final String PASSWORD_VARIABLE = "ZG_KEYSTORE_PASSWORD";
    private static final Pattern HEX_KEY = Pattern.compile("(0x)?[0-9a-fA-F]{64}");

    private final Invocation inv;
    private final KeyStoreFile keystore;

    public KeySource(Invocation inv) {
        this.inv = inv;
        this.keystore = new KeyStoreFile(inv.ctx().configDir());
    }

    public KeyStoreFile keystore() {
        return keystore;
    }

    /** The name of the variable holding a key, or null. */
    public String keyVariable() {
        for (String v : KEY_VARIABLES) {
            if (inv.ctx().envValue(v) != null) {
                return v;
            }
        }
        return null;
    }

    public Credentials credentials() {
        String variable = keyVariable();
        if (variable != null) {
            return Credentials.create(parse(inv.ctx().envValue(variable), variable));
        }
        if (!keystore.exists()) {
            throw new CliException("Not logged in: run \"0g-compute-cli login\", or set ZG_PRIVATE_KEY for scripts.");
        }
        char[] pass = passphrase("Keystore passphrase: ");
        try {
            Credentials c = keystore.unlock(pass);
            inv.addSecret(Numeric.toHexStringWithPrefixZeroPadded(c.getEcKeyPair().getPrivateKey(), 64));
            return c;
        } finally {
            Arrays.fill(pass, '\0');
        }
    }

    /** {@code ZG_KEYSTORE_PASSWORD}, else a hidden prompt. */
    public char[] passphrase(String prompt) {
        String env = inv.ctx().envValue(PASSWORD_VARIABLE);
        if (env != null) {
            return env.toCharArray();
        }
        if (!inv.ctx().prompter().interactive()) {
            throw new CliException("The stored key is encrypted: set " + PASSWORD_VARIABLE
                    + " or run in a terminal to type the passphrase.");
        }
        char[] p = inv.ctx().prompter().readSecret(prompt);
        if (p == null) {
            throw new CliException("No passphrase given.");
        }
        return p;
    }

    /** Validates a hex private key without ever echoing it. */
    public ECKeyPair parse(String text, String where) {
        String t = text == null ? "" : text.strip();
        inv.addSecret(t);
        if (!HEX_KEY.matcher(t).matches()) {
            throw new CliException("The private key in " + where
                    + " is not valid: expected 64 hex characters, optionally prefixed with 0x.");
        }
        ECKeyPair pair = ECKeyPair.create(Numeric.toBigInt(t));
        if (pair.getPrivateKey().signum() == 0) {
            throw new CliException("The private key in " + where + " is zero.");
        }
        return pair;
    }
}
