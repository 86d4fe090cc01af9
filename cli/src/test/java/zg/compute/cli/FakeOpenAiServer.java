package zg.compute.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A STAND-IN for a third-party OpenAI-compatible endpoint (no hosted model is reachable here): answers
 * {@code POST /v1/chat/completions} with a fixed completion, a chosen error status, or an SSE stream that
 * holds back everything after its first event until the test opens the gate. Records what it received.
 */
final class FakeOpenAiServer implements AutoCloseable {

    record Received(String path, String authorization, String body) {
    }

    final List<Received> received = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    private final CountDownLatch gate = new CountDownLatch(1);
    private volatile int status = 200;
    private volatile boolean gateOpenedInTime;

    FakeOpenAiServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
    }

    /** What an {@code --add-endpoint} URL points at (the proxy appends {@code /chat/completions}). */
    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    void answerWith(int status) {
        this.status = status;
    }

    /** Lets a held-back stream continue. */
    void openGate() {
        gate.countDown();
    }

    /** Whether the test opened the gate before the stream gave up waiting (it read the first event early). */
    boolean gateOpenedInTime() {
        return gateOpenedInTime;
    }

    private void handle(HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        received.add(new Received(ex.getRequestURI().getPath(), ex.getRequestHeaders().getFirst("Authorization"),
                body));
        if (status != 200) {
            send(ex, status, "application/json", "{\"error\":{\"message\":\"stand-in failure " + status + "\"}}");
        } else if (body.contains("\"stream\":true")) {
            stream(ex);
        } else {
            send(ex, 200, "application/json", "{\"id\":\"cmpl-fake-1\",\"object\":\"chat.completion\",\"model\":"
                    + "\"gpt-3.5-turbo\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
                    + "\"fake endpoint says hi\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":4,"
                    + "\"completion_tokens\":4,\"total_tokens\":8}}");
        }
    }

    private void stream(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(event("first"));
            os.flush();
            try {
                gateOpenedInTime = gate.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            os.write(event("second"));
            os.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        }
    }

    private static byte[] event(String content) {
        return ("data: {\"id\":\"cmpl-fake-s\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                + "\"delta\":{\"content\":\"" + content + "\"}}]}\n\n").getBytes(StandardCharsets.UTF_8);
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(b);
        }
    }

    @Override
    public void close() {
        openGate();
        server.stop(0);
    }
}
