package zg.compute.cli;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One run of the CLI: its context plus the secrets loaded during the run, which the error printer
 * removes from any message before it is shown.
 */
public final class Invocation {

    private final CliContext ctx;
    private final Set<String> secrets = ConcurrentHashMap.newKeySet();

    public Invocation(CliContext ctx) {
        this.ctx = ctx;
    }

    public CliContext ctx() {
        return ctx;
    }

    /** Remembers a secret (with and without 0x) so it can never be printed. */
    public void addSecret(String secret) {
        if (secret != null && secret.length() >= 8) {
            secrets.add(secret);
            if (secret.startsWith("0x")) {
                secrets.add(secret.substring(2));
            }
        }
    }

    public String redact(String text) {
        if (text == null) {
            return null;
        }
        String out = text;
        for (String s : secrets) {
            out = out.replace(s, "[redacted]").replace(s.toLowerCase(java.util.Locale.ROOT), "[redacted]");
        }
        return out;
    }
}
