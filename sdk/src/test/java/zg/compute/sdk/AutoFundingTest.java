package zg.compute.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.Keys;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.units.Units;

/**
 * checkAndFund against a {@link StandInProviderServer} whose {@code /unsettledfee} answer the test picks: an
 * honest provider is topped up as the official SDK does, a dishonest one that reports a huge figure gets at most
 * what the fees this client computed itself justify, and never more on repeated claims. Balances are read on chain.
 */
@ExtendWith(DevnetExtension.class)
class AutoFundingTest {

    /** What processResponse bills for the stand-in's canned usage: 12 prompt × 1000 + 3 completion × 2000 neuron. */
    private static final String USAGE = "{\"prompt_tokens\":12,\"completion_tokens\":3,\"total_tokens\":15}";
    private static final BigInteger FEE = BigInteger.valueOf(18_000);
    /** 0.5 0G of usage at the same prices: 5 × 10^14 prompt tokens × 1000 neuron. */
    private static final String HALF_OG_USAGE = "{\"prompt_tokens\":500000000000000,\"completion_tokens\":0}";

    private StandInProviderServer server;
    private String provider;
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger log = (Logger) LoggerFactory.getLogger(InferenceBroker.class);
    private Level level;

    @BeforeEach
    void setUp(Devnet d) throws Exception {
        server = new StandInProviderServer();
        provider = d.account(5).getAddress();
        SdkFixtures.registerService(d, d.account(5), server.url(), "org/model-a", d.account(6).getAddress(), "{}");
        SdkFixtures.acknowledgeTeeSignerAsOwner(d, provider);
        logs.start();
        log.addAppender(logs);
        level = log.getLevel();
        log.setLevel(Level.INFO); // the test logback configuration shows only WARN and above
    }

    @AfterEach
    void tearDown() {
        log.detachAppender(logs);
        log.setLevel(level);
        server.close();
    }

    /** A user with 10 0G in the ledger and 1 0G in the sub-account with the provider (which acknowledges it). */
    private ZGComputeNetworkBroker user(Devnet d, BrokerOptions options) {
        ZGComputeNetworkBroker b = ZGComputeNetworkBroker.create(d.account(1), d.rpcUrl(), options);
        b.ledger().addLedger(Amount.og("10"));
        b.ledger().transferFund(provider, ServiceKind.INFERENCE, Amount.og("1"));
        return b;
    }

