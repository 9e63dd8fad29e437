package com.liftos.security.auth.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.store.Housekeeping;
import com.liftos.security.testing.TestDatabase;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The rotation statement's plan on a database whose statistics go stale (no autovacuum), without planner switches.
 * The hazard: a server-side prepared statement runs on a generic plan that PostgreSQL keeps until the tables'
 * statistics change; made while {@code refresh_tokens} was nearly empty, it scans the table, and keeps scanning as
 * the table grows. {@code store.Housekeeping} re-analyzes a table that doubled, which makes every connection plan the
 * statement afresh: with index lookups. (This test connection forces the generic plan to show the plan a long-lived
 * connection ends up with; the service sets nothing.)
 */
class RotationPlanTest {
    private static final String NOW = "now()";

    @Test
    void theRotationLooksTokensUpByIndexAfterTheTableGrewWithoutAnalyze() throws Exception {
        try (HikariDataSource ds = TestDatabase.fresh().dataSource(3); Connection c = ds.getConnection();
             Statement st = c.createStatement()) {
            st.execute("""
                    INSERT INTO organizations (id, name) VALUES ('00000000-0000-0000-0000-0000000000a1', 'plan');
                    INSERT INTO users (id, org_id, email, password_hash) VALUES
                        ('00000000-0000-0000-0000-0000000000b1', '00000000-0000-0000-0000-0000000000a1', 'plan@example.test', 'x');
                    INSERT INTO auth_sessions (id, user_id, org_id, device_fingerprint, client_ip, amr, auth_time, created_at,
                        last_seen_at, idle_timeout_seconds, expires_at) VALUES
                        ('00000000-0000-0000-0000-0000000000c1', '00000000-0000-0000-0000-0000000000b1',
                         '00000000-0000-0000-0000-0000000000a1', 'f', '127.0.0.1', '{pwd}', now(), now(), now(), 3600,
                         now() + interval '30 days');
                    INSERT INTO refresh_tokens (token_hash, session_id, status, created_at, expires_at, carries_family) VALUES
                        (sha256('t0'), '00000000-0000-0000-0000-0000000000c1', 'active', now(), now() + interval '30 days', true);
                    ANALYZE users; ANALYZE auth_sessions; ANALYZE refresh_tokens;""");
            int n = 0;
            StringBuilder sql = new StringBuilder();
            for (char ch : Rotations.SQL.toCharArray()) {
                sql.append(ch == '?' ? "$" + (++n) : String.valueOf(ch));
            }
            st.execute("PREPARE rotation AS " + sql);
            st.execute("SET plan_cache_mode = force_generic_plan");
            String explain = "EXPLAIN EXECUTE rotation(ARRAY[sha256('t0')], ARRAY[sha256('t1')], ARRAY['f'], ARRAY['127.0.0.1'], "
                    + String.join(", ", NOW, NOW, NOW, NOW, "true", NOW, NOW, NOW, NOW, NOW, NOW, NOW) + ")";
            assertThat(n).isEqualTo(16);
            assertThat(plan(st, explain)).as("the hazard: a generic plan made on a near-empty table").contains("Seq Scan on refresh_tokens");

            st.execute("""
                    INSERT INTO refresh_tokens (token_hash, session_id, status, created_at, expires_at, used_at, carries_family)
                    SELECT sha256(g::text::bytea), '00000000-0000-0000-0000-0000000000c1', 'rotated', now(), now(), now(), true
                    FROM generate_series(1, 100000) g""");
            assertThat(plan(st, explain)).as("without new statistics the cached plan stays").contains("Seq Scan on refresh_tokens");
            st.execute("SET plan_cache_mode = force_custom_plan");
            assertThat(plan(st, explain)).as("a fresh plan with stale statistics").contains("Index Scan using refresh_tokens_pkey on refresh_tokens")
                    .doesNotContain("Seq Scan on refresh_tokens");
            st.execute("SET plan_cache_mode = force_generic_plan");

            assertThat(new Housekeeping(ds, Clock.systemUTC(), List.of()).refreshStatistics()).contains("refresh_tokens");
            String after = plan(st, explain);
            assertThat(after).contains("Index Scan using refresh_tokens_pkey on refresh_tokens").doesNotContain("Seq Scan on refresh_tokens");
        }
    }

    private static String plan(Statement st, String explain) throws Exception {
        StringBuilder out = new StringBuilder();
        try (ResultSet rs = st.executeQuery(explain)) {
            while (rs.next()) {
                out.append(rs.getString(1)).append('\n');
            }
        }
        return out.toString();
    }
}
