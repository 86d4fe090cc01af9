package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.contracts.bindings.InferenceServing;
import zg.compute.protocol.units.Units;
import zg.compute.provider.internal.settlement.SettlementFault;

/**
 * One provider address, several models with their own prices: each request is reserved and billed at the
 * prices of the model it names, an unknown model is refused before anything is reserved, and settlement
 * collects exactly what was billed.
 */
@ExtendWith(DevnetExtension.class)
class BrokerMultiModelTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final BigInteger IN = BigInteger.valueOf(1_000_000_000L);
    private static final BigInteger OUT = BigInteger.valueOf(3_000_000_000L);
    private static final BigInteger LARGE_IN = BigInteger.valueOf(7_000_000_000L);
    private static final BigInteger LARGE_OUT = BigInteger.valueOf(20_000_000_000L);
    /** Half a 0G per prompt token: a short prompt costs more than a 2 0G sub-account may spend. */
    private static final BigInteger DEAR_IN = Units.parseOg("0.5");

    private static ProviderBroker start(BrokerFixture f) throws Exception {
        // the default is not the development backend's own default name, so naming it upstream shows
        String yaml = f.yaml(IN, OUT).replace("  model: dev-model\n", "  model: dev-chat\n").replace("  targetUrl: dev\n", """
                  targetUrl: dev
                  models:
                    - { model: dev-chat-large, inputPrice: %s, outputPrice: %s }
                    - { model: dev-chat-dear, inputPrice: "%s", outputPrice: 1 }
                """.formatted(LARGE_IN, LARGE_OUT, DEAR_IN));
        ProviderBroker b = ProviderBroker.start(new ConfigLoader(f.env()).parse(yaml, f.dir),
                new ProviderBroker.Options(Clock.systemUTC(), false, SettlementFault.NONE));
        f.devnet.inference(f.devnet.account(0)).acknowledgeTEESignerByOwner(f.provider.getAddress()).send();
        return b;
    }

    private static String chat(String model, String content, boolean stream) {
        return "{" + (model == null ? "" : "\"model\":\"" + model + "\",") + "\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]}";
    }

    private static BigInteger fee(JsonNode usage, BigInteger in, BigInteger out) {
        return in.multiply(BigInteger.valueOf(usage.get("prompt_tokens").asLong()))
                .add(out.multiply(BigInteger.valueOf(usage.get("completion_tokens").asLong())));
    }

    @Test
    void eachModelIsBilledAtItsOwnPricesAndSettledExactly(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        Credentials u = d.account(2);
        try (ProviderBroker b = start(f)) {
            f.fund(u, 5, 3);

            // on chain: the default model at its prices, flagged as multi-model the way the official SDK reads it
            InferenceServing.Service s = d.inference(u).getService(f.provider.getAddress()).send();
            assertThat(s.model).isEqualTo("dev-chat");
            assertThat(s.inputPrice).isEqualTo(IN);
            assertThat(s.outputPrice).isEqualTo(OUT);
            JsonNode info = JSON.readTree(s.additionalInfo);
            assertThat(info.get("MultiModel").asBoolean()).isTrue();
            assertThat(info.get("priceDenomination").asText()).isEqualTo("NATIVE");

            JsonNode models = JSON.readTree(f.get(b, "/v1/models", null).body()).get("data");
            assertThat(models).hasSize(3);
            assertThat(models.get(0).get("id").asText()).isEqualTo("dev-chat");
            assertThat(models.get(1).get("id").asText()).isEqualTo("dev-chat-large");
            assertThat(models.get(1).at("/pricing/prompt").asText()).isEqualTo(LARGE_IN.toString());
            assertThat(models.get(1).at("/pricing/completion").asText()).isEqualTo(LARGE_OUT.toString());

            BigInteger total = BigInteger.ZERO;
            String[][] requests = {{"dev-chat", "false"}, {"dev-chat-large", "false"}, {"dev-chat-large", "true"},
                    {null, "false"}};
            for (String[] r : requests) {
                boolean stream = Boolean.parseBoolean(r[1]);
                BigInteger before = b.store().billedTotal();
                HttpResponse<byte[]> resp = f.post(b, "/v1/proxy/chat/completions", f.authorization(u),
                        chat(r[0], "which model answers " + r[0], stream));
                assertThat(resp.statusCode()).as(BrokerFixture.text(resp)).isEqualTo(200);
                JsonNode usage = BrokerEndToEndTest.usage(resp.body(), stream);
                boolean large = "dev-chat-large".equals(r[0]);
                BigInteger fee = fee(usage, large ? LARGE_IN : IN, large ? LARGE_OUT : OUT);
                assertThat(b.store().billedTotal().subtract(before)).as("billed for %s", r[0]).isEqualTo(fee);
                total = total.add(fee);
                if (r[0] == null) {
                    // no model named: billed as the default, which the upstream is told to run
                    assertThat(JSON.readTree(resp.body()).get("model").asText()).isEqualTo("dev-chat");
                }
            }

            HttpResponse<byte[]> unknown = f.post(b, "/v1/proxy/chat/completions", f.authorization(u),
                    chat("gpt-4", "hello", false));
            assertThat(unknown.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(unknown.body()).get("error").asText()).isEqualTo(
                    "model gpt-4 is not served here; this broker serves dev-chat, dev-chat-large, dev-chat-dear");
            assertThat(b.store().billedTotal()).as("an unknown model is never billed").isEqualTo(total);
            assertThat(b.store().reservedFee(u.getAddress())).isZero();

            var before = f.subAccounts(List.of(u));
            assertThat(b.settleNow().settled()).isEqualTo(total);
            assertThat(BrokerFixture.charged(before, f.subAccounts(List.of(u)))).as("settled == billed")
                    .isEqualTo(total);
        }
    }

    @Test
    void theReservationAtAdmissionUsesTheRequestedModelsPrices(Devnet d, @TempDir Path dir) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        Credentials u = d.account(3);
        try (ProviderBroker b = start(f)) {
            f.fund(u, 5, 2); // 1 0G spendable above the reserve
            HttpResponse<byte[]> dear = f.post(b, "/v1/proxy/chat/completions", f.authorization(u),
                    chat("dev-chat-dear", "a short question", false));
            assertThat(dear.statusCode()).isEqualTo(400);
            assertThat(BrokerFixture.text(dear)).contains("insufficient balance");
            assertThat(b.store().billedTotal()).isZero();

            HttpResponse<byte[]> cheap = f.post(b, "/v1/proxy/chat/completions", f.authorization(u),
                    chat("dev-chat", "a short question", false));
            assertThat(cheap.statusCode()).as(BrokerFixture.text(cheap)).isEqualTo(200);

            var attestation = f.get(b, "/v1/proxy/attestation/report?model=dev-chat-large", null);
            assertThat(attestation.statusCode()).isEqualTo(200);
            assertThat(f.get(b, "/v1/proxy/attestation/report?model=other", null).statusCode()).isEqualTo(400);
        }
    }
}
