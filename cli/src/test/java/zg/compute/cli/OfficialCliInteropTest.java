package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zg.compute.cli.internal.devnet.DevnetStack;
import zg.compute.cli.internal.devnet.StackConfig;
import zg.compute.protocol.auth.ReceivedToken;

/**
 * Interop: the OFFICIAL {@code 0g-compute-cli} from the pinned npm package reads our contracts
 * ({@code get-account}, {@code inference list-providers}), issues an API key ({@code inference get-secret}), and
 * that key is accepted by our provider broker for a paid chat completion (what a user does with curl).
 */
class OfficialCliInteropTest {

    private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*[A-Za-z]");
    private static final Pattern API_KEY = Pattern.compile("app-sk-[A-Za-z0-9+/=]+");

    @Test
    void officialCliReadsOurContractsAndItsApiKeyWorksOnOurBroker(@TempDir Path home) throws Exception {
        Path interop = OfficialSdkInteropTest.interopDir();
        try (DevnetStack stack = DevnetStack.start(
                new StackConfig(0, 3600, Duration.ofSeconds(60), null, null, null), line -> { })) {
            var p1 = stack.providers().get(0);
            var p2 = stack.providers().get(1);
            // The official CLI takes its key and RPC only from ~/.0g-compute-cli/config.json (plaintext there;
            // a throw-away HOME holding a public devnet key).
            Path config = home.resolve(".0g-compute-cli/config.json");
            Files.createDirectories(config.getParent());
            Files.writeString(config, new ObjectMapper().writeValueAsString(Map.of("privateKey",
                    stack.user().privateKey(), "rpcEndpoint", stack.devnet().rpcUrl(), "network", "custom")));

            String account = official(interop, home, "get-account");
            assertThat(account).contains(p1.address()).contains(p2.address()).contains("3.000000000000000000");

            String providers = official(interop, home, "inference", "list-providers");
            assertThat(providers).contains(p1.address()).contains(p1.model()).contains("TeeML")
                    // provider 2 serves two models: the official CLI reads our MultiModel flag and points to get-models
                    .contains("multi-model (NATIVE)").contains("inference get-models --provider").contains(p2.address());
            String models = official(interop, home, "inference", "get-models", "--provider", p2.address());
            assertThat(models).contains("Multi-model:   yes (NATIVE)").contains("Default model: " + p2.model())
                    .contains(DevnetStack.MULTI_MODEL_SECOND);

            String secret = official(interop, home, "inference", "get-secret", "--provider", p1.address(),
                    "--duration", "0");
            Matcher m = API_KEY.matcher(secret);
            assertThat(m.find()).as(secret).isTrue();
            String apiKey = m.group();
            ReceivedToken token = ReceivedToken.parse("Bearer " + apiKey);
            assertThat(token.token().address()).isEqualToIgnoringCase(stack.user().address());
            assertThat(token.token().tokenId()).isZero();
            assertThat(token.token().expiresAt()).isZero();

            HttpResponse<String> resp = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create(p1.url() + "/v1/proxy/chat/completions"))
                    .header("Authorization", "Bearer " + apiKey).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + p1.model()
                            + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello from the official CLI\"}]}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
            assertThat(resp.headers().firstValue("ZG-Res-Key")).isPresent();
            JsonNode body = new ObjectMapper().readTree(resp.body());
            assertThat(body.at("/choices/0/message/content").asText()).contains("Hello from the official CLI");
            assertThat(stack.brokers().get(0).store().unsettledFee(stack.user().address())).isPositive();
        }
    }

    /** Runs the official CLI non-interactively; fails with its output unless it exits 0 within 90 s. */
    static String official(Path interop, Path home, String... args) throws Exception {
        Path log = Files.createTempFile(home, "official-cli", ".txt");
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("node",
                "node_modules/@0gfoundation/0g-compute-ts-sdk/cli.commonjs/cli/index.js"));
        cmd.addAll(java.util.List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(interop.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("HOME", home.toString());
        pb.environment().remove("ZG_RPC_ENDPOINT");
        pb.environment().remove("RPC_ENDPOINT");
        Process p = pb.start();
        boolean done;
        try {
            done = p.waitFor(90, TimeUnit.SECONDS);
        } finally {
            p.destroyForcibly();
        }
        String out = ANSI.matcher(Files.readString(log, StandardCharsets.UTF_8)).replaceAll("");
        assertThat(done).as("official CLI %s finished; output:%n%s", String.join(" ", args), out).isTrue();
        assertThat(p.exitValue()).as("official CLI %s exit code; output:%n%s", String.join(" ", args), out).isZero();
        return out;
    }
}
