package com.liftos.security.compliance;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.store.Db;
import com.liftos.security.testing.TestDatabase;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Exporting 1,000,000 records streams: a child JVM with a 48 MB heap exports them all, in CSV and JSONL. */
class AuditExportHeapTest {
    static final int RECORDS = 1_000_000;

    @Test
    void exportOfAMillionRecordsRunsInA48MegabyteHeap() throws Exception {
        TestDatabase.Schema schema = TestDatabase.fresh();
        UUID org = UUID.randomUUID();
        try (HikariDataSource ds = schema.dataSource(2)) {
            new Db(ds).tx(c -> {
                // Export does not check the chain, so the rows are generated in SQL (hash columns are filler).
                try (PreparedStatement ps = c.prepareStatement("""
                        INSERT INTO audit_events (event_id, occurred_at, event_type, org_id, actor_id, actor_type, action, resource,
                            client_ip, user_agent, success, request_id, risk_score, risk_level, seq, details_text,
                            personal_salt, personal_digest, prev_hash, hash)
                        SELECT gen_random_uuid(), now() - (i || ' seconds')::interval, 'API_KEY_ACCESSED', ?, gen_random_uuid(),
                            'USER', 'retrieve', 'credential:meta/default', '10.0.0.' || (i % 250), 'Mozilla/5.0 (X11; Linux x86_64)',
                            true, 'req-' || i, 0.1, 'low', i, '{"provider":"meta","key_name":"default"}',
                            '\\x00', sha256(i::text::bytea), sha256(i::text::bytea), sha256(i::text::bytea)
                        FROM generate_series(1, ?) AS i
                        """)) {
                    ps.setObject(1, org);
                    ps.setInt(2, RECORDS);
                    return ps.executeUpdate();
                }
            });
        }
        for (String format : new String[] {"JSONL", "CSV"}) {
            Process child = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xmx48m",
                    "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), ExportChild.class.getName(),
                    schema.jdbcUrl(), schema.user().orElse("-"), schema.password().orElse("-"), org.toString(), format)
                    .redirectErrorStream(true).start();
            String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(child.waitFor(10, TimeUnit.MINUTES)).isTrue();
            assertThat(child.exitValue()).as(out).isZero();
            assertThat(out).as(out).contains("ROWS " + RECORDS + " ");
            System.out.println("export " + format + ": " + out.lines().filter(l -> l.startsWith("ROWS")).findFirst().orElse(""));
        }
    }
}
