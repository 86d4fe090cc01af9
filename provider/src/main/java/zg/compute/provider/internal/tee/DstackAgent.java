package zg.compute.provider.internal.tee;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The calls the broker makes to the dstack guest agent (dstack ≥ 0.4, {@code /var/run/dstack.sock}):
 * {@code GetKey}, {@code GetQuote} and {@code Info}, JSON over HTTP as the agent's RPC API defines them.
 */
public final class DstackAgent {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HexFormat HEX = HexFormat.of();

    /**
     * @param quoteHex   the TDX quote, hex
     * @param eventLog   the RTMR event log, a JSON array as a string (as the agent sends it)
     * @param reportData the 64 report-data bytes the quote carries
     * @param vmConfig   the agent's {@code vm_config} string, or null on agents that do not send it
     */
    public record Quote(String quoteHex, String eventLog, byte[] reportData, String vmConfig) {
    }

    private final UnixSocketHttp http;

    public DstackAgent(UnixSocketHttp http) {
        this.http = http;
    }

    /**
     * {@code POST /GetKey {"path","purpose","algorithm":"secp256k1"}} → {@code {"key":"<hex>","signature_chain":[…]}}:
     * a secp256k1 private key derived from the app identity, the same for every instance of the app.
     */
    public byte[] getKey(String path, String purpose) throws IOException {
        ObjectNode req = JSON.createObjectNode().put("path", path).put("purpose", purpose).put("algorithm", "secp256k1");
        JsonNode r = call("/GetKey", req);
        return hex(r, "/GetKey", "key");
    }

    /**
     * The legacy tappd API's {@code POST /prpc/Tappd.DeriveKey {"path","subject"}} (on the tappd socket) →
     * {@code {"key":"-----BEGIN PRIVATE KEY-----…","certificate_chain":[…]}}: returns the DER bytes of that PEM.
     */
    public byte[] tappdDeriveKeyDer(String path) throws IOException {
        JsonNode r = call("/prpc/Tappd.DeriveKey", JSON.createObjectNode().put("path", path).put("subject", path));
        String pem = text(r, "/prpc/Tappd.DeriveKey", "key");
        int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = pem.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new IOException("the tappd agent at " + http.socket() + " derived a key that is not a PEM PRIVATE KEY");
        }
        try {
            return Base64.getMimeDecoder().decode(pem.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end));
        } catch (IllegalArgumentException e) {
            throw new IOException("the tappd agent at " + http.socket() + " derived a PEM key that is not base64");
        }
    }

    /** {@code POST /GetQuote {"report_data":"<hex, ≤ 64 bytes>"}} → {@code {"quote","event_log","report_data","vm_config"}}. */
    public Quote getQuote(byte[] reportData) throws IOException {
        if (reportData.length > 64) {
            throw new IllegalArgumentException("report data is " + reportData.length + " bytes, at most 64 fit");
        }
        JsonNode r = call("/GetQuote", JSON.createObjectNode().put("report_data", HEX.formatHex(reportData)));
        String quote = HEX.formatHex(hex(r, "/GetQuote", "quote"));
        return new Quote(quote, text(r, "/GetQuote", "event_log"), hex(r, "/GetQuote", "report_data"),
                r.path("vm_config").isTextual() ? r.get("vm_config").asText() : null);
    }

    /** {@code POST /Info {}} → app id, {@code tcb_info} (a JSON string with {@code app_compose}), … */
    public JsonNode info() throws IOException {
        JsonNode r = call("/Info", JSON.createObjectNode());
        text(r, "/Info", "tcb_info");
        return r;
    }

    private JsonNode call(String path, ObjectNode request) throws IOException {
        HttpResponseParser.Response r = http.postJson(path, request.toString());
        if (r.status() != 200) {
            throw new IOException("the dstack guest agent at " + http.socket() + " answered " + path + " with HTTP "
                    + r.status() + (r.body().length == 0 ? "" : ": " + HttpResponseParser.abbreviate(r.text())));
        }
        try {
            JsonNode n = JSON.readTree(r.body());
            if (n != null && n.isObject()) {
                return n;
            }
        } catch (IOException notJson) {
            // reported below
        }
        throw new IOException("the dstack guest agent at " + http.socket() + " answered " + path
                + " with something that is not a JSON object: " + HttpResponseParser.abbreviate(r.text()));
    }

    private String text(JsonNode r, String path, String field) throws IOException {
        if (!r.path(field).isTextual()) {
            throw new IOException("the dstack guest agent at " + http.socket() + " answered " + path + " without \""
                    + field + "\"");
        }
        return r.get(field).asText();
    }

    private byte[] hex(JsonNode r, String path, String field) throws IOException {
        String s = text(r, path, field);
        String h = s.startsWith("0x") ? s.substring(2) : s;
        try {
            return HEX.parseHex(h);
        } catch (IllegalArgumentException e) {
            throw new IOException("the dstack guest agent at " + http.socket() + " answered " + path + " with a \""
                    + field + "\" that is not hex");
        }
    }
}
