package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.auth.SessionHeaders;

/**
 * The LoRA routes of a chat broker (fine-tuning.md §1.10) as a client meets them: keys only from a trusted fine-tuning
 * provider's wallet, signed for this provider; the user routes behind the normal auth; a deploy of a task nobody fed
 * is refused in one line; a chat naming an unknown model is a plain chat; a broker without {@code lora:} says so.
 * (The whole flow — feed, acknowledge, deploy, chat — is the CLI's {@code FineTuningLoraTest} on the devnet.)
 */
@ExtendWith(DevnetExtension.class)
class BrokerLoraRoutesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final BigInteger IN = BigInteger.valueOf(1_000_000_000L);
    private static final BigInteger OUT = BigInteger.valueOf(3_000_000_000L);
    private static final String KEY_BODY = "{\"taskId\":\"0b5c4f2e-1111-4222-8333-944455556666\",\"storageHash\":\"0x"
            + "ab".repeat(32) + "\",\"providerEncKey\":\"0x04aa\"}";

    @Test
    void keysOnlyFromTrustedProvidersAndUserRoutesBehindAuth(Devnet d, @TempDir Path dir) throws Exception {
        Credentials trusted = d.account(7);
        BrokerFixture f = new BrokerFixture(d, dir);
        String lora = "lora: { storageDir: \"" + dir.resolve("storage") + "\", fineTuningContract: \""
                + d.contracts().fineTuning().proxy() + "\", trustedFineTuningProviders: [\"" + trusted.getAddress()
                + "\"], adapterDir: \"" + dir.resolve("adapters") + "\" }\n";
        try (ProviderBroker b = f.startService("chatbot", "dev", IN, OUT, lora)) {
            String p = f.provider.getAddress();
            long now = System.currentTimeMillis();
            assertError(postKey(f, b, Map.of()), 401, "validate session: missing session authentication headers,"
                    + " please make sure your client includes Address, Session-Token, and Session-Signature headers");
            assertError(postKey(f, b, SessionHeaders.sign(d.account(6), p, now)), 403,
                    "fine-tuning provider " + d.account(6).getAddress() + " is not trusted by this provider");
            assertError(postKey(f, b, SessionHeaders.sign(trusted, d.account(5).getAddress(), now)), 401,
                    "validate session: session token is for different provider");
            Map<String, String> forged = new java.util.HashMap<>(SessionHeaders.sign(trusted, p, now));
            forged.put(SessionHeaders.SIGNATURE, SessionHeaders.sign(d.account(6), p, now).get(SessionHeaders.SIGNATURE));
            assertError(postKey(f, b, forged), 401, "validate session: signature verification failed: address mismatch");
            HttpResponse<byte[]> ok = postKey(f, b, SessionHeaders.sign(trusted, p, now));
            assertThat(ok.statusCode()).as(BrokerFixture.text(ok)).isEqualTo(200);

            Credentials u = d.account(2);
            f.fund(u, 5, 3);
            assertThat(f.get(b, "/v1/lora/adapters", null).statusCode()).isEqualTo(400);
            JsonNode list = JSON.readTree(f.get(b, "/v1/lora/adapters", f.authorization(u)).body());
            assertThat(list.get("adapters")).isEmpty();
            assertError(f.get(b, "/v1/lora/adapters/ft-x-1", f.authorization(u)), 404, "adapter ft-x-1 not found");
            assertError(f.post(b, "/v1/lora/adapters/deploy", f.authorization(u),
                    "{\"taskId\":\"9f9f9f9f-0000-4000-8000-000000000000\",\"baseModel\":\"m\"}"), 404,
                    "no adapter of task 9f9f9f9f-0000-4000-8000-000000000000 was delivered to this provider by a"
                            + " trusted fine-tuning provider");
            // the fed task has no deliverable of this user on chain: only its user may deploy it
            assertThat(JSON.readTree(f.post(b, "/v1/lora/adapters/deploy", f.authorization(u),
                    "{\"taskId\":\"0b5c4f2e-1111-4222-8333-944455556666\",\"baseModel\":\"m\"}").body()).get("error")
                    .asText()).startsWith("task 0b5c4f2e-1111-4222-8333-944455556666 has no deliverable of yours");
            assertError(f.post(b, "/v1/lora/adapters/deploy", f.authorization(u), "[1]"), 400,
                    "invalid request body: not a JSON object");
        }
        // the fed key survives a restart (the fine-tuning provider feeds each task once)
        try (ProviderBroker b = f.startService("chatbot", "dev", IN, OUT, lora)) {
            assertThat(JSON.readTree(f.post(b, "/v1/lora/adapters/deploy", f.authorization(d.account(2)),
                    "{\"taskId\":\"0b5c4f2e-1111-4222-8333-944455556666\",\"baseModel\":\"m\"}").body())
                    .get("error").asText()).startsWith("task 0b5c4f2e-1111-4222-8333-944455556666 has no deliverable");
        }
    }

    @Test
    void aBrokerWithoutLoraSaysSo(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        try (ProviderBroker b = f.startAcknowledged(IN, OUT)) {
            assertError(f.get(b, "/v1/lora/adapters", null), 404, "LoRA adapters are not served by this provider");
        }
    }

    private static HttpResponse<byte[]> postKey(BrokerFixture f, ProviderBroker b, Map<String, String> headers) {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(b.baseUrl() + "/internal/v1/adapter-keys"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(KEY_BODY));
        headers.forEach(r::header);
        return f.send(r.build());
    }

    private static void assertError(HttpResponse<byte[]> r, int status, String error) throws Exception {
        assertThat(r.statusCode()).as(BrokerFixture.text(r)).isEqualTo(status);
        assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo(error);
    }
}
