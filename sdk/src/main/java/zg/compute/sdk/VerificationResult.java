package zg.compute.sdk;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@code verifyService} found (sdk-cli.md §4.3). As in the official SDK, {@code success} only means
 * nothing failed to download; whether the checks passed is {@link #verified()}, and whether the reports carry
 * hardware evidence at all is {@link #attested()} ({@link #unattestedReports()} names those that do not).
 */
public record VerificationResult(boolean success, String teeVerifier, boolean targetSeparated, String verifierURL,
        List<Path> reportsGenerated, Path outputDirectory, SignerVerification signerVerification,
        ComposeVerification composeVerification, List<String> dockerImages, List<Step> steps,
        List<String> unattestedReports) {

    public VerificationResult {
        unattestedReports = List.copyOf(unattestedReports);
        reportsGenerated = List.copyOf(reportsGenerated);
        dockerImages = List.copyOf(dockerImages);
        steps = List.copyOf(steps);
    }

    /** Every report is bound to the expected signer and every compose hash matches its event log. */
    public boolean verified() {
        return signerVerification.allMatch() && composeVerification.passed();
    }

    /**
     * Every report also carries hardware evidence (a quote, not {@code attested: false}). Without it a match
     * above proves only that the provider says so: a key held outside a TEE passes the same checks.
     */
    public boolean attested() {
        return !signerVerification.reportAddresses().isEmpty() && unattestedReports.isEmpty();
    }

    /** The signer each report names, against the address on chain. */
    public record SignerVerification(String contractAddress, List<ReportAddress> reportAddresses, boolean allMatch) {
        public SignerVerification {
            reportAddresses = List.copyOf(reportAddresses);
        }
    }

    public record ReportAddress(String reportType, String address, String expected, boolean match) {
    }

    /** {@code sha256(tcb_info.app_compose)} against the event log's {@code compose-hash} entry, per report. */
    public record ComposeVerification(boolean passed, List<String> details) {
        public ComposeVerification {
            details = List.copyOf(details);
        }
    }

    public enum StepType { INFO, SUCCESS, ERROR, WARNING, STEP }

    public record Step(StepType type, String message) {
    }
}
