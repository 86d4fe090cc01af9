package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static zg.compute.cli.KeysAndConfigTest.assertFriendlyFailure;

import com.sun.net.httpserver.HttpServer;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.contracts.bindings.InferenceServing;
import zg.compute.protocol.signing.ResponseSignature;
import zg.compute.protocol.units.Units;

/**
 * {@code inference verify} and {@code download-report}. A TEE with a real quote cannot exist here, so a
 * stand-in provider (a local HTTP server) serves {@code /v1/quote} reports in the dstack shape.
 */
@ExtendWith(DevnetExtension.class)
class VerifyCommandsTest {

    private HttpServer server;
    private final AtomicReference<String> quote = new AtomicReference<>();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/quote", ex -> {
            byte[] body = quote.get().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static String report(String namedSigner) {
        // a stand-in quote (hex): the CLI does not check the quote itself (dstack-verifier does), only that one is there
        return report(namedSigner, "\"quote\":\"040002008100000000000000\",");
    }

    private static String report(String namedSigner, String quoteFields) {
        String compose = "{\"docker_compose_file\":\"services:\\n  broker:\\n    image: zg/broker:1\\n\"}";
        return "{" + quoteFields + "\"report_data\":\"" + Base64.getEncoder().encodeToString(namedSigner.getBytes(StandardCharsets.UTF_8))
                + "\",\"tcb_info\":{\"app_compose\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(compose)
                + "},\"event_log\":[{\"event\":\"compose-hash\",\"event_payload\":\""
                + ResponseSignature.sha256Hex(compose.getBytes(StandardCharsets.UTF_8)) + "\"}]}";
    }

    @Test
    void verifyPassesForTheOnChainSignerAndFailsForAnother(Devnet d, @TempDir Path home) throws Exception {
        Credentials provider = d.account(5);
        Credentials tee = d.account(6);
        d.inference(provider).addOrUpdateService(new InferenceServing.ServiceParams("chatbot",
                "http://127.0.0.1:" + server.getAddress().getPort(), "org/m", "TeeML", BigInteger.ONE, BigInteger.ONE,
                "{}", tee.getAddress()), Units.og(100)).send();
        CliRunner cli = CliFixtures.runnerFor(d, home, CliFixtures.fundedKey(d, 40, 5));

        quote.set(report(tee.getAddress()));
        CliRunner.Result r = cli.run("inference", "verify", "--provider", provider.getAddress(), "--output-dir", "reports");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("[SUCCESS]").contains("✓ Verified");
        assertThat(Files.readString(home.resolve("reports/attestation_report.json"))).isEqualTo(quote.get());

        // a provider signing with a local key: the right signer, but an empty quote and "attested": false
        quote.set(report(tee.getAddress(), "\"quote\":\"\",\"attested\":false,"));
        r = cli.run("inference", "verify", "--provider", provider.getAddress(), "--output-dir", "reports");
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).doesNotContain("✓ Verified").contains("[WARNING] combined report carries no hardware quote");
        assertThat(r.err()).contains("✗ Not attested: the combined report carries no hardware quote");
        r = cli.run("inference", "verify", "--provider", provider.getAddress(), "--output-dir", "reports", "--json");
        assertThat(r.exit()).as("the same verdict as the text form").isEqualTo(1);
        var verdict = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
        assertThat(verdict.get("verified").asBoolean()).isTrue();
        assertThat(verdict.get("attested").asBoolean()).isFalse();
        assertThat(verdict.get("unattestedReports").get(0).asText()).isEqualTo("combined");
        assertThat(verdict.get("steps").size()).isPositive();

        quote.set(report(d.account(7).getAddress()));
        r = cli.run("inference", "verify", "--provider", provider.getAddress(), "--output-dir", "reports");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("[ERROR]");
        assertThat(r.err()).contains("✗ Verification failed").doesNotContain("\tat ");

        r = cli.run("inference", "download-report", "--provider", provider.getAddress(), "--output", "q.json");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(Files.readString(home.resolve("q.json"))).isEqualTo(quote.get());

        assertFriendlyFailure(cli.run("inference", "verify", "--provider", d.account(8).getAddress()),
                "Service not found");
    }
}
