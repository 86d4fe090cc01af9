package zg.compute.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.auth.ReceivedToken;
import zg.compute.protocol.auth.SessionToken;
import zg.compute.protocol.units.Units;

@ExtendWith(DevnetExtension.class)
class InferenceBrokerTest {

    private static final String SUB_ACCOUNT_NOT_FOUND =
            "Sub-account not found. Initialize it by transferring funds via \"transfer-fund\"";
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    /** Provider = account 5 with a chatbot service; user = account 1 with a 10 0G ledger. */
    private static String setUpProvider(Devnet d) throws Exception {
        Credentials provider = d.account(5);
        SdkFixtures.registerService(d, provider, "http://127.0.0.1:9/", "org/model-a", d.account(6).getAddress(),
                "{}");
        return provider.getAddress();
    }

    private static ZGComputeNetworkBroker user(Devnet d, SdkFixtures.ManualClock clock) {
        return ZGComputeNetworkBroker.create(d.account(1), d.rpcUrl(), SdkFixtures.options().withClock(clock));
    }

    private static ReceivedToken parse(Map<String, String> headers) throws Exception {
        assertThat(headers).containsOnlyKeys("Authorization");
        return ReceivedToken.parse(headers.get("Authorization"));
    }

    @Test
    void getAccountWithoutSubAccountIsSubAccountNotFound(Devnet d) throws Exception {
        String p = setUpProvider(d);
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            assertThatThrownBy(() -> b.inference().getAccount(p))
                    .isInstanceOfSatisfying(ContractErrorException.class,
                            e -> assertThat(e.errorName()).isEqualTo("AccountNotExists"))
                    .hasMessage(SUB_ACCOUNT_NOT_FOUND);
            assertThat(b.inference().acknowledged(p)).isFalse();
        }
    }

    @Test
    void unknownProviderIsServiceNotFound(Devnet d) {
        String unknown = d.account(9).getAddress();
        String expected = "Service not found for provider " + Keys.toChecksumAddress(unknown)
                + ". Check the address with \"inference list-providers\".";
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            b.ledger().addLedger(Amount.og("5"));
            assertThatThrownBy(() -> b.inference().getServiceMetadata(unknown))
                    .isInstanceOfSatisfying(ContractErrorException.class,
                            e -> assertThat(e.errorName()).isEqualTo("ServiceNotExist"))
                    .hasMessage(expected);
            assertThatThrownBy(() -> b.inference().acknowledgeProviderSigner(unknown)).hasMessage(expected);
            assertThatThrownBy(() -> b.inference().processResponse(unknown, "chat", null)).hasMessage(expected);
            // Nothing was transferred to the unknown address.
            assertThat(b.ledger().getLedger().availableBalance()).isEqualTo(Units.og(5));
        }
    }

    @Test
    void serviceMetadataIsTheProxyEndpointAndModel(Devnet d) throws Exception {
        String p = setUpProvider(d);
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            assertThat(b.inference().getServiceMetadata(p))
                    .isEqualTo(new ServiceMetadata("http://127.0.0.1:9/v1/proxy", "org/model-a"));
            ServiceInfo s = b.inference().getService(p);
            assertThat(s.provider()).isEqualTo(Keys.toChecksumAddress(p));
            assertThat(s.inputPrice()).isEqualTo(BigInteger.valueOf(1000));
            assertThat(s.outputPrice()).isEqualTo(BigInteger.valueOf(2000));
            assertThat(s.teeSignerAddress()).isEqualTo(Keys.toChecksumAddress(d.account(6).getAddress()));
            assertThat(s.teeSignerAcknowledged()).isFalse();
        }
    }

    @Test
    void acknowledgeProviderSignerCreatesTheSubAccountWithTheMinimumTransfer(Devnet d) throws Exception {
        String p = setUpProvider(d);
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            b.ledger().addLedger(Amount.og("5"));
            assertThat(b.inference().acknowledgeProviderSigner(p)).hasSize(1); // the transfer acknowledges
            SubAccount a = b.inference().getAccount(p);
            assertThat(a.acknowledged()).isTrue();
            assertThat(a.balance()).isEqualTo(Units.og(1));
            assertThat(b.ledger().getLedger().availableBalance()).isEqualTo(Units.og(4));
            assertThat(b.inference().acknowledgeProviderSigner(p)).isEmpty();
        }
    }

    @Test
    void acknowledgeProviderSignerSendsTheAcknowledgementWhenRevoked(Devnet d) throws Exception {
        String p = setUpProvider(d);
        Credentials u = d.account(1);
        try (var b = SdkFixtures.broker(d, u)) {
            b.ledger().addLedger(Amount.og("5"));
            b.ledger().transferFund(p, ServiceKind.INFERENCE, Amount.og("1"));
            b.ledger().retrieveFund(ServiceKind.INFERENCE);
            d.chain().increaseTime(3600);
            b.ledger().retrieveFund(ServiceKind.INFERENCE); // balance back to 0
            d.inference(u).acknowledgeTEESigner(p, false).send();
        }
        try (var b = SdkFixtures.broker(d, u)) { // fresh broker: no acknowledgement cached
            assertThat(b.inference().getAccount(p).acknowledged()).isFalse();
            assertThat(b.inference().acknowledgeProviderSigner(p)).hasSize(1);
            assertThat(b.inference().getAccount(p).acknowledged()).isTrue();
            assertThat(b.inference().getAccount(p).balance()).isZero();
        }
    }

    @Test
    void requestHeadersNeedAnAcknowledgedProvider(Devnet d) throws Exception {
        String p = setUpProvider(d);
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            assertThatThrownBy(() -> b.inference().getRequestHeaders(p))
                    .isInstanceOf(ZGComputeException.class).hasMessage("Provider signer is not acknowledged");
        }
    }

    @Test
    void requestHeadersCarryASignedEphemeralSessionToken(Devnet d) throws Exception {
        String p = setUpProvider(d);
        String asPassed = p.toLowerCase(); // the provider string is signed exactly as passed
        var clock = new SdkFixtures.ManualClock(T0);
        try (var b = user(d, clock)) {
            b.ledger().addLedger(Amount.og("5"));
            b.ledger().transferFund(p, ServiceKind.INFERENCE, Amount.og("2"));
            ReceivedToken t = parse(b.inference().getRequestHeaders(asPassed));
            SessionToken s = t.token();
            assertThat(s.address()).isEqualTo(Keys.toChecksumAddress(d.account(1).getAddress()));
            assertThat(s.provider()).isEqualTo(asPassed);
            assertThat(s.timestamp()).isEqualTo(T0.toEpochMilli());
            assertThat(s.expiresAt()).isEqualTo(T0.toEpochMilli() + 24 * 3600 * 1000L);
            assertThat(s.tokenId()).isEqualTo(255);
            assertThat(s.generation()).isZero();
            assertThat(s.nonce()).matches("[0-9a-f]{32}");
            assertThat(t.rawMessage()).isEqualTo(s.rawMessage());
            t.checkSignature(); // recovers to the address inside
            t.checkStatic(p, T0.toEpochMilli());
            // The wire form: Bearer app-sk-base64(json|0x-signature), signature 132 chars with v 27/28.
            String b64 = b.inference().getRequestHeaders(asPassed).get("Authorization").substring("Bearer app-sk-".length());
            String decoded = new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
            assertThat(decoded).isEqualTo(t.rawMessage() + "|" + t.signature());
            assertThat(t.signature()).hasSize(132).matches("0x[0-9a-f]{128}(1b|1c)");
        }
    }

    @Test
    void theEphemeralSessionIsReusedUntilLessThanAnHourIsLeft(Devnet d) throws Exception {
        String p = setUpProvider(d);
        var clock = new SdkFixtures.ManualClock(T0);
        try (var b = user(d, clock)) {
            b.ledger().addLedger(Amount.og("5"));
            b.ledger().transferFund(p, ServiceKind.INFERENCE, Amount.og("2"));
            String first = b.inference().getRequestHeaders(p).get("Authorization");
            clock.advance(Duration.ofHours(22).plusMinutes(59));
            assertThat(b.inference().getRequestHeaders(p).get("Authorization")).isEqualTo(first);
            clock.advance(Duration.ofMinutes(1)); // exactly 1 h left: no longer "more than 1 h"
            String second = b.inference().getRequestHeaders(p).get("Authorization");
            assertThat(second).isNotEqualTo(first);
            assertThat(ReceivedToken.parse(second).token().timestamp())
                    .isEqualTo(T0.plus(Duration.ofHours(23)).toEpochMilli());
            assertThat(b.inference().getRequestHeaders(p).get("Authorization")).isEqualTo(second);
        }
    }

    @Test
    void revokeAllTokensBumpsTheGenerationOfTheNextSession(Devnet d) throws Exception {
        String p = setUpProvider(d);
        var clock = new SdkFixtures.ManualClock(T0);
        try (var b = user(d, clock)) {
            b.ledger().addLedger(Amount.og("5"));
            b.ledger().transferFund(p, ServiceKind.INFERENCE, Amount.og("2"));
            ReceivedToken before = parse(b.inference().getRequestHeaders(p));
            assertThat(before.token().generation()).isZero();

            TxResult tx = b.inference().revokeAllTokens(p);
            assertThat(tx.receipt().isStatusOK()).isTrue();
            assertThat(b.inference().getAccount(p).generation()).isEqualTo(BigInteger.ONE);
            ReceivedToken after = parse(b.inference().getRequestHeaders(p));
            assertThat(after.token().generation()).isEqualTo(1);
            assertThat(after.rawMessage()).isNotEqualTo(before.rawMessage());

            // Sessions cached under another spelling of the address are dropped too.
            String upper = Keys.toChecksumAddress(p);
            assertThat(parse(b.inference().getRequestHeaders(upper)).token().generation()).isEqualTo(1);
            b.inference().revokeAllTokens(p);
            assertThat(parse(b.inference().getRequestHeaders(upper)).token().generation()).isEqualTo(2);
        }
        // A new broker (e.g. the next CLI run) reads the generation from the chain too.
        try (var b = user(d, new SdkFixtures.ManualClock(T0))) {
            assertThat(parse(b.inference().getRequestHeaders(p)).token().generation()).isEqualTo(2);
        }
    }

    @Test
    void createApiKeyTakesTheFirstIdNotRevokedInTheBitmap(Devnet d) throws Exception {
        String p = setUpProvider(d);
        var clock = new SdkFixtures.ManualClock(T0);
        try (var b = user(d, clock)) {
            b.ledger().addLedger(Amount.og("5"));
            b.ledger().transferFund(p, ServiceKind.INFERENCE, Amount.og("2"));

            ApiKey k0 = b.inference().createApiKey(p);
            assertThat(k0.tokenId()).isZero();
            assertThat(k0.expiresAt()).isZero();
            assertThat(k0.createdAt()).isEqualTo(T0.toEpochMilli());
            ReceivedToken parsed = ReceivedToken.parse("Bearer " + k0.rawToken());
            parsed.checkSignature();
            assertThat(parsed.token().tokenId()).isZero();
            assertThat(parsed.token().expiresAt()).isZero();
            assertThat(k0.toString()).doesNotContain(k0.rawToken());

            b.inference().revokeApiKey(p, 0);
            SubAccount a = b.inference().getAccount(p);
            assertThat(a.revokedBitmap()).isEqualTo(BigInteger.ONE);
            assertThat(d.inference(d.account(1)).isTokenRevoked(d.account(1).getAddress(), p, BigInteger.ZERO)
                    .send()).isTrue();
            assertThat(b.inference().createApiKey(p).tokenId()).isEqualTo(1);

            b.inference().revokeApiKey(p, 2);
            assertThat(b.inference().getAccount(p).revokedBitmap()).isEqualTo(BigInteger.valueOf(0b101));
            assertThat(b.inference().createApiKey(p).tokenId()).isEqualTo(1); // 1 is still free

            ApiKey k7 = b.inference().createApiKey(p, Duration.ofHours(1), 7);
            assertThat(k7.tokenId()).isEqualTo(7);
            assertThat(k7.expiresAt()).isEqualTo(T0.toEpochMilli() + 3_600_000L);

            assertThatThrownBy(() -> b.inference().createApiKey(p, null, 2))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("Token id 2 is revoked; pick another one or call revokeAllTokens to free every id");
            assertThatThrownBy(() -> b.inference().createApiKey(p, null, 255))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("Token id must be within 0..254 (255 is the ephemeral session), got 255");
            assertThatThrownBy(() -> b.inference().revokeApiKey(p, 255))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("Cannot revoke ephemeral token individually. Use revokeAllTokens to invalidate "
                            + "all tokens including ephemeral ones.");

            b.inference().revokeAllTokens(p);
            a = b.inference().getAccount(p);
            assertThat(a.revokedBitmap()).isZero();
            assertThat(a.generation()).isEqualTo(BigInteger.ONE);
            ApiKey fresh = b.inference().createApiKey(p);
            assertThat(fresh.tokenId()).isZero();
            assertThat(ReceivedToken.parse("Bearer " + fresh.rawToken()).token().generation()).isEqualTo(1);
        }
    }

    @Test
    void everyTokenTheSdkIssuesPassesTheBrokersLifetimeRules(Devnet d) throws Exception {
        String p = setUpProvider(d);
        var clock = new SdkFixtures.ManualClock(T0);
        try (var b = user(d, clock)) {
            b.ledger().addLedger(Amount.og("5"));
            b.ledger().transferFund(p, ServiceKind.INFERENCE, Amount.og("2"));
            long now = T0.toEpochMilli();
            parse(b.inference().getRequestHeaders(p)).checkStatic(p, now);
            for (Duration life : new Duration[] {null, Duration.ZERO, Duration.ofMillis(1), Duration.ofDays(36_500)}) {
                ReceivedToken key = ReceivedToken.parse("Bearer " + b.inference().createApiKey(p, life, 3).rawToken());
                assertThat(key.token().expiresAt()).as("expiresAt for %s", life).isNotNegative();
                key.checkStatic(p, now);
            }
            // A lifetime whose end does not fit a long used to wrap to a negative (never-expiring) expiresAt.
            for (Duration huge : new Duration[] {Duration.ofMillis(Long.MAX_VALUE), Duration.ofDays(Long.MAX_VALUE / 86_400)}) {
                assertThatThrownBy(() -> b.inference().createApiKey(p, huge, 3))
                        .isInstanceOf(InvalidRequestException.class)
                        .hasMessage("expiresIn is too large: the expiry time does not fit in milliseconds since 1970");
            }
        }
    }

    @Test
    void revokingWithoutASubAccountIsSubAccountNotFound(Devnet d) throws Exception {
        String p = setUpProvider(d);
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            assertThatThrownBy(() -> b.inference().revokeApiKey(p, 3)).hasMessage(SUB_ACCOUNT_NOT_FOUND);
        }
    }

    @Test
    void checkAndFundTopsUpToTheBufferWhenTheProviderCannotReportFees(Devnet d) throws Exception {
        String p = setUpProvider(d); // its URL answers nothing: the local estimate (0) is used
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            b.ledger().addLedger(Amount.og("10"));
            b.ledger().transferFund(p, ServiceKind.INFERENCE, Amount.og("1"));
            assertThat(b.inference().checkAndFund(p)).isPresent();
            assertThat(b.inference().getAccount(p).balance()).isEqualTo(Units.og(2));
            assertThat(b.inference().checkAndFund(p)).isEmpty();
            assertThat(b.ledger().getLedger().availableBalance()).isEqualTo(Units.og(8));
        }
    }
}
