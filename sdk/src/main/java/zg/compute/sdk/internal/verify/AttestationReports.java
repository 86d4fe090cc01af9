package zg.compute.sdk.internal.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import zg.compute.protocol.signing.ResponseSignature;

/**
 * The automated checks on a dstack attestation report: which signer its {@code report_data} names,
 * whether the compose hash matches the event log, and which images it runs. No quote is verified
 * cryptographically here (neither does the official SDK); that is the dstack-verifier's job.
 */
public final class AttestationReports {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern IMAGE_JSON = Pattern.compile("\"image\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern IMAGE_YAML = Pattern.compile("(?m)^\\s*image:\\s*['\"]?([^'\"\\s]+)");

    private AttestationReports() {
    }

    public static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (Exception e) {
            return null;
        }
    }

    /**
     * Whether the report carries hardware evidence: a non-empty {@code quote} (dstack) or {@code intel_quote}
     * (model reports), and not {@code "attested": false} (a provider signing with a local key says so).
     */
    public static boolean hasHardwareQuote(JsonNode report) {
        if (report.path("attested").isBoolean() && !report.get("attested").asBoolean()) {
            return false;
        }
        return !report.path("quote").asText("").isBlank() || !report.path("intel_quote").asText("").isBlank();
    }

    /** {@code report_data} (base64) as text without NUL padding, or null when absent/undecodable. */
    public static String reportDataAddress(JsonNode report) {
        String b64 = report.path("report_data").asText("");
        if (b64.isEmpty()) {
            return null;
        }
        try {
            return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8).replace("\0", "").trim();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** {@code tcb_info} or {@code info.tcb_info}, which may itself be a JSON string; null if absent. */
    public static JsonNode tcbInfo(JsonNode report) {
        JsonNode t = report.has("tcb_info") ? report.get("tcb_info") : report.path("info").get("tcb_info");
        return unwrap(t);
    }

    /** The event log, a JSON array or a string holding one; null if absent. */
    public static JsonNode eventLog(JsonNode report) {
        JsonNode e = report.has("event_log") ? report.get("event_log") : report.path("info").get("event_log");
        return unwrap(e);
    }

    /** Null when the hash matches, else why not. */
    public static String composeMismatch(JsonNode report) {
        JsonNode tcb = tcbInfo(report);
        JsonNode log = eventLog(report);
        if (tcb == null || !tcb.path("app_compose").isTextual()) {
            return "no tcb_info.app_compose";
        }
        if (log == null || !log.isArray()) {
            return "no event_log";
        }
        String expected = ResponseSignature.sha256Hex(tcb.get("app_compose").asText().getBytes(StandardCharsets.UTF_8));
        for (JsonNode entry : log) {
            if ("compose-hash".equals(entry.path("event").asText())) {
                String got = entry.path("event_payload").asText("");
                return got.equalsIgnoreCase(expected) ? null
                        : "compose-hash event " + got + " != sha256(app_compose) " + expected;
            }
        }
        return "no compose-hash event in the event log";
    }

    /** Docker images named in tcb_info (JSON {@code "image": "…"} or compose YAML {@code image: …}). */
    public static Set<String> dockerImages(JsonNode report) {
        Set<String> out = new LinkedHashSet<>();
        JsonNode tcb = tcbInfo(report);
        if (tcb == null) {
            return out;
        }
        collect(IMAGE_JSON, tcb.toString(), out);
        if (tcb.path("app_compose").isTextual()) {
            String compose = tcb.get("app_compose").asText();
            collect(IMAGE_JSON, compose, out);
            JsonNode inner = parse(compose);
            String yaml = inner != null && inner.path("docker_compose_file").isTextual()
                    ? inner.get("docker_compose_file").asText() : compose;
            collect(IMAGE_YAML, yaml, out);
        }
        return out;
    }

    private static void collect(Pattern p, String text, Set<String> out) {
        Matcher m = p.matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
    }

    private static JsonNode unwrap(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return null;
        }
        return n.isTextual() ? parse(n.asText()) : n;
    }
}
