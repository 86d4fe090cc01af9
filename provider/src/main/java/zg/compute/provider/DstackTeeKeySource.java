package zg.compute.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import zg.compute.provider.internal.tee.DstackAgent;
import zg.compute.provider.internal.tee.UnixSocketHttp;

/**
 * The TEE signer key of a broker running in a dstack CVM (Intel TDX): derived by the dstack guest
 * agent ({@code GetKey}, secp256k1, deterministic per app identity, so restarts and replicas keep the
 * same signer), and bound to a TDX quote whose report data is the signer address (§11.5).
 *
 * <p>By default the key comes from the dstack ≥ 0.4 agent API, where {@code GetKey} returns the
 * secp256k1 scalar itself. {@link #connectWithTappdKey} derives it as the official broker does instead
 * (legacy tappd {@code DeriveKey}: SHA-256 of the PEM's DER bytes, provider spec §5.1). The two give
 * different signer addresses; switching needs the contract owner's acknowledgement again.
 */
public final class DstackTeeKeySource implements TeeKeySource {

    public static final Path DEFAULT_SOCKET = Path.of("/var/run/dstack.sock");
    /** Key-derivation path; changing it changes the signer address. */
    public static final String DEFAULT_KEY_PATH = "zg-compute/tee-signer";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final BigInteger CURVE_ORDER = Sign.CURVE_PARAMS.getN();

    private final ECKeyPair key;
    private final String address;
    private final Path socket;
    private final byte[] quote;
    private final String quoteJson;

    private DstackTeeKeySource(ECKeyPair key, String address, Path socket, byte[] quote, String quoteJson) {
        this.key = key;
        this.address = address;
        this.socket = socket;
        this.quote = quote;
        this.quoteJson = quoteJson;
    }

    public static DstackTeeKeySource connect(Path socket, String keyPath) throws IOException {
        return connect(socket, keyPath, DEFAULT_TIMEOUT);
    }

    /**
     * Derives the key with {@code GetKey(keyPath)}, then asks for the quote over its address and the
     * app's TCB info, once: the quote does not change while the key does not.
     *
     * @throws IOException when the agent is missing or answers something unusable; the message names
     *                     the socket and never carries key material
     */
    public static DstackTeeKeySource connect(Path socket, String keyPath, Duration timeout) throws IOException {
        DstackAgent agent = new DstackAgent(new UnixSocketHttp(socket, timeout));
        return bind(agent, socket, agent.getKey(keyPath, "signing"));
    }

    /**
     * The signer the official broker derives (provider spec §5.1): SHA-256 of the DER bytes of the PEM
     * key from the legacy tappd {@code DeriveKey(path="/")}, served on {@code tappdSocket}; the quote still
     * comes from {@code GetQuote} on {@code socket}. For a provider that keeps the signer address the
     * contract owner acknowledged for the official broker.
     */
    public static DstackTeeKeySource connectWithTappdKey(Path socket, Path tappdSocket, Duration timeout)
            throws IOException {
        byte[] der = new DstackAgent(new UnixSocketHttp(tappdSocket, timeout)).tappdDeriveKeyDer("/");
        return bind(new DstackAgent(new UnixSocketHttp(socket, timeout)), socket, Hash.sha256(der));
    }

    private static DstackTeeKeySource bind(DstackAgent agent, Path socket, byte[] raw) throws IOException {
        BigInteger d = new BigInteger(1, raw);
        if (raw.length != 32 || d.signum() == 0 || d.compareTo(CURVE_ORDER) >= 0) {
            throw new IOException("the dstack guest agent at " + socket + " derived no usable secp256k1 key ("
                    + raw.length + " bytes)");
        }
        ECKeyPair key = ECKeyPair.create(d);
        String address = Keys.toChecksumAddress(Keys.getAddress(key));
        byte[] reportData = TeeKeySource.reportData(address);
        DstackAgent.Quote q = agent.getQuote(address.getBytes(StandardCharsets.US_ASCII));
        if (!Arrays.equals(Arrays.copyOf(q.reportData(), 64), reportData)) {
            throw new IOException("the dstack guest agent at " + socket + " quoted report data that is not the signer"
                    + " address " + address);
        }
        JsonNode info = agent.info();
        String vmConfig = q.vmConfig() != null ? q.vmConfig() : info.path("vm_config").asText("");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("quote", q.quoteHex());
        body.put("event_log", q.eventLog());
        body.put("report_data", Base64.getEncoder().encodeToString(reportData));
        body.put("vm_config", vmConfig);
        body.put("tcb_info", info.get("tcb_info").asText());
        body.put("tee_key_source", "dstack");
        body.put("attested", true);
        return new DstackTeeKeySource(key, address, socket, HexFormat.of().parseHex(q.quoteHex()),
                JSON.writeValueAsString(body));
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
        return "dstack";
    }

    @Override
    public boolean attested() {
        return true;
    }

    /** The agent's {@code GetQuote} answer for the signer address, extended with the app's {@code tcb_info}. */
    @Override
    public String quoteJson() {
        return quoteJson;
    }

    @Override
    public byte[] tdxQuote() {
        return quote.clone();
    }

    @Override
    public String toString() {
        return "dstack TEE key " + address + " (derived by the guest agent at " + socket + ", TDX quote of "
                + quote.length + " bytes)";
    }
}
