package zg.compute.provider;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * A TEE signer key supplied from outside (env var or key file). It is NOT attested: nothing
 * proves it lives in an enclave; use it for development and for hosts without a TEE.
 */
public final class LocalTeeKeySource implements TeeKeySource {

    private final ECKeyPair key;
    private final String address;

    public LocalTeeKeySource(ECKeyPair key) {
        this.key = key;
        this.address = Keys.toChecksumAddress(Keys.getAddress(key));
    }

    public static LocalTeeKeySource fromHex(String privateKeyHex) {
        return new LocalTeeKeySource(Credentials.create(privateKeyHex).getEcKeyPair());
    }

    @Override
    public ECKeyPair key() {
        return key;
    }

    @Override
    public String address() {
        return address;
    }

    @Override
    public String kind() {
        return "local";
    }

    @Override
    public boolean attested() {
        return false;
    }

    /**
     * A quote of the dstack shape with an EMPTY TDX quote: {@code report_data} = the checksummed signer
     * address (ASCII, zero-padded to 64 bytes, base64), and an {@code app_compose} whose sha256 is the
     * {@code compose-hash} event's payload, so the SDK's consistency checks pass — but a verifier finds no
     * hardware evidence, and {@code "attested": false} says so.
     */
    @Override
    public String quoteJson() {
        try {
            ObjectMapper json = new ObjectMapper();
            String compose = json.writeValueAsString(Map.of("name", "zg-compute-provider", "runner", "local",
                    "attested", false, "tee_signer", address));
            String composeHash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(compose.getBytes(StandardCharsets.UTF_8)));
            byte[] reportData = TeeKeySource.reportData(address);
            Map<String, Object> event = new LinkedHashMap<>();
            event.put("imr", 3);
            event.put("event_type", 134217729);
            event.put("digest", composeHash);
            event.put("event", "compose-hash");
            event.put("event_payload", composeHash);
            Map<String, Object> tcb = new LinkedHashMap<>();
            tcb.put("app_compose", compose);
            tcb.put("event_log", List.of(event));
            Map<String, Object> quote = new LinkedHashMap<>();
            quote.put("quote", "");
            quote.put("event_log", json.writeValueAsString(List.of(event)));
            quote.put("report_data", Base64.getEncoder().encodeToString(reportData));
            quote.put("vm_config", "{}");
            quote.put("tcb_info", json.writeValueAsString(tcb));
            quote.put("tee_key_source", "local");
            quote.put("attested", false);
            return json.writeValueAsString(quote);
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** No quote: nothing attests a key supplied from outside. */
    @Override
    public byte[] tdxQuote() {
        return new byte[0];
    }

    @Override
    public String toString() {
        return "local TEE key " + address + " (UNATTESTED)";
    }
}
