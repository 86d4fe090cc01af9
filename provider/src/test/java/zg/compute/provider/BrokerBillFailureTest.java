package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;

/**
 * The database refuses a bill (a real failure raised by the database itself, through a trigger on the signature
 * table: disk full, a broken volume, a constraint): the answer is not passed off as billed. A whole answer still
 * held is withheld (503, retry), a stream already flowing is broken off rather than ended cleanly; nothing is
 * billed, the reservation goes back, and once the database works again the same user is served and billed.
 */
@ExtendWith(DevnetExtension.class)
class BrokerBillFailureTest {

    private static final BigInteger IN = BigInteger.valueOf(1_000_000_000L);
    private static final BigInteger OUT = BigInteger.valueOf(3_000_000_000L);

    @Test
    void anAnswerWhoseBillCannotBeStoredIsWithheldOrBrokenOff(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        try (ProviderBroker b = f.startAcknowledged(IN, OUT)) {
            Credentials u = d.account(2);
            f.fund(u, 5, 3);
            String user = u.getAddress();
            HttpResponse<byte[]> ok = f.post(b, "/v1/proxy/chat/completions", f.authorization(u),
                    BrokerFixture.chat("warm up", false));
            assertThat(ok.statusCode()).as(BrokerFixture.text(ok)).isEqualTo(200);
            BigInteger billed = b.store().billedTotal();

            refuseBills(f.databaseUrl(), true);

            HttpResponse<byte[]> held = f.post(b, "/v1/proxy/chat/completions", f.authorization(u),
                    BrokerFixture.chat("a whole answer", false));
            assertThat(held.statusCode()).as(BrokerFixture.text(held)).isEqualTo(503);
            assertThat(held.headers().firstValue("Retry-After")).isPresent();
            assertThat(BrokerFixture.text(held)).contains("could not be billed").doesNotContain("\n\tat ")
                    .doesNotContain("choices");

            HttpRequest stream = HttpRequest.newBuilder(URI.create(b.baseUrl() + "/v1/proxy/chat/completions"))
                    .header("Content-Type", "application/json").header("Authorization", f.authorization(u))
                    .POST(HttpRequest.BodyPublishers.ofString(BrokerFixture.chat("a streamed answer", true),
                            StandardCharsets.UTF_8))
                    .build();
            Throwable broken = catchThrowable(() -> f.http.send(stream, HttpResponse.BodyHandlers.ofByteArray()));
            assertThat(broken).as("the stream is broken off, not ended as if billed").isNotNull();

            assertThat(b.store().billedTotal()).as("nothing billed").isEqualTo(billed);
            assertThat(b.store().reservedFee(user)).as("the reservations went back").isZero();
            assertThat(f.metrics(b)).contains("outcome=\"bill_failed\"");

            refuseBills(f.databaseUrl(), false);
            HttpResponse<byte[]> again = f.post(b, "/v1/proxy/chat/completions", f.authorization(u),
                    BrokerFixture.chat("the database works again", false));
            assertThat(again.statusCode()).as(BrokerFixture.text(again)).isEqualTo(200);
            assertThat(b.store().billedTotal()).isGreaterThan(billed);
            assertThat(b.store().reservedFee(user)).isZero();
        }
    }

    /** Makes the database itself refuse (or accept again) every stored response signature. */
    private static void refuseBills(String url, boolean refuse) throws Exception {
        boolean pg = url.startsWith("jdbc:postgresql:");
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            if (!refuse) {
                s.execute("DROP TRIGGER zg_test_refuse" + (pg ? " ON response_signature" : ""));
            } else if (pg) {
                s.execute("CREATE FUNCTION zg_test_refuse() RETURNS trigger AS $$ BEGIN"
                        + " RAISE EXCEPTION 'could not extend file: No space left on device'; END $$ LANGUAGE plpgsql");
                s.execute("CREATE TRIGGER zg_test_refuse BEFORE INSERT ON response_signature"
                        + " FOR EACH ROW EXECUTE FUNCTION zg_test_refuse()");
            } else {
                s.execute("CREATE TRIGGER zg_test_refuse BEFORE INSERT ON response_signature BEGIN"
                        + " SELECT RAISE(ABORT, 'database or disk is full'); END");
            }
        }
    }
}
