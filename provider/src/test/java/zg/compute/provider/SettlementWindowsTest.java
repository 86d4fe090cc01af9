package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.TransactionDecoder;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;

/**
 * One test per window of a settlement transaction's life in which an RPC endpoint can mislead the
 * broker — broadcast lost before or after reaching the node, mined between the receipt and the nonce
 * read, a receipt that a lagging node does not show, a transaction that never gets mined — each ending
 * with the chain having charged exactly what the broker billed. The broker reaches the chain only
 * through an {@link RpcFaultProxy}; the test reads the chain directly.
 */
@ExtendWith(DevnetExtension.class)
class SettlementWindowsTest {

    private static final BigInteger IN = BigInteger.valueOf(1_000_000_000L);
    private static final BigInteger OUT = BigInteger.valueOf(3_000_000_000L);
    private static final String FAST = "intervalSeconds: 3600, receiptTimeoutSeconds: 1";

    private RpcFaultProxy proxy;

    @BeforeEach
    void proxy(Devnet d) {
        proxy = new RpcFaultProxy(d.rpcUrl());
    }

    @AfterEach
    void closeProxy() {
        proxy.close();
    }

    /** A broker behind the proxy with two users' fees billed, and the chain as it was before settling. */
    private record Billed(BrokerFixture f, ProviderBroker b, List<Credentials> users, Map<String, BigInteger> before,
            BigInteger billed, BigInteger walletBefore, long block) {
    }

    private Billed bill(Devnet d, Path dir, String settlement, boolean schedule) throws Exception {
        BrokerFixture f = new BrokerFixture(d, dir);
        ProviderBroker b = f.start(IN, OUT, proxy.url(), settlement, schedule);
        d.inference(d.account(0)).acknowledgeTEESignerByOwner(f.provider.getAddress()).send();
        List<Credentials> users = List.of(d.account(2), d.account(3));
        for (Credentials u : users) {
            f.fund(u, 5, 3);
            f.chat(b, u, 2);
        }
        BigInteger billed = b.store().billedTotal();
        assertThat(billed).isPositive();
        return new Billed(f, b, users, f.subAccounts(users), billed, f.balance(f.provider.getAddress()),
                f.blockNumber());
    }

    /** The chain charged the users exactly the billed total, once; the books agree; the provider got it. */
    private static void assertSettledExactlyOnce(Billed r) throws Exception {
        BrokerFixture f = r.f();
        assertThat(BrokerFixture.charged(r.before(), f.subAccounts(r.users()))).as("charged on chain")
                .isEqualTo(r.billed());
        assertThat(r.b().store().settledTotal()).as("settled in the books").isEqualTo(r.billed());
        for (Credentials u : r.users()) {
            assertThat(r.b().store().unsettledFee(u.getAddress())).isZero();
        }
        assertThat(r.b().store().batches("sent")).isEmpty();
        String p = f.provider.getAddress();
        BigInteger gas = f.gasPaid(p, r.block(), f.blockNumber());
        assertThat(f.balance(p).subtract(r.walletBefore()).add(gas)).as("provider wallet gain").isEqualTo(r.billed());
    }

    private static boolean once(AtomicBoolean flag) {
        return flag.compareAndSet(false, true);
    }

