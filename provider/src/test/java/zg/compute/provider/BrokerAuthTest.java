package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.auth.SessionToken;
import zg.compute.protocol.auth.SignedToken;
import zg.compute.protocol.signing.ResponseSignature;
import zg.compute.protocol.units.Units;
import zg.compute.provider.internal.settlement.SettlementFault;

/** Every rejection of provider spec §11.1–§11.3 and §11.6 with its exact status and text. */
@ExtendWith(DevnetExtension.class)
class BrokerAuthTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final BigInteger IN = BigInteger.valueOf(1_000_000_000L);
    private static final BigInteger OUT = BigInteger.valueOf(3_000_000_000L);
    private static final String CHAT = "/v1/proxy/chat/completions";

    private static void assertError(HttpResponse<byte[]> r, int status, String error) throws Exception {
        assertThat(r.statusCode()).as(BrokerFixture.text(r)).isEqualTo(status);
        assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo(error);
        assertThat(JSON.readTree(r.body()).size()).isEqualTo(1);
    }

    private static String bearer(String payload) {
        return "Bearer app-sk-" + Base64.getEncoder().encodeToString(payload.getBytes(StandardCharsets.UTF_8));
    }

    private SessionToken token(Credentials user, String provider, long expiresAt, long generation, int tokenId) {
        long now = System.currentTimeMillis();
        return new SessionToken(user.getAddress(), provider, now, expiresAt, "n" + now, generation, tokenId);
    }

    @Test
    void tokenErrorsOfSection11_1(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        try (ProviderBroker b = f.startAcknowledged(IN, OUT)) {
            Credentials u = d.account(2);
            f.fund(u, 5, 3);
            String p = f.provider.getAddress();
            String body = BrokerFixture.chat("hi", false);
            long now = System.currentTimeMillis();

            assertError(f.post(b, CHAT, null, body), 400, "validate session: missing or invalid Authorization header,"
                    + " must be Bearer app-sk-<base64(rawMessage:signature)>");
            assertError(f.post(b, CHAT, "Bearer sk-123", body), 400, "validate session: missing or invalid"
                    + " Authorization header, must be Bearer app-sk-<base64(rawMessage:signature)>");
            assertError(f.post(b, CHAT, "bearer " + f.authorization(u).substring(7), body), 400, "validate session:"
                    + " missing or invalid Authorization header, must be Bearer app-sk-<base64(rawMessage:signature)>");
            assertError(f.post(b, CHAT, "Bearer app-sk-%%%", body), 400,
                    "validate session: invalid base64 in Authorization header");
            assertError(f.post(b, CHAT, bearer("no separator here"), body), 400,
                    "validate session: invalid Authorization payload, expect base64(rawMessage:signature)");
            assertError(f.post(b, CHAT, bearer("not json|0x00"), body), 400,
                    "validate session: invalid session token format in Authorization");
            assertError(f.post(b, CHAT, BrokerFixture.token(u, token(u, d.account(5).getAddress(), now + 60_000, 0, 255)), body),
                    400, "validate session: session token is for different provider");
            assertError(f.post(b, CHAT, BrokerFixture.token(u, token(u, p, 0, 0, 255)), body), 400,
                    "validate session: ephemeral token must have an expiration time");
            assertError(f.post(b, CHAT, BrokerFixture.token(u, token(u, p, now + 86_400_000L + 60_000, 0, 255)), body),
                    400, "validate session: ephemeral token duration cannot exceed 24 hours");
            SessionToken expired = new SessionToken(u.getAddress(), p, now - 7_200_000, now - 3_600_000, "old", 0, 255);
            assertError(f.post(b, CHAT, BrokerFixture.token(u, expired), body), 400,
                    "validate session: session token expired");
            assertError(f.post(b, CHAT, BrokerFixture.token(u, token(u, p, now + 60_000, 3, 255)), body), 400,
                    "validate session: invalid session token (future generation)");

            String raw = token(u, p, now + 60_000, 0, 255).rawMessage();
            assertError(f.post(b, CHAT, bearer(raw + "|0xzz"), body), 400, "validate session: invalid signature format");
            assertError(f.post(b, CHAT, bearer(raw + "|0x1234"), body), 400, "validate session: invalid signature length");
            assertError(f.post(b, CHAT, bearer(raw + "|0x" + "11".repeat(64) + "05"), body), 400,
                    "validate session: failed to recover public key from signature");
            String forged = SignedToken.sign(token(u, p, now + 60_000, 0, 255), d.account(6)).signature();
            assertError(f.post(b, CHAT, bearer(raw + "|" + forged), body), 400,
                    "validate session: signature verification failed: address mismatch");

            assertThat(f.metrics(b))
                    .contains("zg_broker_rejections_total{reason=\"auth\"} 15.0");

            // The provider address in the token is compared case-insensitively; a valid token passes.
            HttpResponse<byte[]> ok = f.post(b, CHAT,
                    BrokerFixture.token(u, token(u, p.toUpperCase().replace("0X", "0x"), now + 60_000, 0, 255)), body);
            assertThat(ok.statusCode()).as(BrokerFixture.text(ok)).isEqualTo(200);
        }
    }

    @Test
    void tokensThatWouldNeverExpireAreRejectedAndNothingIsBilled(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        try (ProviderBroker b = f.startAcknowledged(IN, OUT)) {
            Credentials u = d.account(2);
            f.fund(u, 5, 3);
            String p = f.provider.getAddress();
            String body = BrokerFixture.chat("hi", false);
            long now = System.currentTimeMillis();
            long decade = 3650L * 86_400_000L;

            assertError(f.post(b, CHAT, BrokerFixture.token(u, token(u, p, -1, 0, 255)), body), 400,
                    "validate session: session token expiration time cannot be negative");
            assertError(f.post(b, CHAT, BrokerFixture.token(u, token(u, p, -1, 0, 4)), body), 400,
                    "validate session: session token expiration time cannot be negative");
            SessionToken futureKey = new SessionToken(u.getAddress(), p, now + decade, 0, "future-key", 0, 5);
            assertError(f.post(b, CHAT, BrokerFixture.token(u, futureKey), body), 400,
                    "validate session: session token timestamp is more than 5 minutes in the future");
            SessionToken futureSession = new SessionToken(u.getAddress(), p, now + decade, now + decade + 3_600_000L,
                    "future-session", 0, 255);
            assertError(f.post(b, CHAT, BrokerFixture.token(u, futureSession), body), 400,
                    "validate session: ephemeral token cannot expire more than 24 hours from now");
            assertThat(b.store().unsettledFee(u.getAddress())).isZero();

            // The same user with ordinary tokens (a session, a never-expiring API key) is served.
            assertThat(f.post(b, CHAT, BrokerFixture.token(u, token(u, p, now + 3_600_000L, 0, 255)), body)
                    .statusCode()).isEqualTo(200);
            assertThat(f.post(b, CHAT, BrokerFixture.token(u, token(u, p, 0, 0, 6)), body).statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    void revocationAgainstTheOnChainAccount(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        try (ProviderBroker b = f.startAcknowledged(IN, OUT)) {
            String p = f.provider.getAddress();
            String body = BrokerFixture.chat("hi", false);
            Credentials gen = d.account(2);
            Credentials bitmap = d.account(3);
            f.fund(gen, 5, 3);
            f.fund(bitmap, 5, 3);
            d.inference(gen).revokeAllTokens(p).send();
            d.inference(bitmap).revokeToken(p, BigInteger.valueOf(7)).send();
            long now = System.currentTimeMillis();

            assertError(f.post(b, CHAT, BrokerFixture.token(gen, token(gen, p, now + 60_000, 0, 255)), body), 400,
                    "validate session: session token has been revoked (generation expired)");
            HttpResponse<byte[]> current = f.post(b, CHAT, BrokerFixture.token(gen, token(gen, p, now + 60_000, 1, 255)), body);
            assertThat(current.statusCode()).as(BrokerFixture.text(current)).isEqualTo(200);

            assertError(f.post(b, CHAT, BrokerFixture.token(bitmap, token(bitmap, p, 0, 0, 7)), body), 400,
                    "validate session: session token has been revoked");
            HttpResponse<byte[]> other = f.post(b, CHAT, BrokerFixture.token(bitmap, token(bitmap, p, 0, 0, 8)), body);
            assertThat(other.statusCode()).as("persistent key 8 is not revoked").isEqualTo(200);
        }
    }

    @Test
    void accountAndAcknowledgementRulesOfSection11_2(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        String body = BrokerFixture.chat("hi", false);
        try (ProviderBroker b = f.start(IN, OUT, SettlementFault.NONE)) {
            Credentials u = d.account(2);
            f.fund(u, 5, 3);
            assertThat(b.registration().teeSignerAcknowledged()).isFalse();
            assertError(f.post(b, CHAT, f.authorization(u), body), 400, "service not acknowledge the tee signer");

            d.inference(d.account(0)).acknowledgeTEESignerByOwner(f.provider.getAddress()).send();
            assertThat(f.post(b, CHAT, f.authorization(u), body).statusCode()).isEqualTo(200);

            Credentials stranger = d.account(4);
            assertError(f.post(b, CHAT, f.authorization(stranger), body), 400,
                    "get account from contract, account not exist");

            Credentials unacked = d.account(3);
            f.fund(unacked, 5, 3);
            // The contract only lets a user withdraw the acknowledgement from an empty account.
            String p = f.provider.getAddress();
            d.ledger(unacked).retrieveFund(List.of(p), BrokerFixture.SERVICE).send();
            d.chain().increaseTime(3_601);
            d.ledger(unacked).retrieveFund(List.of(p), BrokerFixture.SERVICE).send();
            d.inference(unacked).acknowledgeTEESigner(p, false).send();
            assertError(f.post(b, CHAT, f.authorization(unacked), body), 400, "user not acknowledge the provider,"
                    + " please use acknowledgeProviderSigner function in sdk first, it will take effect in 2 minutes");
        }
    }

    @Test
    void balanceGateKeepsOneOgAboveWhatARequestCanCost(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        try (ProviderBroker b = f.startAcknowledged(IN, OUT)) {
            Credentials u = d.account(2);
            f.fund(u, 3, 1);
            String body = BrokerFixture.chat("hi", false);
            // Locked exactly the 1 0G reserve: nothing is left to pay this request with. Its smallest cost is the
            // prompt (the broker's count: 1 token + 4 per message) and one output token.
            BigInteger current = IN.multiply(BigInteger.valueOf(5)).add(OUT);
            String fee = Units.neuronToOg(current).toPlainString();
            String required = Units.neuronToOg(Units.og(1).add(current)).toPlainString();
            assertError(f.post(b, CHAT, f.authorization(u), body), 400, "insufficient balance: your locked balance is 1"
                    + " 0G, but the required minimum is " + required + " 0G (breakdown: minimum reserve 1 0G + unsettled"
                    + " fees 0 0G + current request fee " + fee + " 0G). Please add more funds with: 0g-compute-cli"
                    + " transfer-fund --provider " + Keys.toChecksumAddress(f.provider.getAddress()) + " --amount "
                    + Units.neuronToOg(current.add(Units.og(2))).toPlainString() + " (" + fee + " 0G missing + 2 0G"
                    + " for the requests after this one: 10 × this request's fee, at least the 2 0G buffer the SDK's"
                    + " auto-funding keeps)");
            assertThat(b.store().billedTotal()).isZero();
            // A top-up is seen at once (the gate re-reads the chain before refusing).
            d.ledger(u).transferFund(f.provider.getAddress(), BrokerFixture.SERVICE, Units.og(1)).send();
            assertThat(f.post(b, CHAT, f.authorization(u), body).statusCode()).isEqualTo(200);
            assertThat(b.store().unsettledFee(u.getAddress())).isPositive();
        }
    }

    @Test
    void unsettledFeeIsOnlyForTheCallerItself(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        try (ProviderBroker b = f.startAcknowledged(IN, OUT)) {
            Credentials u = d.account(2);
            f.fund(u, 5, 3);
            assertError(f.get(b, "/v1/user/" + d.account(3).getAddress() + "/unsettledfee", f.authorization(u)), 403,
                    "you can only query your own unsettled fee");
            assertError(f.get(b, "/v1/user/" + u.getAddress() + "/unsettledfee", null), 400,
                    "validate session: missing or invalid Authorization header, must be Bearer"
                            + " app-sk-<base64(rawMessage:signature)>");
            HttpResponse<byte[]> own = f.get(b, "/v1/user/" + u.getAddress().toUpperCase().replace("0X", "0x")
                    + "/unsettledfee", f.authorization(u));
            assertThat(own.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(own.body()).get("unsettledFee").asText()).isEqualTo("0");
        }
    }

    @Test
    void routePolicyBodyLimitAndCors(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        try (ProviderBroker b = f.startAcknowledged(IN, OUT)) {
            Credentials u = d.account(2);
            f.fund(u, 5, 3);
            String body = BrokerFixture.chat("hi", false);
            // Not whitelisted → refused, with or without credentials (no open relay to the upstream).
            assertError(f.post(b, "/v1/proxy/completions", f.authorization(u), body), 400, "endpoint not supported");
            assertError(f.get(b, "/v1/proxy/models", null), 400, "endpoint not supported");
            assertError(f.post(b, "/v1/proxy/chat/completions/extra", f.authorization(u), body), 400,
                    "endpoint not supported");
            assertError(f.get(b, "/v1/service", null), 400, "endpoint not supported");
            // Path variants of the billed route are billed (and authenticated), never free.
            for (String path : new String[] {"/v1/proxy/v1/chat/completions", "/v1/proxy/chat/completions/",
                    "/v1/proxy/chat/completions?x=1"}) {
                assertError(f.post(b, path, null, body), 400, "validate session: missing or invalid Authorization"
                        + " header, must be Bearer app-sk-<base64(rawMessage:signature)>");
                assertThat(f.post(b, path, f.authorization(u), body).statusCode()).isEqualTo(200);
            }

            byte[] huge = new byte[32 * 1024 * 1024 + 1];
            HttpResponse<byte[]> tooLarge = f.send(HttpRequest.newBuilder(URI.create(b.baseUrl() + CHAT))
                    .header("Authorization", f.authorization(u)).POST(HttpRequest.BodyPublishers.ofByteArray(huge)).build());
            assertError(tooLarge, 413, "Request body size exceeds the maximum allowed size of 32MB");

            HttpResponse<byte[]> withOrigin = f.send(HttpRequest.newBuilder(URI.create(b.baseUrl() + CHAT))
                    .header("Origin", "https://app.example").header("Authorization", f.authorization(u))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build());
            assertThat(withOrigin.statusCode()).isEqualTo(200);
            assertThat(withOrigin.headers().firstValue("Access-Control-Expose-Headers").orElse(""))
                    .containsIgnoringCase("ZG-Res-Key");
            assertThat(withOrigin.headers().firstValue("Access-Control-Allow-Origin")).isPresent();

            HttpResponse<byte[]> quote = f.get(b, "/v1/quote", null);
            assertThat(quote.statusCode()).isEqualTo(200);
            assertThat(quote.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
            var q = JSON.readTree(quote.body());
            assertThat(q.get("attested").asBoolean()).isFalse();
            String reportData = new String(Base64.getDecoder().decode(q.get("report_data").asText()),
                    StandardCharsets.US_ASCII).replace("\0", "");
            assertThat(reportData).isEqualTo(b.teeSignerAddress());
            var tcb = JSON.readTree(q.get("tcb_info").asText());
            String composeHash = ResponseSignature.sha256Hex(
                    tcb.get("app_compose").asText().getBytes(StandardCharsets.UTF_8));
            var events = JSON.readTree(q.get("event_log").asText());
            assertThat(events.findValues("event_payload").get(0).asText()).isEqualTo(composeHash);
            assertThat(events.get(0).get("event").asText()).isEqualTo("compose-hash");

            HttpResponse<byte[]> health = f.get(b, "/health", null);
            assertThat(health.statusCode()).isEqualTo(200);
            HttpResponse<byte[]> models = f.get(b, "/v1/models", null);
            assertThat(JSON.readTree(models.body()).at("/data/0/id").asText()).isEqualTo("dev-model");
            assertThat(JSON.readTree(models.body()).at("/data/0/pricing/outputPrice").asText()).isEqualTo(OUT.toString());
        }
    }
}
