package zg.compute.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.web3j.crypto.Credentials;
import zg.compute.protocol.auth.ReceivedToken;
import zg.compute.protocol.auth.SessionToken;
import zg.compute.protocol.auth.SignedToken;
import zg.compute.protocol.auth.TokenException;

/** The provider-side parse of app-sk tokens, with the exact error texts of provider spec §11.1. */
class ReceivedTokenTest {

    private static final Credentials USER =
            Credentials.create("0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97");
    private static final Credentials OTHER =
            Credentials.create("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
    private static final String PROVIDER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    private static final long NOW = 1_764_000_000_000L;

    private static String header(SessionToken t, Credentials signer) {
        return SignedToken.sign(t, signer).authorization();
    }

    private static SessionToken ephemeral(long duration) {
        return new SessionToken(USER.getAddress(), PROVIDER, NOW, NOW + duration, "n1", 0, 255);
    }

    private static String b64(String s) {
        return "Bearer app-sk-" + Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void acceptsAValidTokenAndKeepsTheSignedBytes() throws TokenException {
        SessionToken t = ephemeral(3_600_000);
        ReceivedToken r = ReceivedToken.parse(header(t, USER));
        assertThat(r.rawMessage()).isEqualTo(t.rawMessage());
        assertThat(r.token()).isEqualTo(t);
        r.checkStatic(PROVIDER.toLowerCase(), NOW + 1000);
        r.checkSignature();
    }

    @Test
    void rejectsMalformedHeadersWithTheSpecTexts() {
        assertThatThrownBy(() -> ReceivedToken.parse(null)).hasMessageStartingWith("missing or invalid Authorization header");
        assertThatThrownBy(() -> ReceivedToken.parse("bearer app-sk-abc")).hasMessageStartingWith("missing or invalid Authorization header");
        assertThatThrownBy(() -> ReceivedToken.parse("Bearer app-sk-!!!")).hasMessage("invalid base64 in Authorization header");
        assertThatThrownBy(() -> ReceivedToken.parse(b64("no-separator")))
                .hasMessage("invalid Authorization payload, expect base64(rawMessage:signature)");
        assertThatThrownBy(() -> ReceivedToken.parse(b64("{not json|0x00")))
                .hasMessage("invalid session token format in Authorization");
        assertThatThrownBy(() -> ReceivedToken.parse(b64("{\"address\":1}|0x00")))
                .hasMessage("invalid session token format in Authorization");
    }

    @Test
    void rejectsWrongProviderExpiryAndEphemeralLifetime() throws TokenException {
        ReceivedToken ok = ReceivedToken.parse(header(ephemeral(3_600_000), USER));
        assertThatThrownBy(() -> ok.checkStatic(OTHER.getAddress(), NOW)).hasMessage("session token is for different provider");
        assertThatThrownBy(() -> ok.checkStatic(PROVIDER, NOW + 3_602_000)).hasMessage("session token expired");

        ReceivedToken tooLong = ReceivedToken.parse(header(ephemeral(86_400_001), USER));
        assertThatThrownBy(() -> tooLong.checkStatic(PROVIDER, NOW)).hasMessage("ephemeral token duration cannot exceed 24 hours");
        ReceivedToken never = ReceivedToken.parse(header(new SessionToken(USER.getAddress(), PROVIDER, NOW, 0, "n", 0, 255), USER));
        assertThatThrownBy(() -> never.checkStatic(PROVIDER, NOW)).hasMessage("ephemeral token must have an expiration time");

        ReceivedToken persistent = ReceivedToken.parse(header(new SessionToken(USER.getAddress(), PROVIDER, NOW, 0, "n", 0, 3), USER));
        persistent.checkStatic(PROVIDER, NOW + 10L * 365 * 86_400_000); // never expires
    }

    private static final long HOUR = 3_600_000L;
    private static final long DAY = 24 * HOUR;
    private static final long SKEW = ReceivedToken.MAX_CLOCK_SKEW_MILLIS;
    private static final String NEGATIVE = "session token expiration time cannot be negative";
    private static final String FUTURE = "session token timestamp is more than 5 minutes in the future";
    private static final String EPHEMERAL_TOO_LONG = "ephemeral token cannot expire more than 24 hours from now";
    private static final String EXPIRED = "session token expired";

    /** (case, tokenId, timestamp, expiresAt, the error, or null for accepted), checked at {@code NOW}. */
    static Stream<Arguments> lifetimes() {
        return Stream.of(
                arguments("ephemeral, 1 h", 255, NOW, NOW + HOUR, null),
                arguments("ephemeral, exactly 24 h", 255, NOW, NOW + DAY, null),
                arguments("ephemeral, issued 23 h ago", 255, NOW - 23 * HOUR, NOW + HOUR, null),
                arguments("ephemeral, client clock ahead by the allowed skew", 255, NOW + SKEW, NOW + SKEW + DAY, null),
                arguments("API key that never expires", 0, NOW, 0, null),
                arguments("API key id 254 for ten years", 254, NOW - DAY, NOW + 3650 * DAY, null),
                arguments("ephemeral, expiresAt -1", 255, NOW, -1, NEGATIVE),
                arguments("ephemeral, expiresAt Long.MIN_VALUE", 255, NOW, Long.MIN_VALUE, NEGATIVE),
                arguments("API key, expiresAt -1", 3, NOW, -1, NEGATIVE),
                arguments("ephemeral, timestamp a year ahead", 255, NOW + 365 * DAY, NOW + 365 * DAY + HOUR,
                        EPHEMERAL_TOO_LONG),
                arguments("ephemeral, timestamp 10 min ahead", 255, NOW + 10 * 60_000, NOW + 10 * 60_000 + HOUR,
                        FUTURE),
                arguments("ephemeral, timestamp just past the skew", 255, NOW + SKEW + 1, NOW + SKEW + 1 + HOUR,
                        FUTURE),
                arguments("API key, timestamp ten years ahead", 7, NOW + 3650 * DAY, 0, FUTURE),
                arguments("API key, timestamp Long.MAX_VALUE", 7, Long.MAX_VALUE, 0, FUTURE),
                arguments("ephemeral expiring right now", 255, NOW - HOUR, NOW, EXPIRED),
                arguments("ephemeral, existing rule: no expiry", 255, NOW, 0,
                        "ephemeral token must have an expiration time"),
                arguments("ephemeral, existing rule: 24 h + 1 ms", 255, NOW, NOW + DAY + 1,
                        "ephemeral token duration cannot exceed 24 hours"),
                arguments("ephemeral, timestamp Long.MIN_VALUE (the duration must not overflow)", 255,
                        Long.MIN_VALUE, NOW + HOUR, "ephemeral token duration cannot exceed 24 hours"),
                arguments("API key, existing rule: expired", 1, NOW - DAY, NOW - HOUR, EXPIRED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lifetimes")
    void tokenLifetimeRules(String name, int tokenId, long timestamp, long expiresAt, String error) throws Exception {
        ReceivedToken t = ReceivedToken.parse(header(
                new SessionToken(USER.getAddress(), PROVIDER, timestamp, expiresAt, "n", 0, tokenId), USER));
        if (error == null) {
            t.checkStatic(PROVIDER, NOW);
        } else {
            assertThatThrownBy(() -> t.checkStatic(PROVIDER, NOW)).isInstanceOf(TokenException.class)
                    .hasMessage(error);
        }
    }

    @Test
    void rejectsForgedAndMalformedSignatures() throws TokenException {
        SessionToken t = ephemeral(3_600_000);
        ReceivedToken forged = ReceivedToken.parse(header(t, OTHER));
        assertThatThrownBy(forged::checkSignature).hasMessage("signature verification failed: address mismatch");
        assertThatThrownBy(() -> ReceivedToken.parse(b64(t.rawMessage() + "|0xzz")).checkSignature())
                .hasMessage("invalid signature format");
        assertThatThrownBy(() -> ReceivedToken.parse(b64(t.rawMessage() + "|0x1234")).checkSignature())
                .hasMessage("invalid signature length");
    }
}