    private static JsonNode awaitMined(RpcFaultProxy px, String hash) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        JsonNode r;
        while ((r = px.direct("eth_getTransactionReceipt", hash)) == null || r.isNull()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("transaction " + hash + " not mined after 10 s");
            }
            Thread.sleep(20);
        }
        return r;
    }

    @Test
    void aBroadcastThatNeverReachedTheNodeIsSentAgainByTheNextRun(Devnet d, @TempDir Path dir) throws Exception {
        // Every settlement broadcast of the first run is lost (the HTTP client's own retry included).
        AtomicBoolean unreachable = new AtomicBoolean(true);
        proxy.add((call, px) -> RpcFaultProxy.isSettlementBroadcast(call) && unreachable.get()
                ? new RpcFaultProxy.Drop(false) : null);
        Billed r = bill(d, dir, FAST, false);
        try (ProviderBroker b = r.b()) {
            assertThat(b.settleNow().unresolved()).isEqualTo(1);
            assertThat(b.store().settledTotal()).isZero();
            unreachable.set(false);
            assertThat(b.settleNow().unresolved()).isZero();
            assertSettledExactlyOnce(r);
        }
    }

    @Test
    void aBroadcastWhoseAnswerWasLostIsResolvedFromItsReceipt(Devnet d, @TempDir Path dir) throws Exception {
        AtomicBoolean dropped = new AtomicBoolean();
        proxy.add((call, px) -> RpcFaultProxy.isSettlementBroadcast(call) && once(dropped)
                ? new RpcFaultProxy.Drop(true) : null);
        Billed r = bill(d, dir, FAST, false);
        try (ProviderBroker b = r.b()) {
            b.settleNow();
            b.settleNow();
            assertThat(b.settleNow().settled()).as("nothing left").isZero();
            assertSettledExactlyOnce(r);
        }
    }

    @Test
    void aTransactionMinedBetweenTheReceiptAndTheNonceReadsIsNotSettledTwice(Devnet d, @TempDir Path dir)
            throws Exception {
        // The node holds the transaction (answers with its hash, mines nothing) until the broker next asks
        // for its wallet nonce; then the transaction is mined just before that nonce read is answered.
        AtomicReference<String> held = new AtomicReference<>();
        AtomicBoolean holding = new AtomicBoolean();
        AtomicBoolean sentOnce = new AtomicBoolean();
        proxy.add((call, px) -> {
            if (RpcFaultProxy.isSettlementBroadcast(call) && once(sentOnce)) {
                held.set(call.param0());
                holding.set(true);
                return new RpcFaultProxy.Answer(TextNode.valueOf(RpcFaultProxy.txHash(call.param0())));
            }
            if (call.method().equals("eth_getTransactionCount") && holding.get()
                    && !call.params().path(1).asText().equals("pending") && held.get() != null) {
                String raw = held.getAndSet(null);
                px.direct("eth_sendRawTransaction", raw);
                try {
                    awaitMined(px, RpcFaultProxy.txHash(raw));
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
            return null;
        });
        Billed r = bill(d, dir, FAST, false);
        try (ProviderBroker b = r.b()) {
            b.settleNow();
            for (int i = 0; i < 3 && !b.store().batches("sent").isEmpty(); i++) {
                b.settleNow();
            }
            assertThat(b.settleNow().settled()).as("nothing left").isZero();
            assertSettledExactlyOnce(r);
        }
    }

    @Test
    void aReceiptALaggingNodeDoesNotShowKeepsTheBatchOpenUntilItAppears(Devnet d, @TempDir Path dir)
            throws Exception {
        // Receipts of the broker's settlement transactions are hidden (a lagging node answers null) while
        // the wallet nonce comes from an up-to-date node: the nonce has passed, no receipt is visible.
        Set<String> sentHashes = ConcurrentHashMap.newKeySet();
        AtomicBoolean hide = new AtomicBoolean(true);
        proxy.add((call, px) -> {
            if (RpcFaultProxy.isSettlementBroadcast(call)) {
                sentHashes.add(RpcFaultProxy.txHash(call.param0()));
            } else if (call.method().equals("eth_getTransactionReceipt") && hide.get()
                    && sentHashes.contains(call.param0())) {
                return new RpcFaultProxy.Answer(NullNode.getInstance());
            }
            return null;
        });
        Billed r = bill(d, dir, FAST, false);
        try (ProviderBroker b = r.b()) {
            assertThat(b.settleNow().unresolved()).as("receipt wait timed out").isEqualTo(1);
            var again = b.settleNow();
            assertThat(again.unresolved()).as("nonce passed but items executed: still open").isEqualTo(1);
            assertThat(sentHashes).as("nothing signed or sent twice").hasSize(1);
            assertThat(BrokerFixture.charged(r.before(), r.f().subAccounts(r.users()))).isEqualTo(r.billed());
            assertThat(b.store().settledTotal()).isZero();

            hide.set(false);
            assertThat(b.settleNow().unresolved()).isZero();
            assertSettledExactlyOnce(r);
        }
    }

    @Test
    void aStuckTransactionIsReplacedWithTheSameNonceAndAHigherFee(Devnet d, @TempDir Path dir) throws Exception {
        // The first settlement transaction is swallowed: the node says it has it, but it is never mined.
        AtomicReference<String> swallowed = new AtomicReference<>();
        proxy.add((call, px) -> {
            if (RpcFaultProxy.isSettlementBroadcast(call)
                    && (swallowed.get() == null || swallowed.get().equals(call.param0()))) {
                swallowed.set(call.param0());
                return new RpcFaultProxy.Answer(TextNode.valueOf(RpcFaultProxy.txHash(call.param0())));
            }
            return null;
        });
        Billed r = bill(d, dir, FAST + ", replaceAfterSeconds: 1", false);
        try (ProviderBroker b = r.b()) {
            assertThat(b.settleNow().unresolved()).isEqualTo(1);
            long batch = b.store().batches("sent").get(0).id();
            Thread.sleep(1_100);
            assertThat(b.settleNow().unresolved()).as("replaced and mined").isZero();
            assertSettledExactlyOnce(r);

            List<String> hashes = b.store().txHashes(batch);
            assertThat(hashes).hasSize(2);
            var stuck = TransactionDecoder.decode(swallowed.get());
            String replacementRaw = null;
            for (var bt : b.store().batches("confirmed")) {
                if (bt.id() == batch) {
                    replacementRaw = bt.rawTx();
                }
            }
            var replacement = TransactionDecoder.decode(replacementRaw);
            assertThat(replacement.getNonce()).isEqualTo(stuck.getNonce());
            assertThat(replacement.getGasPrice()).isGreaterThan(stuck.getGasPrice());
            // The stuck one can never land now.
            assertThatThrownBy(() -> proxy.direct("eth_sendRawTransaction", swallowed.get()))
                    .hasMessageContaining("nonce");
            assertSettledExactlyOnce(r);
        }
    }

    @Test
    void aFailedRunIsRetriedSoonNotOneIntervalLater(Devnet d, @TempDir Path dir) throws Exception {
        // The first few settlement broadcasts are lost; the interval is an hour.
        java.util.concurrent.atomic.AtomicInteger lost = new java.util.concurrent.atomic.AtomicInteger();
        proxy.add((call, px) -> RpcFaultProxy.isSettlementBroadcast(call) && lost.incrementAndGet() <= 3
                ? new RpcFaultProxy.Drop(false) : null);
        Billed r = bill(d, dir, FAST + ", thresholdNeuron: 1, refundCheckSeconds: 1", true);
        try (ProviderBroker b = r.b()) {
            long deadline = System.currentTimeMillis() + 20_000;
            while (b.store().settledTotal().compareTo(r.billed()) < 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertThat(lost.get()).as("broadcasts were lost first").isGreaterThan(3);
            assertSettledExactlyOnce(r);
        }
    }
}
