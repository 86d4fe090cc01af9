package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import zg.compute.cli.internal.devnet.DevnetStack;
import zg.compute.cli.internal.devnet.StackConfig;
import zg.compute.devnet.Devnet;
import zg.compute.protocol.auth.SessionToken;
import zg.compute.protocol.auth.SignedToken;
import zg.compute.sdk.BrokerOptions;
import zg.compute.sdk.ContractAddresses;
import zg.compute.sdk.ZGComputeNetworkBroker;

/**
 * Interop item 4, live: the OFFICIAL npm SDK issues an ephemeral session token and an API key at a pinned time
 * ({@code interop/token-vector.mjs}); rebuilt from the same fields, our token is byte-identical (JSON, EIP-191
 * signature, base64), and our SDK issues the same fields (time, expiry, generation read from chain, token id) at
 * that time. The generation is bumped on chain first so it is not just the default 0.
 */
class OfficialTokenInteropTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long FIXED_NOW = 1_795_000_000_123L;

    @Test
    void officialTokensAreRebuiltByteForByte(@TempDir Path dir) throws Exception {
        Path interop = OfficialSdkInteropTest.interopDir();
        try (DevnetStack stack = DevnetStack.start(
                new StackConfig(0, 3600, Duration.ofSeconds(60), null, null, null), line -> { })) {
            Devnet d = stack.devnet();
            String provider = stack.providers().get(0).address();
            Credentials user = d.account(DevnetStack.USER);
            ContractAddresses c = new ContractAddresses(d.contracts().ledger().proxy(),
                    d.contracts().inference().proxy(), d.contracts().fineTuning().proxy());
            BrokerOptions options = BrokerOptions.defaults().withContracts(c).withFundOnRequestHeaders(false)
                    .withClock(Clock.fixed(Instant.ofEpochMilli(FIXED_NOW), ZoneOffset.UTC));
            try (var ours = ZGComputeNetworkBroker.create(user, d.rpcUrl(), options)) {
                ours.inference().revokeAllTokens(provider);
                ours.inference().revokeAllTokens(provider);
            }
            long generation = d.inference(d.account(0)).getAccount(user.getAddress(), provider).send()
                    .generation.longValueExact();
            assertThat(generation).isEqualTo(2);

            JsonNode official = runOfficial(interop, dir, d, provider, stack.user().privateKey());
            SignedToken session = decode(official.path("authorization").asText().substring("Bearer ".length()));
            SignedToken apiKey = decode(official.path("apiKey").asText());

            for (SignedToken t : List.of(session, apiKey)) {
                SessionToken rebuilt = fields(t);
                assertThat(rebuilt.rawMessage()).as("token JSON, key order and number format").isEqualTo(t.rawMessage());
                SignedToken signed = SignedToken.sign(rebuilt, user);
                assertThat(signed.signature()).as("EIP-191 signature over keccak(JSON)").isEqualTo(t.signature());
                assertThat(signed.apiKey()).as("app-sk base64").isEqualTo(t.apiKey());
            }
            assertThat(fields(session).tokenId()).isEqualTo(SessionToken.EPHEMERAL_TOKEN_ID);
            assertThat(fields(session).timestamp()).isEqualTo(FIXED_NOW);
            assertThat(fields(session).generation()).isEqualTo(generation);
            assertThat(fields(apiKey).tokenId()).isEqualTo(7);
            assertThat(fields(apiKey).expiresAt()).isEqualTo(FIXED_NOW + 3_600_000);

            // the fields our SDK chooses at the same moment are the official ones (only the random nonce differs)
            try (var ours = ZGComputeNetworkBroker.create(user, d.rpcUrl(), options)) {
                String header = ours.inference().getRequestHeaders(provider).get("Authorization");
                assertSameFieldsExceptNonce(decode(header.substring("Bearer ".length())), session);
                String key = ours.inference().createApiKey(provider, Duration.ofHours(1), 7).rawToken();
                assertSameFieldsExceptNonce(decode(key), apiKey);
            }
        }
    }

    private static SessionToken fields(SignedToken t) throws IOException {
        JsonNode f = JSON.readTree(t.rawMessage());
        return new SessionToken(f.path("address").asText(), f.path("provider").asText(), f.path("timestamp").asLong(),
                f.path("expiresAt").asLong(), f.path("nonce").asText(), f.path("generation").asLong(),
                f.path("tokenId").asInt());
    }

    private static void assertSameFieldsExceptNonce(SignedToken ours, SignedToken official) throws IOException {
        JsonNode a = JSON.readTree(ours.rawMessage());
        JsonNode b = JSON.readTree(official.rawMessage());
        assertThat(a.path("nonce").asText()).isNotEmpty();
        ((com.fasterxml.jackson.databind.node.ObjectNode) a).remove("nonce");
        ((com.fasterxml.jackson.databind.node.ObjectNode) b).remove("nonce");
        assertThat(a).isEqualTo(b);
    }

    private static SignedToken decode(String apiKey) {
        assertThat(apiKey).startsWith(SignedToken.PREFIX);
        String plain = new String(Base64.getDecoder().decode(apiKey.substring(SignedToken.PREFIX.length())),
                StandardCharsets.UTF_8);
        int bar = plain.lastIndexOf('|');
        return new SignedToken(plain.substring(0, bar), plain.substring(bar + 1));
    }

    private static JsonNode runOfficial(Path interop, Path dir, Devnet d, String provider, String key)
            throws Exception {
        return OfficialSdkInteropTest.runNode(interop, dir, Map.of("PRIVATE_KEY", key, "ZG_FIXED_NOW",
                Long.toString(FIXED_NOW), "ZG_FIXED_RANDOM", "0.123456789"), Duration.ofSeconds(60), "token-vector.mjs",
                d.rpcUrl(), d.contracts().ledger().proxy(), d.contracts().inference().proxy(),
                d.contracts().fineTuning().proxy(), provider).line("TOKENS ");
    }
}
