package zg.compute.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.web3j.crypto.Hash;
import org.web3j.crypto.TransactionDecoder;
import org.web3j.utils.Numeric;

/**
 * A JSON-RPC proxy on loopback between a broker and anvil that misbehaves on purpose, the way real
 * RPC endpoints do on a bad day: it can hold a raw transaction instead of passing it on, drop the
 * answer of a call whose effect happened, or answer from a lagging view (no receipt yet, an old
 * nonce). Rules are tried in order; the first that returns an answer wins, otherwise the call goes
 * to anvil unchanged. Only for tests.
 */
final class RpcFaultProxy implements AutoCloseable {

    /** What a rule decides for one call. */
    sealed interface Action permits Forward, Answer, Drop {
    }

    /** Pass the call to anvil (the default). */
    record Forward() implements Action {
    }

    /** Answer with this JSON-RPC {@code result} (a JSON value) without asking anvil. */
    record Answer(JsonNode result) implements Action {
    }

    /** Pass the call to anvil, then close the connection without answering (the effect happened). */
    record Drop(boolean forwardFirst) implements Action {
    }

    /** One JSON-RPC call as the proxy sees it. */
    record Call(String method, JsonNode params) {
        String param0() {
            return params.path(0).asText();
        }
    }

    @FunctionalInterface
    interface Rule {
        /** @return an action, or null to let later rules (then anvil) decide */
        Action apply(Call call, RpcFaultProxy proxy) throws IOException;
    }

    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final HttpClient client = HttpClient.newHttpClient();
    private final URI upstream;
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final List<Call> seen = new CopyOnWriteArrayList<>();
    private final AtomicInteger ids = new AtomicInteger(1_000_000);

    RpcFaultProxy(String upstreamUrl) {
        this.upstream = URI.create(upstreamUrl);
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "rpc-fault-proxy");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    void add(Rule rule) {
        rules.add(rule);
    }

    void clear() {
        rules.clear();
    }

    /** Calls seen so far (method names in order), for assertions. */
    List<String> methods() {
        return seen.stream().map(Call::method).toList();
    }

    /** Sends a JSON-RPC call to anvil directly and returns its {@code result}. */
    JsonNode direct(String method, Object... params) throws IOException {
        ObjectNode req = JSON.createObjectNode().put("jsonrpc", "2.0").put("id", ids.incrementAndGet())
                .put("method", method);
        req.set("params", JSON.valueToTree(List.of(params)));
        JsonNode resp = JSON.readTree(post(JSON.writeValueAsBytes(req)));
        if (resp.has("error")) {
            throw new IOException(method + ": " + resp.get("error"));
        }
        return resp.get("result");
    }

    /** The selector of {@code settleFeesWithTEE(TEESettlementData[])} (contracts.md). */
    static final String SETTLE_SELECTOR = "0x8be74119";

    /** Whether a JSON-RPC call broadcasts a settlement transaction (not, say, the broker's registration). */
    static boolean isSettlementBroadcast(Call call) {
        return call.method().equals("eth_sendRawTransaction")
                && Numeric.cleanHexPrefix(TransactionDecoder.decode(call.param0()).getData())
                        .startsWith(SETTLE_SELECTOR.substring(2));
    }

    /** Hash of a raw signed transaction as the chain will know it. */
    static String txHash(String raw) {
        return Hash.sha3(raw);
    }

    private byte[] post(byte[] body) throws IOException {
        try {
            return client.send(HttpRequest.newBuilder(upstream).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray())
                    .body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = ex.getRequestBody().readAllBytes();
            JsonNode req = JSON.readTree(body);
            Call call = new Call(req.path("method").asText(), req.path("params"));
            seen.add(call);
            Action action = null;
            for (Rule r : rules) {
                action = r.apply(call, this);
                if (action != null) {
                    break;
                }
            }
            if (action instanceof Answer a) {
                ObjectNode resp = JSON.createObjectNode().put("jsonrpc", "2.0");
                resp.set("id", req.get("id"));
                resp.set("result", a.result());
                reply(ex, JSON.writeValueAsBytes(resp));
            } else if (action instanceof Drop d) {
                if (d.forwardFirst()) {
                    post(body);
                }
                // no answer: the client sees the connection close
            } else {
                reply(ex, post(body));
            }
        } catch (IOException | RuntimeException e) {
            // a broken test rule must not look like a healthy node
            ex.close();
        }
    }

    private static void reply(HttpExchange ex, byte[] bytes) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
