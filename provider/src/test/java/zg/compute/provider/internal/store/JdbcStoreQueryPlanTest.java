package zg.compute.provider.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The queries that settlement and metrics run on every tick select by request state through the
 * {@code request_state} index, not by scanning the whole (growing) request table.
 */
class JdbcStoreQueryPlanTest {

    private static final String PG = System.getenv("ZG_TEST_POSTGRES_URL");

    @TempDir
    Path dir;

    static Stream<String> backends() {
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        return PG != null || ci ? Stream.of("sqlite", "postgresql") : Stream.of("sqlite");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void settlementAndMetricsQueriesUseTheStateIndex(String backend) throws Exception {
        String url;
        if (backend.equals("sqlite")) {
            url = "jdbc:sqlite:" + dir.resolve("plan.db");
        } else {
            assertThat(PG).as("CI=true requires ZG_TEST_POSTGRES_URL").isNotNull();
            String schema = "p_" + UUID.randomUUID().toString().replace("-", "");
            try (Connection c = DriverManager.getConnection(PG); Statement st = c.createStatement()) {
                st.execute("CREATE SCHEMA " + schema);
            }
            url = PG + (PG.contains("?") ? "&" : "?") + "currentSchema=" + schema;
        }
        JdbcStore.open(url).close(); // migrated
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            if (backend.equals("postgresql")) {
                st.execute("SET enable_seqscan = off"); // an empty table is scanned anyway; is the index usable?
            }
            for (String sql : new String[] {JdbcStore.BILLABLE_SQL, JdbcStore.OLDEST_UNSETTLED_SQL}) {
                StringBuilder plan = new StringBuilder();
                try (ResultSet rs = st.executeQuery((backend.equals("sqlite") ? "EXPLAIN QUERY PLAN " : "EXPLAIN ") + sql)) {
                    while (rs.next()) {
                        plan.append(rs.getString(backend.equals("sqlite") ? 4 : 1)).append('\n');
                    }
                }
                assertThat(plan.toString()).as("plan of %s", sql).contains("request_state");
            }
        }
    }
}
