package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import zg.compute.provider.Store.ItemOutcome;
import zg.compute.provider.Store.SettlementItem;
import zg.compute.provider.internal.store.JdbcStore;

/**
 * The store's contract on SQLite and on PostgreSQL. PostgreSQL runs when {@code ZG_TEST_POSTGRES_URL}
 * names a database (e.g. {@code jdbc:postgresql://127.0.0.1/postgres?user=postgres&password=…}); with
 * {@code CI=true} it must be set — CI never skips it silently.
 */
class StoreTest {

    private static final String PG = System.getenv("ZG_TEST_POSTGRES_URL");
    private static final String USER = "0xAbCdEf0000000000000000000000000000000001";

    @TempDir
    Path dir;
    private final List<Store> opened = new ArrayList<>();

    static Stream<String> backends() {
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        return PG != null || ci ? Stream.of("sqlite", "postgresql") : Stream.of("sqlite");
    }

    private Store open(String backend) throws Exception {
        Store s;
        if (backend.equals("sqlite")) {
            s = JdbcStore.open("jdbc:sqlite:" + dir.resolve("store.db"));
        } else {
            assertThat(PG).as("CI=true requires ZG_TEST_POSTGRES_URL").isNotNull();
            String schema = "t_" + UUID.randomUUID().toString().replace("-", "");
            try (var c = DriverManager.getConnection(PG); var st = c.createStatement()) {
                st.execute("CREATE SCHEMA " + schema);
            }
            s = JdbcStore.open(PG + (PG.contains("?") ? "&" : "?") + "currentSchema=" + schema);
        }
        opened.add(s);
        return s;
    }

    @AfterEach
    void closeAll() {
        opened.forEach(Store::close);
    }

    private static BigInteger n(long v) {
        return BigInteger.valueOf(v);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void onlyBilledRowsCountAsUnsettled(String backend) throws Exception {
        Store s = open(backend);
        s.insertRequest("r1", USER, 1);
        s.insertRequest("r2", USER, 2);
        s.insertRequest("r3", USER, 3);
        assertThat(s.unsettledFee(USER)).as("pending rows have no fee yet").isZero();
        BigInteger big = new BigInteger("123456789012345678901234567890"); // beyond any SQL integer
        s.billRequest("r1", 10, 20, n(100), big);
        s.billRequest("r2", 1, 2, n(7), n(8));
        s.failRequest("r3");
        s.billRequest("r1", 99, 99, n(1), n(1)); // billing is once only
        assertThat(s.unsettledFee(USER.toLowerCase())).isEqualTo(big.add(n(115)));
        assertThat(s.billedTotal()).isEqualTo(big.add(n(115)));
        assertThat(s.settledTotal()).isZero();
        assertThat(s.billableRows().get(USER.toLowerCase())).extracting(Store.BillableRow::id).containsExactly("r1", "r2");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void journalPaysPartialSettlementsRowByRowInOrder(String backend) throws Exception {
        Store s = open(backend);
        String u = USER.toLowerCase();
        for (int i = 1; i <= 3; i++) {
            s.insertRequest("r" + i, USER, i);
            s.billRequest("r" + i, 0, 1, BigInteger.ZERO, n(100L * i)); // fees 100, 200, 300
        }
        SettlementItem signed = new SettlementItem(0, null, u, n(5), n(600), "0x01", "0x02", "signed", null, null);
        long id = s.recordSigned(signed, List.of("r1", "r2", "r3"));
        assertThat(s.lastNonce(USER)).isEqualTo(n(5));
        assertThat(s.billableRows()).isEmpty();
        assertThat(s.unsettledFee(USER)).as("in-flight fees still count").isEqualTo(n(600));
        assertThatThrownBy(() -> s.recordSigned(signed, List.of())).hasMessageContaining("nonce must grow");

        long batch = s.recordSent(List.of(id), "0xhash", "0xraw", n(9));
        assertThat(s.batches("sent")).singleElement().satisfies(b -> {
            assertThat(b.txHash()).isEqualTo("0xhash");
            assertThat(b.walletNonce()).isEqualTo(n(9));
        });
        assertThat(s.itemsOfBatch(batch)).singleElement().extracting(SettlementItem::state).isEqualTo("sent");

        // PARTIAL: 250 of 600 settled → r1 paid, r2 paid 150 of 200, r3 unpaid.
        s.complete(batch, List.of(new ItemOutcome(id, 1, n(350))));
        assertThat(s.settledTotal()).isEqualTo(n(250));
        assertThat(s.unsettledFee(USER)).isEqualTo(n(350));
        assertThat(s.billableRows().get(u)).extracting(Store.BillableRow::id, Store.BillableRow::outstanding)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("r2", n(50)), org.assertj.core.groups.Tuple.tuple("r3", n(300)));
        assertThat(s.batches("sent")).isEmpty();
        assertThat(s.items("confirmed")).singleElement().satisfies(i -> {
            assertThat(i.status()).isEqualTo(1);
            assertThat(i.unsettled()).isEqualTo(n(350));
        });

        // The remainder, re-signed with a larger nonce, then rejected: rows come back untouched.
        long again = s.recordSigned(new SettlementItem(0, null, u, n(6), n(350), "0x03", "0x04", "signed", null, null),
                List.of("r2", "r3"));
        s.release(List.of(again), "rejected", 4);
        assertThat(s.items("rejected")).singleElement().extracting(SettlementItem::status).isEqualTo(4);
        assertThat(s.unsettledFee(USER)).isEqualTo(n(350));

        long last = s.recordSigned(new SettlementItem(0, null, u, n(7), n(350), "0x05", "0x06", "signed", null, null),
                List.of("r2", "r3"));
        long b2 = s.recordSent(List.of(last), "0xh2", "0xr2", n(10));
        s.complete(b2, List.of(new ItemOutcome(last, 0, BigInteger.ZERO)));
        assertThat(s.unsettledFee(USER)).isZero();
        assertThat(s.settledTotal()).isEqualTo(s.billedTotal()).isEqualTo(n(600));
    }

    @ParameterizedTest
    @MethodSource("backends")
    void signaturesExpire(String backend) throws Exception {
        Store s = open(backend);
        String key = UUID.randomUUID().toString();
        s.putSignature(key, "a:b", "0xsig", 10_000);
        assertThat(s.signature(key.toUpperCase(), 9_999)).hasValue(new Store.StoredSignature("a:b", "0xsig"));
        assertThat(s.signature(key, 10_001)).isEmpty();
        assertThat(s.signature("unknown", 0)).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void oneSettlementLeaderPerDatabase(String backend) throws Exception {
        Store first = open(backend);
        assertThat(first.tryLeadSettlement()).isTrue();
        if (backend.equals("postgresql")) {
            Store second = open(backend);
            assertThat(second.tryLeadSettlement()).isFalse();
            first.close();
            opened.remove(first);
            assertThat(second.tryLeadSettlement()).isTrue();
        }
    }
}
