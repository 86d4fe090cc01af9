package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zg.compute.cli.internal.devnet.DevnetStack;
import zg.compute.cli.internal.devnet.StackConfig;
import zg.compute.devnet.Devnet;
import zg.compute.protocol.units.Units;

/**
 * Interop: the OFFICIAL npm SDK {@code @0gfoundation/0g-compute-ts-sdk} 0.9.0 (pinned in {@code interop/})
 * runs the seed's inference snippet ({@code interop/seed-inference.mjs}) against our devnet and provider
 * broker: ledger deposit and transfer, listService, getServiceMetadata, getRequestHeaders, a paid chat
 * completion, processResponse (signature fetched from our broker, verified by the official code) — and the
 * fee our broker settles lands on chain.
 */
class OfficialSdkInteropTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(120);

    @Test
    void seedInferenceSnippetRunsWithTheOfficialSdk(@TempDir Path dir) throws Exception {
        Path interop = interopDir();
        try (DevnetStack stack = DevnetStack.start(
                new StackConfig(0, 3600, Duration.ofSeconds(1), null, null, null), line -> { })) {
            Devnet d = stack.devnet();
            var p1 = stack.providers().get(0);
            String user = stack.user().address();

            NodeRun run = runNode(interop, dir, stack.user().privateKey(), SCRIPT_TIMEOUT, "seed-inference.mjs",
                    d.rpcUrl(), d.contracts().ledger().proxy(), d.contracts().inference().proxy(),
                    d.contracts().fineTuning().proxy(), p1.address());
            JsonNode s = run.summary();
            String output = run.output();

            assertThat(s.path("ok").asBoolean()).as(output).isTrue();
            assertThat(s.path("user").asText()).isEqualToIgnoringCase(user);
            assertThat(s.path("services").asInt()).isEqualTo(2);
            assertThat(s.path("provider").asText()).isEqualToIgnoringCase(p1.address());
            assertThat(s.path("endpoint").asText()).isEqualTo(p1.url() + "/v1/proxy");
            assertThat(s.path("model").asText()).isEqualTo(p1.model());
            assertThat(s.path("content").asText()).contains("Hello from the official SDK");
            assertThat(s.path("chatIdFromHeader").asBoolean()).as("ZG-Res-Key header present").isTrue();
            assertThat(s.path("processResponse").isBoolean()).isTrue();
            assertThat(s.path("processResponse").asBoolean()).as("official processResponse verdict").isTrue();

            // ledger: the stack deposited 10 0G and moved 3 0G to each of the two providers
            BigInteger one = Units.og(1);
            assertThat(big(s, "/ledgerBefore/total")).isEqualTo(Units.og(10));
            assertThat(big(s, "/ledgerBefore/available")).isEqualTo(Units.og(4));
            assertThat(big(s, "/ledgerAfterDeposit/total")).isEqualTo(Units.og(11));
            assertThat(big(s, "/ledgerAfterDeposit/available")).isEqualTo(Units.og(5));
            assertThat(big(s, "/ledgerAfterTransfer/total")).isEqualTo(Units.og(11));
            assertThat(big(s, "/ledgerAfterTransfer/available")).isEqualTo(Units.og(4));
            assertThat(big(s, "/accountBefore/balance")).isEqualTo(Units.og(3));
            assertThat(big(s, "/accountAfter/balance")).isEqualTo(Units.og(3).add(one));

            // our broker settles the fee of that request on chain (1 s settlement interval)
            long prompt = s.at("/usage/prompt_tokens").asLong();
            long completion = s.at("/usage/completion_tokens").asLong();
            BigInteger fee = p1.inputPrice().multiply(BigInteger.valueOf(prompt))
                    .add(p1.outputPrice().multiply(BigInteger.valueOf(completion)));
            assertThat(fee.signum()).isPositive();
            BigInteger expected = Units.og(4).subtract(fee);
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
        }
    }

    private static BigInteger big(JsonNode s, String pointer) {
        JsonNode n = s.at(pointer);
        assertThat(n.isMissingNode()).as("summary has %s: %s", pointer, s).isFalse();
        return new BigInteger(n.asText());
    }

    /** What a script of {@code interop/} printed. */
    record NodeRun(String output) {

        /** Its one {@code SUMMARY} line's JSON. */
        JsonNode summary() throws IOException {
            return line("SUMMARY ");
        }

        /** The JSON after {@code prefix} on the one line that starts with it. */
        JsonNode line(String prefix) throws IOException {
            List<String> lines = output.lines().filter(l -> l.startsWith(prefix)).toList();
            assertThat(lines).as("one %sline in:%n%s", prefix, output).hasSize(1);
            return JSON.readTree(lines.get(0).substring(prefix.length()));
        }
    }

    /** As {@link #runNode(Path, Path, Map, Duration, String...)} with only the user's key in the environment. */
    static NodeRun runNode(Path interop, Path dir, String privateKey, Duration timeout, String... command)
            throws Exception {
        return runNode(interop, dir, Map.of("PRIVATE_KEY", privateKey), timeout, command);
    }

    /**
     * Runs {@code node <script> <args>} in {@code interop/} with {@code env} added (the user's key goes there as
     * {@code PRIVATE_KEY}, never in argv); requires exit 0 within {@code timeout}.
     */
    static NodeRun runNode(Path interop, Path dir, Map<String, String> env, Duration timeout, String... command)
            throws Exception {
        Path log = Files.createTempFile(dir, "node-output", ".txt");
        List<String> cmd = new java.util.ArrayList<>(List.of("node"));
        cmd.addAll(List.of(command));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(interop.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process node;
        try {
            node = pb.start();
        } catch (IOException e) {
            throw new AssertionError("cannot run `node` (Node.js >= 20 is required for the interop tests): "
                    + e.getMessage(), e);
        }
        boolean finished;
        try {
            finished = node.waitFor(timeout.toSeconds(), TimeUnit.SECONDS);
        } finally {
            node.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(finished).as("%s finished within %s; output:%n%s", command[0], timeout, output).isTrue();
        assertThat(node.exitValue()).as("%s exit code; output:%n%s", command[0], output).isZero();
        return new NodeRun(output);
    }

    /** {@code interop/} with the pinned official SDK installed; a missing install fails, never skips. */
    static Path interopDir() {
        String repo = System.getProperty("zg.repo.dir");
        if (repo == null || repo.isBlank()) {
            fail("system property zg.repo.dir is not set (the Maven build sets it to the repository root)");
        }
        Path interop = Path.of(repo, "interop");
        if (!Files.isDirectory(interop.resolve("node_modules/@0gfoundation/0g-compute-ts-sdk"))) {
            fail("the official SDK is not installed in " + interop + "/node_modules; run "
                    + "`(cd interop && npm ci --ignore-scripts --no-audit --no-fund)` (./zg-test does it)");
        }
        return interop;
    }
}
