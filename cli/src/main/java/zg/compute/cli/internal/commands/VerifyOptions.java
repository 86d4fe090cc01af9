package zg.compute.cli.internal.commands;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import zg.compute.cli.internal.output.Fmt;
import zg.compute.sdk.VerificationResult;

/** What the two {@code verify} commands (inference, fine-tuning) share: options, progress lines and verdict. */
public final class VerifyOptions {

    @Option(names = "--provider", required = true, paramLabel = "<address>")
    String provider;

    @Option(names = "--output-dir", paramLabel = "<dir>", defaultValue = ".",
            description = "Where the report files go (default: current directory)")
    String outputDir;

    @Mixin
    JsonOption json;

    /** Prints each step as it happens, unless {@code --json}. */
    Consumer<VerificationResult.Step> progress(CliCommand c) {
        return step -> {
            if (!json.json) {
                c.out().println("[" + step.type() + "] " + step.message());
                c.out().flush();
            }
        };
    }

    /** Prints the verification's verdict (text or {@code --json}); the exit code (1 unless attested and verified). */
    int verdict(CliCommand c, VerificationResult r) {
        if (json.json) {
            // the same verdict and exit code as the text form, in one object
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("provider", provider);
            o.put("verified", r.verified());
            o.put("attested", r.attested());
            o.put("unattestedReports", r.unattestedReports());
            o.put("reports", r.reportsGenerated().stream().map(Path::toString).toList());
            o.put("steps", r.steps().stream().map(st -> Map.of("type", st.type().toString(), "message",
                    st.message())).toList());
            c.out().println(Fmt.json(o));
            return r.verified() && r.attested() ? 0 : 1;
        }
        c.out().println("Reports: " + r.reportsGenerated());
        if (!r.verified()) {
            c.ctx().err().println("✗ Verification failed: see the steps above.");
            return 1;
        }
        if (!r.attested()) {
            // the signer matches only by the provider's word: a key outside a TEE passes the same checks
            c.ctx().err().println("✗ Not attested: the " + String.join(", ", r.unattestedReports()) + " report"
                    + (r.unattestedReports().size() == 1 ? " carries" : "s carry") + " no hardware quote; it names "
                    + "the on-chain signer, but nothing proves a TEE holds that key.");
            return 1;
        }
        c.out().println("✓ Verified: every report carries a quote, names the on-chain signer and its compose hash "
                + "matches.");
        return 0;
    }
}
