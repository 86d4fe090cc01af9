package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.signing.ResponseSignature;
import zg.compute.protocol.units.Units;
import zg.compute.provider.internal.registration.ServiceRegistrar.Action;
import zg.compute.provider.internal.settlement.SettlementFault;

/** Users fund, chat through the broker (JSON and SSE), and the chain settles exactly what was billed. */
@ExtendWith(DevnetExtension.class)
class BrokerEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final BigInteger IN = BigInteger.valueOf(1_000_000_000L);
    private static final BigInteger OUT = BigInteger.valueOf(3_000_000_000L);

    /** The usage the client received: the JSON body's, or the last SSE chunk carrying one. */
    static JsonNode usage(byte[] body, boolean stream) throws Exception {
        String text = new String(body, StandardCharsets.UTF_8);
        if (!stream) {
            return JSON.readTree(text).get("usage");
        }
        JsonNode last = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("data: ") && !line.equals("data: [DONE]")) {
                JsonNode n = JSON.readTree(line.substring(6));
                if (n.hasNonNull("usage")) {
                    last = n.get("usage");
                }
            }
        }
        return last;
    }

    static BigInteger fee(JsonNode usage) {
        return IN.multiply(BigInteger.valueOf(usage.get("prompt_tokens").asLong()))
                .add(OUT.multiply(BigInteger.valueOf(usage.get("completion_tokens").asLong())));
    }

    @Test
    void settledOnChainEqualsTheSumOfBilledFees(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        try (ProviderBroker b = f.startAcknowledged(IN, OUT)) {
            String p = f.provider.getAddress();
            List<Credentials> users = List.of(d.account(2), d.account(3));
            for (Credentials u : users) {
                f.fund(u, 5, 3);
            }
            Map<String, BigInteger> billed = new HashMap<>();
            BigInteger total = BigInteger.ZERO;
            for (int i = 0; i < 3; i++) {
                for (Credentials u : users) {
                    for (boolean stream : new boolean[] {false, true}) {
                        HttpResponse<byte[]> r = f.post(b, "/v1/proxy/chat/completions", f.authorization(u),
                                BrokerFixture.chat("question number " + i + " from me", stream));
                        assertThat(r.statusCode()).as(BrokerFixture.text(r)).isEqualTo(200);
                        JsonNode usage = usage(r.body(), stream);
                        assertThat(usage).as("usage reaches the client").isNotNull();
                        BigInteger fee = fee(usage);
                        billed.merge(u.getAddress(), fee, BigInteger::add);
                        total = total.add(fee);
                    }
                }
            }
            assertThat(b.store().billedTotal()).isEqualTo(total);
            for (Credentials u : users) {
                HttpResponse<byte[]> r = f.get(b, "/v1/user/" + u.getAddress() + "/unsettledfee", f.authorization(u));
                assertThat(r.statusCode()).isEqualTo(200);
                JsonNode n = JSON.readTree(r.body());
                assertThat(n.get("userAddress").asText()).isEqualTo(u.getAddress());
                assertThat(new BigInteger(n.get("unsettledFee").asText())).isEqualTo(billed.get(u.getAddress()));
            }

            Map<String, BigInteger> before = new HashMap<>();
            for (Credentials u : users) {
                before.put(u.getAddress(), d.inference(u).getAccount(u.getAddress(), p).send().balance);
            }
            BigInteger walletBefore = f.balance(p);
            long block = f.blockNumber();

            assertThat(b.settleNow().settled()).isEqualTo(total);

            BigInteger gas = f.gasPaid(p, block, f.blockNumber());
            assertThat(f.balance(p).subtract(walletBefore).add(gas)).as("provider wallet gain + gas").isEqualTo(total);
            for (Credentials u : users) {
                BigInteger after = d.inference(u).getAccount(u.getAddress(), p).send().balance;
                assertThat(before.get(u.getAddress()).subtract(after)).isEqualTo(billed.get(u.getAddress()));
                HttpResponse<byte[]> r = f.get(b, "/v1/user/" + u.getAddress() + "/unsettledfee", f.authorization(u));
                assertThat(JSON.readTree(r.body()).get("unsettledFee").asText()).isEqualTo("0");
            }
            assertThat(b.store().settledTotal()).isEqualTo(total);

            String metrics = f.metrics(b);
            assertThat(f.get(b, "/metrics", null).statusCode()).as("not on the public port").isEqualTo(400);
            assertThat(metrics).contains("zg_broker_requests_total{outcome=\"served\",route=\"chat\"} 12.0");
            assertThat(metric(metrics, "zg_broker_fees_billed_og_total"))
                    .isEqualByComparingTo(Units.neuronToOg(total));
            assertThat(metric(metrics, "zg_broker_fees_settled_og_total"))
                    .isEqualByComparingTo(Units.neuronToOg(total));
            assertThat(metric(metrics, "zg_broker_settlement_lag_seconds")).isZero();
            // every served answer waited for its bill once, and the histogram has its buckets for quantiles
            assertThat(metric(metrics, "zg_broker_billing_seconds_count")).isEqualByComparingTo("12");
            assertThat(metrics).contains("zg_broker_billing_seconds_bucket{le=\"+Inf\"} 12\n")
                    .contains("zg_broker_upstream_seconds_bucket{le=\"+Inf\"} ");

            // Nothing is left to settle: a second pass moves no money.
            BigInteger walletNow = f.balance(p);
            assertThat(b.settleNow().settled()).isZero();
            assertThat(f.balance(p)).isEqualTo(walletNow);
        }
    }

    private static java.math.BigDecimal metric(String scrape, String name) {
        return scrape.lines().filter(l -> l.startsWith(name + " ")).map(l -> new java.math.BigDecimal(l.substring(name.length() + 1)))
                .findFirst().orElseThrow(() -> new AssertionError(name + " missing in\n" + scrape));
    }

    @Test
    void registersOnceWithStakeThenUpdatesOnlyWhatChanged(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        String p = f.provider.getAddress();
        BigInteger walletBefore = f.balance(p);
        long block = f.blockNumber();
        try (ProviderBroker b = f.startAcknowledged(IN, OUT)) {
            assertThat(b.registration().action()).isEqualTo(Action.REGISTERED);
            assertThat(b.registration().teeSignerAcknowledged()).isFalse();
        }
        BigInteger gas = f.gasPaid(p, block, f.blockNumber());
        assertThat(walletBefore.subtract(f.balance(p)).subtract(gas)).as("stake").isEqualTo(Units.og(100));
        var service = d.inference(d.account(0)).getService(p).send();
        assertThat(service.teeSignerAddress).isEqualToIgnoringCase(f.config(IN, OUT).teeKey().address());
        JsonNode info = JSON.readTree(service.additionalInfo);
        assertThat(info.get("TargetSeparated").asBoolean()).isFalse();
        assertThat(info.get("ProviderType").asText()).isEqualTo("decentralized");
        assertThat(info.get("TEEVerifier").asText()).isEqualTo("dstack");
        assertThat(service.verifiability).isEqualTo("TeeML");

        try (ProviderBroker same = f.start(IN, OUT, SettlementFault.NONE)) {
            assertThat(same.registration().action()).isEqualTo(Action.UNCHANGED);
            assertThat(same.registration().teeSignerAcknowledged()).isTrue();
        }
        try (ProviderBroker repriced = f.start(IN, OUT.add(BigInteger.ONE), SettlementFault.NONE)) {
            assertThat(repriced.registration().action()).isEqualTo(Action.UPDATED);
            assertThat(repriced.registration().teeSignerAcknowledged()).as("a price change keeps the acknowledgement").isTrue();
            assertThat(d.inference(d.account(0)).getService(p).send().outputPrice).isEqualTo(OUT.add(BigInteger.ONE));
        }
    }

    @Test
    void devBackendCountsTokensAsDocumented(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        try (ProviderBroker b = f.startAcknowledged(IN, OUT)) {
            Credentials u = d.account(2);
            f.fund(u, 5, 3);
            HttpResponse<byte[]> r = f.post(b, "/v1/proxy/chat/completions", f.authorization(u),
                    BrokerFixture.chat("hello, world", false));
            JsonNode n = JSON.readTree(r.body());
            // "hello, world" = hello , world → 3 tokens + 1 for the role.
            assertThat(n.at("/usage/prompt_tokens").asLong()).isEqualTo(4);
            assertThat(n.at("/choices/0/message/content").asText())
                    .isEqualTo("Development backend reply to: hello, world");
            // Development backend reply to : hello , world
            assertThat(n.at("/usage/completion_tokens").asLong()).isEqualTo(8);
            assertThat(b.store().unsettledFee(u.getAddress()))
                    .isEqualTo(IN.multiply(BigInteger.valueOf(4)).add(OUT.multiply(BigInteger.valueOf(8))));
        }
    }

    @Test
    void responseSignatureCoversTheBytesTheClientGot(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        try (ProviderBroker b = f.startAcknowledged(IN, OUT)) {
            Credentials u = d.account(2);
            f.fund(u, 5, 3);
            for (boolean stream : new boolean[] {false, true}) {
                String body = BrokerFixture.chat("sign this " + stream, stream);
                HttpResponse<byte[]> r = f.post(b, "/v1/proxy/chat/completions", f.authorization(u), body);
                assertThat(r.statusCode()).isEqualTo(200);
                String key = r.headers().firstValue("ZG-Res-Key").orElseThrow();
                assertThat(key).as("a UUID, version 7: time-ordered, 74 random bits").matches("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
                if (stream) {
                    assertThat(BrokerFixture.text(r)).contains("data: [DONE]");
                }
                // Free route: no Authorization needed.
                HttpResponse<byte[]> s = f.get(b, "/v1/proxy/signature/" + key + "?model=dev-model", null);
                assertThat(s.statusCode()).isEqualTo(200);
                JsonNode n = JSON.readTree(s.body());
                assertThat(n.get("signing_address").asText()).isEqualTo(b.teeSignerAddress());
                assertThat(n.get("signing_algo").asText()).isEqualTo("ecdsa");
                ResponseSignature sig = new ResponseSignature(n.get("text").asText(), n.get("signature").asText());
                assertThat(sig.isSignedBy(b.teeSignerAddress())).isTrue();
                assertThat(sig.covers(body.getBytes(StandardCharsets.UTF_8), r.body())).isTrue();
            }
            HttpResponse<byte[]> missing = f.get(b, "/v1/proxy/signature/00000000-0000-4000-8000-000000000000", null);
            assertThat(missing.statusCode()).isEqualTo(400);
            assertThat(BrokerFixture.text(missing))
                    .isEqualTo("{\"error\":\"Chat id not found or expired, chat_id_not_found\"}");
        }
    }
}
