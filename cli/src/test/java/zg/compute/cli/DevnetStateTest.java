package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zg.compute.cli.internal.devnet.DevnetStack;
import zg.compute.cli.internal.devnet.StackConfig;
import zg.compute.devnet.Devnet;
import zg.compute.protocol.units.Units;
import zg.compute.sdk.BrokerOptions;
import zg.compute.sdk.ContractAddresses;
import zg.compute.sdk.ZGComputeNetworkBroker;

/**
 * {@code devnet up --state DIR}: a second start resumes the chain (no redeploy, no second funding), the
 * providers keep their URLs, and a fee billed before the restart is settled on chain exactly once after it.
 */
class DevnetStateTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aRestartKeepsTheChainTheAccountsAndTheUnsettledFees(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        String user;
        String p1;
        String p1Url;
        BigInteger fee;
        BigInteger ledgerTotal;
        // a settlement interval far beyond the test: the fee is still unsettled when the first run stops
        try (DevnetStack first = DevnetStack.start(
                new StackConfig(0, 3600, Duration.ofHours(1), null, null, null, state), line -> { })) {
            Devnet d = first.devnet();
            user = first.user().address();
            p1 = first.providers().get(0).address();
            p1Url = first.providers().get(0).url();
            fee = paidChat(first);
            assertThat(fee.signum()).isPositive();
            ledgerTotal = d.ledger(d.account(0)).getLedger(user).send().totalBalance;
        }

        List<String> progress = new ArrayList<>();
        try (DevnetStack second = DevnetStack.start(
                new StackConfig(0, 3600, Duration.ofSeconds(1), null, null, null, state), progress::add)) {
            Devnet d = second.devnet();
            assertThat(d.resumed()).isTrue();
            assertThat(progress).anyMatch(l -> l.contains("resumed the saved chain and contracts"))
                    .anyMatch(l -> l.contains("keep the user account"))
                    .anyMatch(l -> l.contains("(2 already were)"));
            assertThat(second.providers().get(0).address()).isEqualTo(p1);
            assertThat(second.providers().get(0).url()).isEqualTo(p1Url);
            // not funded a second time
            assertThat(d.ledger(d.account(0)).getLedger(user).send().totalBalance).isLessThanOrEqualTo(ledgerTotal);

            BigInteger expected = Units.og(3).subtract(fee);
            BigInteger balance = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                balance = d.inference(d.account(0)).getAccount(user, p1).send().balance;
                if (balance.equals(expected)) {
                    break;
                }
                Thread.sleep(200);
            }
            assertThat(balance).as("the fee billed before the restart, settled once").isEqualTo(expected);
            assertThat(d.ledger(d.account(0)).getLedger(user).send().totalBalance)
                    .isEqualTo(ledgerTotal.subtract(fee));
        }
    }

    /** One paid chat completion through provider 1; returns the fee it was billed. */
    private static BigInteger paidChat(DevnetStack stack) throws Exception {
        Devnet d = stack.devnet();
        var p1 = stack.providers().get(0);
        ContractAddresses c = new ContractAddresses(d.contracts().ledger().proxy(),
                d.contracts().inference().proxy(), d.contracts().fineTuning().proxy());
        try (var broker = ZGComputeNetworkBroker.create(d.account(DevnetStack.USER), d.rpcUrl(),
                BrokerOptions.defaults().withContracts(c).withFundOnRequestHeaders(false))) {
            byte[] req = JSON.writeValueAsBytes(Map.of("model", p1.model(),
                    "messages", List.of(Map.of("role", "user", "content", "remember me"))));
            HttpResponse<byte[]> resp = CliFixtures.paidChat(broker, p1, req);
            assertThat(resp.statusCode()).isEqualTo(200);
            return CliFixtures.fee(p1, JSON.readTree(resp.body()).path("usage"));
        }
    }
}
