package zg.compute.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import zg.compute.sdk.internal.verify.AttestationReports;

/**
 * The automated checks of downloaded attestation reports (sdk-cli.md §4.3), shared by inference and fine-tuning
 * {@code verifyService} (§4.5): a broker report's {@code report_data} names the on-chain TEE signer, an LLM report's
 * {@code signing_address} the {@code TargetTeeAddress}, the compose hash matches the event log.
 */
final class AttestationCheck {

    private AttestationCheck() {
    }

    /** Saves a fetched report to {@code file} and parses it. */
    static JsonNode download(String body, String url, Path file, List<Path> files,
            Consumer<VerificationResult.Step> log) {
        write(file, body);
        files.add(file);
        log.accept(step(VerificationResult.StepType.INFO, "Saved " + url + " to " + file));
        JsonNode n = AttestationReports.parse(body);
        if (n == null || !n.isObject()) {
            throw new ProviderHttpException("The attestation report from " + url + " is not a JSON object", 200, null);
        }
        return n;
    }

    /**
     * @param reports          by kind: {@code combined}, {@code broker} or {@code llm}
     * @param targetTeeAddress the LLM node's signer (separated services), else null
     */
    static VerificationResult check(Map<String, JsonNode> reports, String teeSigner, String targetTeeAddress,
            String teeVerifier, boolean separated, String verifierUrl, List<Path> files, Path outputDir,
            List<VerificationResult.Step> steps, Consumer<VerificationResult.Step> log) {
        List<VerificationResult.ReportAddress> addresses = new ArrayList<>();
        List<String> composeDetails = new ArrayList<>();
        boolean composeOk = true;
        Set<String> images = new LinkedHashSet<>();
        List<String> unattested = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : reports.entrySet()) {
            JsonNode report = e.getValue();
            if (!AttestationReports.hasHardwareQuote(report)) {
                unattested.add(e.getKey());
                log.accept(step(VerificationResult.StepType.WARNING, e.getKey() + " report carries no hardware quote"
                        + (report.path("attested").isBoolean() ? " (attested: false)" : "") + ": not attested"));
            }
            String named;
            String expected;
            if ("llm".equals(e.getKey())) {
                named = report.path("signing_address").asText(null);
                expected = targetTeeAddress;
            } else {
                named = AttestationReports.reportDataAddress(report);
                expected = teeSigner;
            }
            boolean match = named != null && expected != null && named.equalsIgnoreCase(expected);
            addresses.add(new VerificationResult.ReportAddress(e.getKey(), named, expected, match));
            log.accept(step(match ? VerificationResult.StepType.SUCCESS : VerificationResult.StepType.ERROR,
                    e.getKey() + " report names signer " + named + (match ? " = " : " != ") + expected));
            String why = AttestationReports.composeMismatch(report);
            composeOk &= why == null;
            composeDetails.add(e.getKey() + ": " + (why == null ? "compose hash matches the event log" : why));
            log.accept(step(why == null ? VerificationResult.StepType.SUCCESS : VerificationResult.StepType.ERROR,
                    composeDetails.get(composeDetails.size() - 1)));
            images.addAll(AttestationReports.dockerImages(report));
        }
        boolean allMatch = !addresses.isEmpty() && addresses.stream().allMatch(VerificationResult.ReportAddress::match);
        log.accept(step(VerificationResult.StepType.INFO, "For full verification run dstacktee/dstack-verifier and "
                + "POST the report files to its /verify endpoint; check the image digests against the releases."));
        return new VerificationResult(true, teeVerifier, separated, verifierUrl, files, outputDir,
                new VerificationResult.SignerVerification(teeSigner, addresses, allMatch),
                new VerificationResult.ComposeVerification(composeOk, composeDetails), new ArrayList<>(images), steps,
                unattested);
    }

    static void write(Path file, String body) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, body, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ZGComputeException("Cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static VerificationResult.Step step(VerificationResult.StepType type, String message) {
        return new VerificationResult.Step(type, message);
    }
}
