package zg.compute.provider.internal.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import zg.compute.protocol.auth.SessionToken;
import zg.compute.protocol.auth.SignedToken;
import zg.compute.provider.internal.chain.AccountCache;
import zg.compute.provider.internal.chain.RpcOutage;

/** Verified tokens are remembered by their exact header, and never beyond a bound (throwaway keys cost nothing). */
class AuthenticatorTest {

    private static final String PROVIDER = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
    private final Clock clock = Clock.systemUTC();
    private final AccountCache noAccounts = new AccountCache(u -> Optional.empty(), Duration.ofSeconds(30), clock,
            new RpcOutage(clock, RpcOutage.WINDOW));

    private String header(Credentials user, long expiresAt) {
        SessionToken t = new SessionToken(user.getAddress(), PROVIDER, clock.millis(), expiresAt, "n1", 0, 1);
        return SignedToken.sign(t, user).authorization();
    }

    private static Credentials throwaway() throws Exception {
        return Credentials.create(Keys.createEcKeyPair());
    }

    @Test
    void aVerifiedHeaderIsServedFromMemoryAndTheCacheStaysBounded() throws Exception {
        Authenticator auth = new Authenticator(PROVIDER, noAccounts, Duration.ofMinutes(5), clock, 3);
        Credentials user = throwaway();
        String h = header(user, 0);
        assertThat(auth.authenticateFromMemory(h)).as("not verified yet: needs an ecrecover").isEmpty();
        assertThat(auth.authenticate(h).user()).isEqualToIgnoringCase(user.getAddress());
        assertThat(auth.authenticateFromMemory(h)).as("the same header, from memory").isPresent();
        for (int i = 0; i < 10; i++) {
            auth.authenticate(header(throwaway(), 0));
            assertThat(auth.verifiedCount()).isLessThanOrEqualTo(3);
        }
    }

    @Test
    void aRememberedTokenIsStillCheckedForExpiryAndAnAlteredOneIsVerifiedAgain() throws Exception {
        Authenticator auth = new Authenticator(PROVIDER, noAccounts, Duration.ofMinutes(5), clock, 100);
        Credentials user = throwaway();
        String expiring = header(user, clock.millis() + 1_000);
        auth.authenticate(expiring);
        assertThat(auth.authenticateFromMemory(expiring)).isPresent();
        Thread.sleep(2_100);
        assertThatThrownBy(() -> auth.authenticateFromMemory(expiring)).isInstanceOf(RequestRejected.class)
                .hasMessage("validate session: session token expired");

        SessionToken t = new SessionToken(user.getAddress(), PROVIDER, clock.millis(), 0, "n2", 0, 1);
        auth.authenticate(SignedToken.sign(t, user).authorization());
        // the same message signed by another key: a different header, verified afresh and refused
        String forged = new SignedToken(t.rawMessage(), SignedToken.sign(t, throwaway()).signature()).authorization();
        assertThat(auth.authenticateFromMemory(forged)).isEmpty();
        assertThatThrownBy(() -> auth.authenticate(forged)).isInstanceOf(RequestRejected.class)
                .hasMessageStartingWith("validate session: signature verification failed");
    }
}
