package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zg.compute.cli.internal.devnet.DevnetFile;
import zg.compute.cli.internal.devnet.DevnetStack;
import zg.compute.cli.internal.devnet.StackConfig;
import zg.compute.devnet.Devnet;
import zg.compute.protocol.units.Units;
import zg.compute.sdk.BrokerOptions;
import zg.compute.sdk.ContractAddresses;
import zg.compute.sdk.ResponseVerification;
import zg.compute.sdk.ServiceInfo;
import zg.compute.sdk.ZGComputeNetworkBroker;

/**
 * {@code devnet up}: the whole network starts (chain, two registered and acknowledged providers, a funded
 * user), a paid chat request through provider 1 verifies and its fee lands on chain, the command prints
 * its steps and a last line with "ready", and a SIGTERM leaves no process behind.
 */
class DevnetUpTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void refusesToOverwriteTheFileOfARunningDevnet(@TempDir Path dir) throws Exception {
        try (ServerSocket running = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Path info = dir.resolve("devnet.json");
            String before = "{\"rpcUrl\":\"http://127.0.0.1:" + running.getLocalPort() + "\",\"chainId\":31337}";
            Files.writeString(info, before);
            CliRunner.Result r = new CliRunner(dir).run("devnet", "up", "--port", "0", "--exit", "--chat-only");
            assertThat(r.exit()).as(r.toString()).isEqualTo(1);
            assertThat(r.err().lines().toList()).hasSize(1).first().asString()
                    .contains("belongs to a devnet still running at http://127.0.0.1:" + running.getLocalPort())
                    .contains("--out");
            assertThat(r.out()).doesNotContain("start anvil");
            assertThat(info).hasContent(before);
        }
    }

    @Test
    void stackServesVerifiedChatAndSettlesOnChain(@TempDir Path dir) throws Exception {
        Path info = dir.resolve("devnet.json");
        List<String> progress = new ArrayList<>();
        try (DevnetStack stack = DevnetStack.start(
                new StackConfig(0, 3600, Duration.ofSeconds(1), null, null, info), progress::add)) {
            Devnet d = stack.devnet();
            assertThat(progress).anyMatch(l -> l.startsWith("[1/6] start anvil"))
                    .anyMatch(l -> l.startsWith("[6/6] write devnet.json"));
            assertThat(stack.providers()).hasSize(2);
            var p1 = stack.providers().get(0);
            var p2 = stack.providers().get(1);
            assertThat(p1.model()).isNotEqualTo(p2.model());
            assertThat(p1.inputPrice()).isNotEqualTo(p2.inputPrice());

            // on chain: both services listed (acknowledged ones only) with the advertised model, prices and signer
            ContractAddresses c = new ContractAddresses(d.contracts().ledger().proxy(),
                    d.contracts().inference().proxy(), d.contracts().fineTuning().proxy());
            try (var ro = ZGComputeNetworkBroker.readOnly(d.rpcUrl(), BrokerOptions.defaults().withContracts(c))) {
                List<ServiceInfo> listed = ro.inference().listService();
                assertThat(listed).hasSize(2);
                for (var e : stack.providers()) {
                    ServiceInfo s = listed.stream().filter(x -> x.provider().equalsIgnoreCase(e.address()))
                            .findFirst().orElseThrow();
                    assertThat(s.teeSignerAcknowledged()).isTrue();
                    assertThat(s.teeSignerAddress()).isEqualToIgnoringCase(e.teeSigner());
                    assertThat(s.model()).isEqualTo(e.model());
                    assertThat(s.url()).isEqualTo(e.url());
                    assertThat(s.inputPrice()).isEqualTo(e.inputPrice());
                    assertThat(s.outputPrice()).isEqualTo(e.outputPrice());
                }
            }

            // devnet.json keeps the devnet's fields (readable as before) and adds providers and the user
            assertThat(DevnetFile.read(info).contracts().inference()).isEqualTo(d.contracts().inference().proxy());
            JsonNode file = JSON.readTree(info.toFile());
            assertThat(file.path("rpcUrl").asText()).isEqualTo(d.rpcUrl());
            assertThat(file.path("providers")).hasSize(2);
            assertThat(file.path("providers").get(0).path("address").asText()).isEqualTo(p1.address());
            assertThat(file.path("providers").get(0).path("teeSigner").asText()).isEqualTo(p1.teeSigner());
            assertThat(file.path("user").path("address").asText()).isEqualTo(stack.user().address());

            // the user was funded: 3 0G in each provider's sub-account
            String user = stack.user().address();
            for (var e : stack.providers()) {
                assertThat(d.inference(d.account(0)).getAccount(user, e.address()).send().balance)
                        .isEqualTo(Units.og(3));
            }

            // a real paid chat request through provider 1 with the SDK, verified
            try (var broker = ZGComputeNetworkBroker.create(d.account(DevnetStack.USER), d.rpcUrl(),
                    BrokerOptions.defaults().withContracts(c).withFundOnRequestHeaders(false))) {
                var meta = broker.inference().getServiceMetadata(p1.address());
                assertThat(meta.endpoint()).isEqualTo(p1.url() + "/v1/proxy");
                Map<String, String> headers = broker.inference().getRequestHeaders(p1.address());
                byte[] req = JSON.writeValueAsBytes(Map.of("model", meta.model(),
                        "messages", List.of(Map.of("role", "user", "content", "Hello devnet"))));
                HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(meta.endpoint() + "/chat/completions"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(req));
                headers.forEach(rb::header);
                HttpResponse<byte[]> resp = HttpClient.newHttpClient().send(rb.build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                assertThat(resp.statusCode()).as(new String(resp.body(), StandardCharsets.UTF_8)).isEqualTo(200);
                JsonNode body = JSON.readTree(resp.body());
                assertThat(body.at("/choices/0/message/content").asText()).contains("Hello devnet");
                String chatId = resp.headers().firstValue("ZG-Res-Key").orElseThrow();
                JsonNode usage = body.path("usage");
                ResponseVerification v = broker.inference().processResponse(p1.address(), chatId,
                        JSON.writeValueAsString(usage), req, resp.body());
                assertThat(v).isEqualTo(ResponseVerification.VERIFIED);

                // the fee lands on chain on the short settlement interval
                BigInteger fee = CliFixtures.fee(p1, usage);
                assertThat(fee.signum()).isPositive();
                BigInteger expected = Units.og(3).subtract(fee);
                BigInteger balance = null;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (System.nanoTime() < deadline) {
                    balance = d.inference(d.account(0)).getAccount(user, p1.address()).send().balance;
                    if (balance.equals(expected)) {
                        break;
                    }
                    Thread.sleep(200);
                }
                assertThat(balance).as("sub-account balance after settlement").isEqualTo(expected);
                assertThat(d.inference(d.account(0)).getAccount(user, p2.address()).send().balance)
                        .isEqualTo(Units.og(3));
            }
        }
    }

    /** A STAND-IN for an OpenAI-compatible model server (no model can run here), answering one fixed reply. */
    private static HttpServer standInModelServer(List<String> paths) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            paths.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath());
            ex.getRequestBody().readAllBytes();
            byte[] body = ("{\"id\":\"cmpl-upstream\",\"object\":\"chat.completion\",\"model\":\"my-model\","
                    + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"upstream says hi\"},"
                    + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":3,"
                    + "\"total_tokens\":8}}").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        return server;
    }

    @Test
    void upstreamServesProvider1(@TempDir Path dir) throws Exception {
        List<String> paths = Collections.synchronizedList(new ArrayList<>());
        HttpServer model = standInModelServer(paths);
        String upstream = "http://127.0.0.1:" + model.getAddress().getPort() + "/v1";
        List<String> progress = new ArrayList<>();
        try (DevnetStack stack = DevnetStack.start(
                new StackConfig(0, 3600, Duration.ofSeconds(5), upstream, "my-model", null), progress::add)) {
            assertThat(progress).anyMatch(l -> l.startsWith("[5/5] fund the user account"));
            Devnet d = stack.devnet();
            var p1 = stack.providers().get(0);
            assertThat(p1.model()).isEqualTo("my-model");
            assertThat(p1.backend()).isEqualTo(upstream);
            assertThat(d.inference(d.account(0)).getService(p1.address()).send().model).isEqualTo("my-model");
            assertThat(stack.providers().get(1).backend()).startsWith("development backend");

            ContractAddresses c = new ContractAddresses(d.contracts().ledger().proxy(),
                    d.contracts().inference().proxy(), d.contracts().fineTuning().proxy());
            try (var broker = ZGComputeNetworkBroker.create(d.account(DevnetStack.USER), d.rpcUrl(),
                    BrokerOptions.defaults().withContracts(c).withFundOnRequestHeaders(false))) {
                byte[] req = JSON.writeValueAsBytes(Map.of("model", "my-model",
                        "messages", List.of(Map.of("role", "user", "content", "hi"))));
                HttpResponse<byte[]> resp = CliFixtures.paidChat(broker, p1, req);
                assertThat(resp.statusCode()).isEqualTo(200);
                assertThat(JSON.readTree(resp.body()).at("/choices/0/message/content").asText())
                        .isEqualTo("upstream says hi");
                assertThat(paths).containsExactly("POST /v1/chat/completions");
                assertThat(broker.inference().processResponse(p1.address(),
                        resp.headers().firstValue("ZG-Res-Key").orElseThrow(),
                        JSON.readTree(resp.body()).path("usage").toString(), req, resp.body()))
                        .isEqualTo(ResponseVerification.VERIFIED);
            }
        } finally {
            model.stop(0);
        }
    }

    @Test
    void commandPrintsStepsReadyAndExits(@TempDir Path dir) {
        CliRunner cli = new CliRunner(dir);
        CliRunner.Result r = cli.run("devnet", "up", "--port", "0", "--exit", "--out", "net/devnet.json");
        assertThat(r.exit()).as(r.toString()).isZero();
        List<String> lines = r.out().lines().toList();
        int ready = lines.size() - 2;
        assertThat(lines.get(ready)).contains("ready");
        assertThat(lines.get(lines.size() - 1)).isEqualTo("stopped");
        assertThat(r.out()).containsPattern("\\[1/\\d+] start anvil and deploy the contracts")
                .containsPattern("\\[(\\d+)/\\1] write devnet.json")
                .contains("setup-network --network local --devnet-json " + dir.resolve("net/devnet.json"),
                        "inference get-secret --provider ", "inference list-providers", "get-account",
                        "/v1/proxy/chat/completions", "/v1/proxy/images/generations", "/v1/proxy/embeddings");
        // one line per provider, every type, the development image renderer said to be no model
        List<String> providerLines = lines.stream().filter(l -> l.matches("  provider \\d+ .*")).toList();
        assertThat(providerLines).anyMatch(l -> l.contains(" chatbot ") && l.contains("per input / output token"))
                .anyMatch(l -> l.contains(" text-to-image ") && l.contains("neuron per image")
                        && l.contains("DevImageServer") && l.contains("not a model"))
                .anyMatch(l -> l.contains(" image-editing ") && l.contains("neuron per image"))
                .anyMatch(l -> l.contains(" embedding ") && l.contains("neuron per input token")
                        && l.contains("all-MiniLM-L6-v2, a real model"));
        assertThat(providerLines).hasSizeGreaterThanOrEqualTo(5);
        assertThat(dir.resolve("net/devnet.json")).exists();
    }

    @Test
    void failedStepSaysWhichAndWhy(@TempDir Path dir) throws Exception {
        CliRunner cli = new CliRunner(dir);
        CliRunner.Result r = cli.run("devnet", "up", "--port", "0", "--exit", "--upstream", "not a url");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("--upstream must be an http(s) URL");

        int port;
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = taken.getLocalPort();
            r = cli.run("devnet", "up", "--port", String.valueOf(port), "--exit");
        }
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).matches("(?s)✗ Operation failed: step \\[1/\\d+] start anvil and deploy the contracts "
                + "failed: port " + port + " on 127.0.0.1 is already in use.*");
    }

    @Test
    void sigtermStopsBrokersAndAnvil(@TempDir Path dir) throws Exception {
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        Path log = dir.resolve("out.txt");
        Process p = new ProcessBuilder(javaBin, "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                "-Dzg.repo.dir=" + System.getProperty("zg.repo.dir", ""), Main.class.getName(),
                "devnet", "up", "--port", "0", "--settle-interval", "1", "--out", dir.resolve("devnet.json").toString())
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long startDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (p.isAlive() && !Files.readString(log).contains("devnet ready") && System.nanoTime() < startDeadline) {
                Thread.sleep(100);
            }
            assertThat(Files.readString(log)).as("devnet up output").contains("devnet ready");
            List<ProcessHandle> children = p.descendants()
                    .filter(h -> h.info().command().map(c -> !c.endsWith("sleep")).orElse(true)).toList();
            assertThat(children).as("watchdog and anvil")
                    .anyMatch(h -> h.info().command().map(c -> c.endsWith("anvil")).orElse(false));
            JsonNode file = JSON.readTree(dir.resolve("devnet.json").toFile());
            String url = file.path("providers").get(0).path("url").asText();
            HttpResponse<String> health = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(url + "/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);

            p.destroy(); // SIGTERM, what Ctrl-C's shutdown path runs
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (children.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(children).as("left behind").noneMatch(ProcessHandle::isAlive);
            assertThat(Files.readString(log).lines()).contains("stopped");
            try (var s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", URI.create(url).getPort()), 1_000);
                throw new AssertionError("provider 1 still listens after the stop");
            } catch (IOException expected) {
                // refused: the broker is gone
            }
        } finally {
            p.destroyForcibly();
        }
    }
}
