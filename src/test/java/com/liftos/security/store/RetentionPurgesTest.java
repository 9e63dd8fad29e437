package com.liftos.security.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.testing.TestApp;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The features' retention rules as the service wires them (App → Housekeeping): the vault's reveal log, MFA's
 * throttling logs, codes and login challenges, incidents' repeated detections and evidence, expired IP blocks. Old rows
 * go, recent ones and everything still in use stay; a second run finds nothing.
 */
class RetentionPurgesTest {
    static TestApp app;
    static UUID org;
    static UUID user;

    @BeforeAll
    static void start() {
        app = TestApp.start(Map.of("LIFTOS_VAULT_ACCESS_LOG_RETENTION_DAYS", "30", "LIFTOS_INCIDENT_EVIDENCE_RETENTION_DAYS", "30"));
        org = app.adminOrgId();
        user = app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM users WHERE lower(email) = lower(?)")) {
                ps.setString(1, TestApp.ADMIN_EMAIL);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getObject(1, UUID.class);
                }
            }
        });
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    static Timestamp ago(Duration d) {
        return Timestamp.from(Instant.now().minus(d));
    }

    static void exec(String sql, Object... args) {
        app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < args.length; i++) {
                    ps.setObject(i + 1, args[i]);
                }
                return ps.executeUpdate();
            }
        });
    }

    static long count(String sql, Object... args) {
        return app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < args.length; i++) {
                    ps.setObject(i + 1, args[i]);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    @Test
    void oldRowsGoAndRecentOnesStay() {
        // vault: reveals 40 days ago and yesterday
        String access = "INSERT INTO vault_access_log (org_id, provider, key_name, accessed_at, success) VALUES (?, 'klaviyo', 'default', ?, true)";
        exec(access, org, ago(Duration.ofDays(40)));
        exec(access, org, ago(Duration.ofDays(1)));
        // MFA: each table with one row past its window and one within
        exec("INSERT INTO mfa_failures (user_id, failed_at) VALUES (?, ?), (?, ?)", user, ago(Duration.ofDays(2)), user, ago(Duration.ofHours(1)));
        exec("INSERT INTO mfa_otp_sends (user_id, channel, sent_at) VALUES (?, 'email', ?), (?, 'email', ?)",
                user, ago(Duration.ofHours(3)), user, ago(Duration.ofMinutes(10)));
        exec("INSERT INTO mfa_otp_codes (user_id, channel, code_hash, expires_at) VALUES (?, 'email', '\\x01', ?), (?, 'sms', '\\x02', ?)",
                user, ago(Duration.ofMinutes(1)), user, Timestamp.from(Instant.now().plus(Duration.ofMinutes(4))));
        exec("INSERT INTO mfa_login_challenges (token_hash, user_id, expires_at) VALUES ('\\x0a', ?, ?), ('\\x0b', ?, ?)",
                user, ago(Duration.ofMinutes(10)), user, Timestamp.from(Instant.now().plus(Duration.ofMinutes(4))));
        // incidents: one resolved long ago, one resolved yesterday, one still open with old and new detections
        UUID oldResolved = incident("resolved", ago(Duration.ofDays(40)), "user:old");
        UUID newResolved = incident("resolved", ago(Duration.ofDays(1)), "user:new");
        UUID open = incident("open", null, "user:open");
        timeline(oldResolved, "detected", Duration.ofDays(41));
        timeline(oldResolved, "detected_again", Duration.ofDays(40));
        timeline(oldResolved, "contain", Duration.ofDays(40));
        timeline(open, "detected", Duration.ofDays(50));
        timeline(open, "detected_again", Duration.ofDays(45));
        timeline(open, "detected_again", Duration.ofHours(1));
        exec("INSERT INTO blocked_ips (ip, blocked_until, reason, created_at) VALUES ('198.51.100.1', ?, 'test', ?), ('198.51.100.2', ?, 'test', ?)",
                ago(Duration.ofDays(2)), ago(Duration.ofDays(3)), Timestamp.from(Instant.now().plus(Duration.ofHours(1))), ago(Duration.ofHours(1)));

        Map<String, Long> removed = app.app().housekeeping().runPurges();

        assertThat(removed).containsEntry("vault_access_log", 1L).containsEntry("mfa_failures", 1L).containsEntry("mfa_otp_sends", 1L)
                .containsEntry("mfa_otp_codes", 1L).containsEntry("mfa_login_challenges", 1L).containsEntry("incident_timeline", 2L)
                .containsEntry("incidents", 1L).containsEntry("blocked_ips", 1L);
        assertThat(count("SELECT count(*) FROM vault_access_log WHERE org_id = ?", org)).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM mfa_failures WHERE user_id = ?", user)).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM mfa_otp_sends WHERE user_id = ?", user)).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM mfa_otp_codes WHERE user_id = ? AND channel = 'sms'", user)).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM mfa_login_challenges WHERE user_id = ?", user)).isEqualTo(1);
        assertThat(count("SELECT cardinality(evidence) FROM incidents WHERE id = ?", oldResolved)).isZero();
        assertThat(count("SELECT cardinality(evidence) FROM incidents WHERE id = ?", newResolved)).isEqualTo(2);
        assertThat(count("SELECT cardinality(evidence) FROM incidents WHERE id = ?", open)).isEqualTo(2);
        assertThat(actions(oldResolved)).containsExactly("detected", "contain");
        assertThat(actions(open)).containsExactly("detected", "detected_again");
        assertThat(count("SELECT count(*) FROM blocked_ips WHERE ip LIKE '198.51.100.%'")).isEqualTo(1);

        assertThat(app.app().housekeeping().runPurges().values()).allMatch(n -> n == 0);
    }

    static UUID incident(String status, Timestamp resolvedAt, String subject) {
        UUID id = UUID.randomUUID();
        Timestamp opened = ago(Duration.ofDays(60));
        exec("""
                INSERT INTO incidents (id, org_id, type, severity, status, subject, opened_at, respond_by, updated_at, resolved_at, evidence)
                VALUES (?, ?, 'brute_force_attack', 'high', ?, ?, ?, ?, ?, ?, ?::uuid[])""",
                id, org, status, subject, opened, opened, opened, resolvedAt, "{" + UUID.randomUUID() + "," + UUID.randomUUID() + "}");
        return id;
    }

    static void timeline(UUID incident, String action, Duration ago) {
        exec("INSERT INTO incident_timeline (incident_id, at, action) VALUES (?, ?, ?)", incident, ago(ago), action);
    }

    static List<String> actions(UUID incident) {
        return app.app().db().run(c -> actions(c, incident));
    }

    private static List<String> actions(Connection c, UUID incident) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT action FROM incident_timeline WHERE incident_id = ? ORDER BY id")) {
            ps.setObject(1, incident);
            try (ResultSet rs = ps.executeQuery()) {
                List<String> out = new java.util.ArrayList<>();
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
                return out;
            }
        }
    }
}