    private List<String> lines(Level level) {
        return logs.list.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void anHonestProviderIsToppedUpToItsUnsettledFeePlusTheBuffer(Devnet d) {
        server.setUnsettledFee("500000000000000000"); // 0.5 0G: exactly what this client computed
        try (var b = user(d, SdkFixtures.options())) {
            b.inference().processResponse(provider, null, HALF_OG_USAGE);
            assertThat(b.inference().cachedFee(provider)).isEqualTo(Units.parseOg("0.5"));
            assertThat(b.inference().checkAndFund(provider)).isPresent();
            // required = 0.5 unsettled + 2 × 1 0G buffer, as the official SDK computes it
            assertThat(b.inference().getAccount(provider).balance()).isEqualTo(Units.parseOg("2.5"));
            assertThat(b.ledger().getLedger().availableBalance()).isEqualTo(Units.parseOg("7.5"));
            assertThat(b.inference().cachedFee(provider)).isZero();
            assertThat(server.requests()).singleElement().asString()
                    .startsWith("GET /v1/user/" + Keys.toChecksumAddress(d.account(1).getAddress()) + "/unsettledfee "
                            + "Bearer app-sk-");
            assertThat(lines(Level.WARN)).isEmpty();
            assertThat(lines(Level.INFO)).singleElement().asString()
                    .startsWith("Auto-funding: transferring 1.5 0G to the sub-account with " + provider
                            + " (provider reports 0.5 0G unsettled; required 2.5 0G = unsettled 0.5 0G + buffer 2 0G, "
                            + "available 1 0G)");
        }
    }

    @Test
    void aProviderReportingAHugeUnsettledFeeGetsAtMostTheCap(Devnet d) {
        // 7 0G, while this client saw one request: trusted, it would move 8 of the 9 0G left in the ledger.
        server.setUnsettledFee(Units.og(7).toString());
        try (var b = user(d, SdkFixtures.options())) {
            b.inference().processResponse(provider, null, USAGE);
            assertThat(b.inference().checkAndFund(provider)).isPresent();
            // The claim counts only up to 2 × the 18000 neuron computed locally: 2 0G buffer + 36000 neuron.
            BigInteger cap = FEE.multiply(BigInteger.TWO).add(Units.og(2));
            assertThat(b.inference().getAccount(provider).balance()).isEqualTo(cap);
            assertThat(b.ledger().getLedger().availableBalance()).isEqualTo(Units.og(10).subtract(cap));
            assertThat(lines(Level.WARN)).singleElement().asString().isEqualTo("Provider " + provider
                    + " reports 7 0G of unsettled fees, more than the 0.000000000000018 0G this client has computed"
                    + " for it since it started; auto-funding counts at most 0.000000000000036 0G of it");
            assertThat(lines(Level.INFO)).singleElement().asString().contains("provider reports 7 0G unsettled, "
                    + "counted only up to 0.000000000000036 0G (2 × the local estimate 0.000000000000018 0G)");

            // Repeating (or raising) the claim moves nothing more while no new fees were computed locally ...
            server.setUnsettledFee(Units.og(1_000).toString());
            assertThat(b.inference().checkAndFund(provider)).isEmpty();
            // ... and one more request only what it justifies (here nothing: 2 × 18000 neuron are still there).
            b.inference().processResponse(provider, null, USAGE);
            assertThat(b.inference().checkAndFund(provider)).isEmpty();
            assertThat(b.inference().getAccount(provider).balance()).isEqualTo(cap);
            assertThat(b.ledger().getLedger().availableBalance()).isEqualTo(Units.og(10).subtract(cap));
            assertThat(lines(Level.WARN)).hasSize(3);
            assertThat(lines(Level.INFO)).hasSize(1);
        }
    }

    @Test
    void maxAutoFundCapsEveryTopUp(Devnet d) {
        server.setUnsettledFee("0");
        try (var b = user(d, SdkFixtures.options().withMaxAutoFund(Amount.og("0.25")))) {
            // Missing: the 2 0G buffer − 1 0G available = 1 0G; one top-up moves only 0.25 0G.
            assertThat(b.inference().checkAndFund(provider)).isPresent();
            assertThat(b.inference().getAccount(provider).balance()).isEqualTo(Units.parseOg("1.25"));
            assertThat(b.inference().checkAndFund(provider)).isPresent();
            assertThat(b.inference().getAccount(provider).balance()).isEqualTo(Units.parseOg("1.5"));
            assertThat(lines(Level.INFO)).hasSize(2).allSatisfy(l -> assertThat(l)
                    .startsWith("Auto-funding: transferring 0.25 0G to the sub-account with " + provider)
                    .endsWith(", capped at 0.25 0G (maxAutoFund))"));
        }
        assertThatThrownBy(() -> SdkFixtures.options().withMaxAutoFund(Amount.ZERO))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("maxAutoFund must be greater than 0 (to never top up, do not enable auto-funding)");
    }

    @Test
    void requestHeadersTopUpTheSubAccountLikeTheOfficialSdk(Devnet d) {
        server.setUnsettledFee("0");
        try (var b = user(d, SdkFixtures.options().withFundOnRequestHeaders(true))) {
            assertThat(b.inference().getRequestHeaders(provider)).containsKey("Authorization");
            assertThat(b.inference().getAccount(provider).balance()).isEqualTo(Units.og(2));
        }
    }

    @Test
    void aCoveredSubAccountIsNotCheckedAgainOnEveryRequestHeadersCall(Devnet d) throws Exception {
        server.setUnsettledFee("0");
        try (var b = user(d, SdkFixtures.options().withFundOnRequestHeaders(true))) {
            b.inference().getRequestHeaders(provider); // tops up to 2 0G: covered from here on
            int afterTopUp = server.requests().size();
            for (int i = 0; i < 50; i++) {
                assertThat(b.inference().getRequestHeaders(provider)).containsKey("Authorization");
            }
            assertThat(server.requests()).as("50 calls within the reuse window ask the provider at most once more")
                    .hasSizeLessThanOrEqualTo(afterTopUp + 1);
            Thread.sleep(InferenceBroker.FUND_CHECK_REUSE.toMillis() + 100);
            int before = server.requests().size();
            b.inference().getRequestHeaders(provider);
            assertThat(server.requests()).as("checked again once the window passed").hasSize(before + 1);
        }
    }
}
