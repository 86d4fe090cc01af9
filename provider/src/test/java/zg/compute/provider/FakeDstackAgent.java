package zg.compute.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPrivateKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A FAKE dstack guest agent: no Intel TDX machine exists here, so this stands in for
 * {@code /var/run/dstack.sock}. It speaks the agent's JSON-over-HTTP API on a real Unix domain socket
 * ({@code GetKey}, {@code GetQuote}, {@code Info}, and the legacy tappd {@code DeriveKey}; {@code Info}
 * answered chunked, the others with a Content-Length), derives a deterministic key per path, and returns a "quote" that is NOT a TDX quote
 * (a marker plus the report data) with an event log and {@code tcb_info} that are consistent with each
 * other (compose-hash event = sha256 of {@code app_compose}), as a real agent's are.
 */
final class FakeDstackAgent implements AutoCloseable {

    /** How the fake misbehaves, to test the broker's errors. */
    enum Mode { NORMAL, FAIL_500, SILENT }

    static final String IMAGE = "zg-compute/provider:fake-dstack-test";
    static final String QUOTE_MARKER = "FAKE-TDX-QUOTE(no hardware):";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HexFormat HEX = HexFormat.of();

    record Call(String path, JsonNode body) {
    }

    private final ServerSocketChannel server;
    private final Path socket;
    private final Mode mode;
    private final Thread acceptor;
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final List<SocketChannel> held = new CopyOnWriteArrayList<>();
    private final String appCompose;
    private final String eventLog;

