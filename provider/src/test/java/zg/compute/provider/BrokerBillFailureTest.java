package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
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
import zg.compute.provider.internal.settlement.SettlementFault;

/**
 * The database refuses a bill (a real failure raised by the database itself, through a trigger on the signature
 * table: disk full, a broken volume, a constraint): the answer is not passed off as billed. A whole answer still
 * held is withheld (503, retry), as is a stream the client has none of yet (it came whole); a stream already flowing
 * is broken off rather than ended cleanly, without its final events (held until the bill); nothing is
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

            // the model server sends the whole stream at once: none of it reached the client before the bill, so it
            // is withheld as the whole answer is
            HttpResponse<byte[]> wholeStream = f.post(b, "/v1/proxy/chat/completions", f.authorization(u),
                    BrokerFixture.chat("a streamed answer", true));
            assertThat(wholeStream.statusCode()).as(BrokerFixture.text(wholeStream)).isEqualTo(503);
            assertThat(BrokerFixture.text(wholeStream)).contains("could not be billed").doesNotContain("[DONE]");
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

    /**
     * A stream the model server sends over time: its first event reaches the client at once; when the bill then
     * fails, the stream is broken off, and its last events ({@code [DONE]}, held until the bill) never arrive.
     */
    @Test
    void aFlowingStreamWhoseBillFailsIsBrokenOffWithoutItsEnd(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        f.startAcknowledged(IN, OUT).close();
        Credentials u = d.account(2);
        f.fund(u, 5, 3);
        Vertx vertx = Vertx.vertx();
        try {
            HttpServer upstream = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
                HttpServerResponse r = req.response().setChunked(true).putHeader("Content-Type", "text/event-stream");
                r.write(FIRST_EVENT);
                vertx.setTimer(300, t -> r.end(LAST_EVENTS));
            }));
            upstream.listen(0, "127.0.0.1").await();
            ProviderBroker b = ProviderBroker.start(new ConfigLoader(f.env()).parse(
                    f.yaml(IN, OUT, "http://127.0.0.1:" + upstream.actualPort() + "/v1"), dir),
                    new ProviderBroker.Options(java.time.Clock.systemUTC(), false, SettlementFault.NONE));
            try (b) {
                refuseBills(f.databaseUrl(), true);
                HttpResponse<InputStream> r = f.http.send(HttpRequest.newBuilder(
                        URI.create(b.baseUrl() + "/v1/proxy/chat/completions"))
                        .header("Content-Type", "application/json").header("Authorization", f.authorization(u))
                        .POST(HttpRequest.BodyPublishers.ofString(BrokerFixture.chat("a flowing stream", true),
                                StandardCharsets.UTF_8)).build(), HttpResponse.BodyHandlers.ofInputStream());
                assertThat(r.statusCode()).isEqualTo(200);
                ByteArrayOutputStream received = new ByteArrayOutputStream();
                Throwable broken = catchThrowable(() -> {
                    try (InputStream in = r.body()) {
                        in.transferTo(received);
                    }
                });
                String text = received.toString(StandardCharsets.UTF_8);
                assertThat(broken).as("broken off, not ended as if billed; received: " + text).isNotNull();
                assertThat(text).contains("Hello").doesNotContain("[DONE]");
                assertThat(b.store().reservedFee(u.getAddress())).as("the reservation went back").isZero();
                assertThat(b.store().billedTotal()).as("nothing billed").isZero();
            }
        } finally {
            vertx.close().await();
        }
    }

    private static final String FIRST_EVENT = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":"
            + "\"dev-model\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"}}]}\n\n";
    private static final String LAST_EVENTS = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":"
            + "\"dev-model\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,"
            + "\"total_tokens\":6}}\n\ndata: [DONE]\n\n";

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
