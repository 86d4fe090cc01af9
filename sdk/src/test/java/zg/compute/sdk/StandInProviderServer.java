package zg.compute.sdk;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import zg.compute.protocol.signing.ResponseSignature;

/**
 * STAND-IN for the provider broker (issue 5, built in parallel and not available here): a real HTTP
 * server on port 0 serving only the two routes the SDK calls,
 * {@code GET /v1/proxy/signature/{chatID}?model=} ({@code {text, signature, signing_address,
 * signing_algo}} signed with protocol's {@link ResponseSignature}) and
 * {@code GET /v1/user/{addr}/unsettledfee}, plus, once {@link #enableChat} was called, a canned
 * {@code POST /v1/proxy/chat/completions} that checks the app-sk token with protocol's
 * {@code ReceivedToken} (as the broker does, minus the on-chain checks), answers with a fixed completion,
 * a {@code ZG-Res-Key} header, and keeps the TEE signature of exactly those bytes. No model runs here.
 */
final class StandInProviderServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final Map<String, Map<String, String>> signatures = new ConcurrentHashMap<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private volatile String unsettledFee;
    private volatile String quote;
    private volatile String health;
    private volatile String models;
    private volatile String providerModels;
    private volatile String llmReport;
    private volatile String chatProvider;
    private volatile ECKeyPair chatTeeKey;
    private final java.util.concurrent.atomic.AtomicInteger chats = new java.util.concurrent.atomic.AtomicInteger();

    StandInProviderServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/proxy/signature/", this::signature);
        server.createContext("/v1/user/", this::unsettled);
        server.createContext("/v1/proxy/chat/completions", this::chat);
        server.createContext("/v1/proxy/images/generations", ex -> paid(ex, this::images));
        server.createContext("/v1/proxy/images/edits", ex -> paid(ex, this::images));
        server.createContext("/v1/proxy/audio/transcriptions", ex -> paid(ex, this::transcription));
        server.createContext("/v1/proxy/embeddings", ex -> paid(ex, this::embeddings));
        server.createContext("/v1/async/images/", this::asyncSubmit);
        server.createContext("/v1/async/jobs/", this::asyncPoll);
        server.createContext("/v1/quote", ex -> fixed(ex, quote));
        server.createContext("/v1/models", ex -> fixed(ex, providerModels));
        // The status service (compute-status.0g.ai) routes, so one server can play it too.
        server.createContext("/health", ex -> fixed(ex, health));
        server.createContext("/models", ex -> fixed(ex, models));
        server.createContext("/v1/proxy/attestation/report", ex -> fixed(ex, llmReport));
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Serves, for {@code chatID}, the TEE signature over these request/response bodies by {@code key}. */
    void signResponse(String chatID, byte[] request, byte[] response, ECKeyPair key) {
        ResponseSignature s = ResponseSignature.sign(request, response, key);
        signatures.put(chatID, Map.of("text", s.text(), "signature", s.signature(),
                "signing_address", Keys.toChecksumAddress(Keys.getAddress(key.getPublicKey())),
                "signing_algo", "ecdsa"));
    }

    /** Serves, for {@code chatID}, the TEE signature over an already built signed text (e.g. imagesText). */
    void signText(String chatID, String text, ECKeyPair key) {
        ResponseSignature s = ResponseSignature.sign(text, key);
        signatures.put(chatID, Map.of("text", s.text(), "signature", s.signature(),
                "signing_address", Keys.toChecksumAddress(Keys.getAddress(key.getPublicKey())),
                "signing_algo", "ecdsa"));
    }

    /** Serves an arbitrary answer (to model a forged or malformed one). */
    void serveRaw(String chatID, Map<String, String> body) {
        signatures.put(chatID, body);
    }

    /** Turns on the canned chat route for {@code provider}, signing responses with {@code teeKey}. */
    void enableChat(String provider, ECKeyPair teeKey) {
        this.chatProvider = provider;
        this.chatTeeKey = teeKey;
    }

    /** A POST with a valid app-sk token for the enabled provider; otherwise answered 404/401 here. */
    private boolean admitted(HttpExchange ex) throws IOException {
        if (chatProvider == null || !"POST".equals(ex.getRequestMethod())) {
            reply(ex, 404, "{\"error\":\"not found\"}");
            return false;
        }
        try {
            zg.compute.protocol.auth.ReceivedToken t = zg.compute.protocol.auth.ReceivedToken.parse(
                    ex.getRequestHeaders().getFirst("Authorization"));
            t.checkStatic(chatProvider, System.currentTimeMillis());
            t.checkSignature();
        } catch (zg.compute.protocol.auth.TokenException e) {
            reply(ex, 401, JSON.writeValueAsString(Map.of("error", e.getMessage())));
            return false;
        }
        return true;
    }

    private void chat(HttpExchange ex) throws IOException {
        record(ex);
        byte[] request = ex.getRequestBody().readAllBytes();
        if (!admitted(ex)) {
            return;
        }
        String chatID = "zg-chat-" + chats.incrementAndGet();
        byte[] response = ("{\"id\":\"chatcmpl-" + chatID + "\",\"object\":\"chat.completion\",\"choices\":[{"
                + "\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"canned answer\"}}],"
                + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3,\"total_tokens\":15}}")
                .getBytes(StandardCharsets.UTF_8);
        signResponse(chatID, request, response, chatTeeKey);
        ex.getResponseHeaders().set("ZG-Res-Key", chatID);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, response.length);
        ex.getResponseBody().write(response);
        ex.close();
    }

    /** A canned answer of a paid route: the bytes sent and the text the TEE signs for them. */
    private record Answer(byte[] body, String signedText) {
    }

    private interface Route {
        Answer answer(byte[] request, String contentType, String chatID) throws IOException;
    }

    private volatile boolean tamper;
    private volatile int failStatus;
    private volatile String failError;

    /**
     * From now on the image, transcription and embeddings answers differ from what was signed (a changed image,
     * text or vector) — what a client must not accept as verified.
     */
    void tamperWithAnswers(boolean on) {
        this.tamper = on;
    }

    /** The next paid request is answered with {@code status} and {@code {"error": error}}. */
    void failNext(int status, String error) {
        this.failError = error;
        this.failStatus = status;
    }

    /**
     * The broker's paid routes for the other service types (enabled with {@link #enableChat}): the app-sk token is
     * checked as for chat, the answer is canned, and the TEE signs it as our broker does — images over
     * {@code imagesText(request, decoded images)}, the rest over {@code sha256(request):sha256(answer)}.
     */
    private void paid(HttpExchange ex, Route route) throws IOException {
        record(ex);
        byte[] request = ex.getRequestBody().readAllBytes();
        if (!admitted(ex)) {
            return;
        }
        if (failStatus != 0) {
            int status = failStatus;
            failStatus = 0;
            reply(ex, status, JSON.writeValueAsString(Map.of("error", failError)));
            return;
        }
        String chatID = "zg-res-" + chats.incrementAndGet();
        Answer a = route.answer(request, ex.getRequestHeaders().getFirst("Content-Type"), chatID);
        signText(chatID, a.signedText(), chatTeeKey);
        ex.getResponseHeaders().set("ZG-Res-Key", chatID);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, a.body().length);
        ex.getResponseBody().write(a.body());
        ex.close();
    }

    private Answer images(byte[] request, String contentType, String chatID) throws IOException {
        int n = 1;
        if (contentType != null && contentType.startsWith("application/json")) {
            n = JSON.readTree(request).path("n").asInt(1);
        } else {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("name=\"n\"\r\n\r\n(\\d+)")
                    .matcher(new String(request, StandardCharsets.ISO_8859_1));
            n = m.find() ? Integer.parseInt(m.group(1)) : 1;
        }
        List<byte[]> pictures = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            pictures.add(("picture " + i + " of " + chatID).getBytes(StandardCharsets.UTF_8));
        }
        String signed = ResponseSignature.imagesText(request, pictures);
        if (tamper) {
            pictures.set(n - 1, ("another picture " + (n - 1)).getBytes(StandardCharsets.UTF_8));
        }
        var data = JSON.createArrayNode();
        pictures.forEach(p -> data.addObject().put("b64_json", java.util.Base64.getEncoder().encodeToString(p)));
        var doc = JSON.createObjectNode().put("created", 1);
        doc.set("data", data);
        return new Answer(JSON.writeValueAsBytes(doc), signed);
    }

    // ---- async image jobs (services-and-ui.md A.4) ----

    private record Job(byte[] request, String contentType, java.util.Deque<String> statuses) {
    }

    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private final List<Long> pollTimes = new CopyOnWriteArrayList<>();
    private volatile String retryAfter = "5";
    private volatile List<String> script = List.of("completed");
    private volatile String jobError = "provider returned status 500: boom";

    /**
     * The statuses the next submitted job reports, one per poll (the last one repeats), each non-final poll
     * with {@code Retry-After: retryAfterSeconds}; a failed job carries {@code error}.
     */
    void scriptAsync(String retryAfterSeconds, String error, String... statuses) {
        this.retryAfter = retryAfterSeconds;
        this.jobError = error;
        this.script = List.of(statuses);
    }

    /** When each async poll arrived (ms). */
    List<Long> pollTimes() {
        return pollTimes;
    }

    private void asyncSubmit(HttpExchange ex) throws IOException {
        record(ex);
        byte[] request = ex.getRequestBody().readAllBytes();
        if (!admitted(ex)) {
            return;
        }
        String id = java.util.UUID.randomUUID().toString();
        jobs.put(id, new Job(request, ex.getRequestHeaders().getFirst("Content-Type"),
                new java.util.ArrayDeque<>(script)));
        reply(ex, 202, "{\"jobId\":\"" + id + "\",\"status\":\"pending\"}");
    }

    private void asyncPoll(HttpExchange ex) throws IOException {
        record(ex);
        pollTimes.add(System.currentTimeMillis());
        Job job = jobs.get(ex.getRequestURI().getPath().substring("/v1/async/jobs/".length()));
        if (job == null) {
            reply(ex, 404, "{\"error\":\"job not found\"}");
            return;
        }
        String status = job.statuses().size() > 1 ? job.statuses().poll() : job.statuses().peek();
        var doc = JSON.createObjectNode().put("jobId", "x").put("status", status);
        if ("completed".equals(status)) {
            String chatID = "zg-res-" + chats.incrementAndGet();
            Answer a = images(job.request(), job.contentType(), chatID);
            signText(chatID, a.signedText(), chatTeeKey);
            doc.set("data", JSON.readTree(a.body()));
            ex.getResponseHeaders().set("ZG-Res-Key", chatID);
        } else if ("failed".equals(status)) {
            doc.put("errorMessage", jobError);
        } else {
            ex.getResponseHeaders().set("Retry-After", retryAfter);
        }
        reply(ex, 200, JSON.writeValueAsString(doc));
    }

    private Answer transcription(byte[] request, String contentType, String chatID) {
        if (!new String(request, StandardCharsets.ISO_8859_1).contains("name=\"file\"")) {
            throw new IllegalStateException("no file part");
        }
        String body = "{\"text\":\"canned transcript\",\"usage\":{\"type\":\"duration\",\"seconds\":2.6}}";
        return signedPlain(request, body, body.replace("canned", "altered"));
    }

    private Answer embeddings(byte[] request, String contentType, String chatID) throws IOException {
        com.fasterxml.jackson.databind.JsonNode input = JSON.readTree(request).path("input");
        var data = JSON.createArrayNode();
        int tokens = 0;
        for (int i = 0; i < input.size(); i++) {
            String text = input.get(i).asText();
            int words = text.isBlank() ? 1 : text.strip().split("\\s+").length;
            tokens += words;
            var item = data.addObject().put("object", "embedding").put("index", i);
            item.putArray("embedding").add(words).add(i).add(0.5);
        }
        var doc = JSON.createObjectNode().put("object", "list");
        doc.set("data", data);
        doc.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        String body = JSON.writeValueAsString(doc);
        return signedPlain(request, body, body.replace("0.5", "0.25"));
    }

    private Answer signedPlain(byte[] request, String body, String tampered) {
        String signed = ResponseSignature.text(request, body.getBytes(StandardCharsets.UTF_8));
        return new Answer((tamper ? tampered : body).getBytes(StandardCharsets.UTF_8), signed);
    }

    /** What the status service's {@code /health} and {@code /models} answer (404 while null). */
    void setStatus(String healthBody, String modelsBody) {
        this.health = healthBody;
        this.models = modelsBody;
    }

    /** What the provider's own {@code GET /v1/models} catalog answers (404 while null). */
    void setProviderModels(String body) {
        this.providerModels = body;
    }

    /** What {@code GET /v1/quote} answers (404 while null). */
    void setQuote(String body) {
        this.quote = body;
    }

    /** What {@code GET /v1/proxy/attestation/report} answers (404 while null). */
    void setLlmReport(String body) {
        this.llmReport = body;
    }

    private void fixed(HttpExchange ex, String body) throws IOException {
        record(ex);
        if (body == null) {
            reply(ex, 404, "{\"error\":\"not found\"}");
        } else {
            reply(ex, 200, body);
        }
    }

    void setUnsettledFee(String neuron) {
        this.unsettledFee = neuron;
    }

    /** Request lines seen so far ("GET /path?query"), with the Authorization header when present. */
    List<String> requests() {
        return requests;
    }

    private void signature(HttpExchange ex) throws IOException {
        record(ex);
        String chatID = ex.getRequestURI().getPath().substring("/v1/proxy/signature/".length());
        Map<String, String> body = signatures.get(chatID);
        if (body == null) {
            reply(ex, 404, "{\"error\":\"signature not found\"}");
        } else {
            reply(ex, 200, JSON.writeValueAsString(body));
        }
    }

    private void unsettled(HttpExchange ex) throws IOException {
        record(ex);
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (unsettledFee == null || auth == null || !auth.startsWith("Bearer app-sk-")
                || !ex.getRequestURI().getPath().endsWith("/unsettledfee")) {
            reply(ex, 404, "{\"error\":\"not found\"}");
        } else {
            reply(ex, 200, "{\"unsettledFee\":\"" + unsettledFee + "\"}");
        }
    }

    private void record(HttpExchange ex) {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        requests.add(ex.getRequestMethod() + " " + ex.getRequestURI() + (auth == null ? "" : " " + auth));
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