    FakeDstackAgent(Path socket, Mode mode) throws IOException {
        this.socket = socket;
        this.mode = mode;
        this.appCompose = JSON.writeValueAsString(Map.of("manifest_version", 2, "name", "zg-provider",
                "runner", "docker-compose",
                "docker_compose_file", "services:\n  broker:\n    image: " + IMAGE + "\n"));
        Map<String, Object> boot = event(0, 2147483659L, sha384("fake firmware"), "", "");
        Map<String, Object> compose = event(3, 134217729L, sha384("compose"), "compose-hash",
                sha256(appCompose.getBytes(StandardCharsets.UTF_8)));
        this.eventLog = JSON.writeValueAsString(List.of(boot, compose));
        Files.deleteIfExists(socket);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        acceptor = new Thread(this::acceptLoop, "fake-dstack-agent");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The key this fake derives for {@code path}: sha256 of a fixed app secret and the path. */
    static byte[] derivedKey(String path) {
        try {
            return MessageDigest.getInstance("SHA-256")
                    .digest(("fake dstack app key|" + path).getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The DER (PKCS#8) of the key the legacy tappd {@code DeriveKey} returns as PEM: a P-256 key from a fixed
     * scalar, as tappd's keys are P-256 (the broker only hashes these bytes).
     */
    static byte[] tappdKeyDer() {
        try {
            AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
            p.init(new ECGenParameterSpec("secp256r1"));
            return KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(
                    new BigInteger(1, derivedKey("tappd /")), p.getParameterSpec(ECParameterSpec.class))).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The bytes this fake returns as the quote for the given (unpadded) report data. */
    static byte[] quoteFor(byte[] reportData) {
        byte[] marker = QUOTE_MARKER.getBytes(StandardCharsets.US_ASCII);
        byte[] out = Arrays.copyOf(marker, marker.length + 64);
        System.arraycopy(reportData, 0, out, marker.length, reportData.length);
        return out;
    }

    Path socket() {
        return socket;
    }

    List<Call> calls() {
        return calls;
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel c = server.accept();
                Thread t = new Thread(() -> serve(c), "fake-dstack-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(SocketChannel c) {
        try {
            String request = readRequest(c);
            int headerEnd = request.indexOf("\r\n\r\n");
            String path = request.substring(request.indexOf(' ') + 1, request.indexOf(' ', request.indexOf(' ') + 1));
            String body = request.substring(headerEnd + 4);
            calls.add(new Call(path, JSON.readTree(body.isEmpty() ? "{}" : body)));
            if (mode == Mode.SILENT) {
                held.add(c); // never answer, never close
                return;
            }
            try (c) {
                if (mode == Mode.FAIL_500) {
                    respond(c, 500, "{\"error\":\"key provider unavailable\"}", false);
                    return;
                }
                switch (path) {
                    case "/GetKey" -> respond(c, 200, getKey(calls.get(calls.size() - 1).body()), false);
                    case "/GetQuote" -> {
                        String hex = calls.get(calls.size() - 1).body().path("report_data").asText("");
                        byte[] rd = hex.matches("([0-9a-fA-F]{2}){0,64}") ? HEX.parseHex(hex) : null;
                        if (rd == null) {
                            respond(c, 400, "{\"error\":\"invalid report_data\"}", false);
                        } else {
                            respond(c, 200, getQuote(rd), false);
                        }
                    }
                    case "/Info" -> respond(c, 200, info(), true);
                    case "/prpc/Tappd.DeriveKey" -> respond(c, 200, JSON.writeValueAsString(Map.of("key",
                            "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                                    .encodeToString(tappdKeyDer()) + "\n-----END PRIVATE KEY-----\n",
                            "certificate_chain", List.of("-----BEGIN CERTIFICATE-----\nfake\n-----END CERTIFICATE-----\n"))),
                            false);
                    default -> respond(c, 404, "{\"error\":\"no such method\"}", false);
                }
            }
        } catch (IOException e) {
            // a client that went away; nothing to report
        }
    }

    private String getKey(JsonNode req) throws IOException {
        return JSON.writeValueAsString(Map.of("key", HEX.formatHex(derivedKey(req.path("path").asText("/"))),
                "signature_chain", List.of(HEX.formatHex(new byte[65]), HEX.formatHex(new byte[65]))));
    }

    private String getQuote(byte[] reportData) throws IOException {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("quote", HEX.formatHex(quoteFor(reportData)));
        r.put("event_log", eventLog);
        r.put("report_data", HEX.formatHex(Arrays.copyOf(reportData, 64)));
        r.put("vm_config", "{\"os_image_hash\":\"" + sha256("fake os".getBytes(StandardCharsets.UTF_8)) + "\"}");
        return JSON.writeValueAsString(r);
    }

    private String info() throws IOException {
        Map<String, Object> tcb = new LinkedHashMap<>();
        tcb.put("mrtd", sha384("mrtd"));
        tcb.put("rtmr3", sha384("rtmr3"));
        tcb.put("app_compose", appCompose);
        tcb.put("event_log", JSON.readTree(eventLog));
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("app_id", "fa4e0000000000000000000000000000000000aa");
        r.put("instance_id", "fa4e0000000000000000000000000000000000bb");
        r.put("app_name", "zg-provider");
        r.put("tcb_info", JSON.writeValueAsString(tcb));
        r.put("compose_hash", sha256(appCompose.getBytes(StandardCharsets.UTF_8)));
        return JSON.writeValueAsString(r);
    }

    private static Map<String, Object> event(int imr, long type, String digest, String name, String payload) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("imr", imr);
        e.put("event_type", type);
        e.put("digest", digest);
        e.put("event", name);
        e.put("event_payload", payload);
        return e;
    }

    private static String readRequest(SocketChannel c) throws IOException {
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(4096);
        while (true) {
            String s = in.toString(StandardCharsets.UTF_8);
            int end = s.indexOf("\r\n\r\n");
            if (end >= 0) {
                int len = 0;
                for (String line : s.substring(0, end).split("\r\n")) {
                    if (line.toLowerCase().startsWith("content-length:")) {
                        len = Integer.parseInt(line.substring(15).trim());
                    }
                }
                if (in.size() >= end + 4 + len) {
                    return s;
                }
            }
            buf.clear();
            if (c.read(buf) < 0) {
                throw new IOException("client closed early");
            }
            in.write(buf.array(), 0, buf.position());
        }
    }

    /** Chunked answers come in small chunks with an extension, as any HTTP/1.1 server may send them. */
    private static void respond(SocketChannel c, int status, String json, boolean chunked) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\n"
                + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + body.length + "\r\n")
                + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        if (chunked) {
            for (int i = 0; i < body.length; i += 100) {
                int n = Math.min(100, body.length - i);
                out.writeBytes((Integer.toHexString(n) + (i == 0 ? ";ext=1" : "") + "\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(body, i, n);
                out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        } else {
            out.writeBytes(body);
        }
        ByteBuffer b = ByteBuffer.wrap(out.toByteArray());
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    private static String sha256(byte[] b) {
        return digest("SHA-256", b);
    }

    private static String sha384(String s) {
        return digest("SHA-384", s.getBytes(StandardCharsets.UTF_8));
    }

    private static String digest(String alg, byte[] b) {
        try {
            return HEX.formatHex(MessageDigest.getInstance(alg).digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            server.close();
            for (SocketChannel c : held) {
                c.close();
            }
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
