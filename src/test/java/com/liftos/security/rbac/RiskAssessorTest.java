package com.liftos.security.rbac;

import com.liftos.security.identity.Role;
import com.liftos.security.identity.PermissionSet;
import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.audit.AuditEventCounts;
import com.liftos.security.audit.JdbcAuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.identity.Principal;
import com.liftos.security.http.Json;
import com.liftos.security.store.Db;
import com.liftos.security.testing.TestDatabase;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each documented signal with its weight, against a real PostgreSQL for the failed-login count. */
class RiskAssessorTest {
    static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    static HikariDataSource ds;
    static Db db;
    static JdbcAuditLog audit;

    final Map<UUID, SessionFacts.Facts> sessions = new HashMap<>();

    @BeforeAll
    static void open() {
        ds = TestDatabase.fresh().dataSource(2);
        db = new Db(ds);
        audit = new JdbcAuditLog(db, Json.newMapper(), e -> { });
    }

    @AfterAll
    static void close() {
        ds.close();
    }

    RiskAssessor assessor() {
        return new RiskAssessor(id -> Optional.ofNullable(sessions.get(id)), AuditEventCounts.stored(db), CLOCK);
    }

    Principal user(UUID session, List<String> amr, Instant authTime) {
        return new Principal(UUID.randomUUID(), UUID.randomUUID(), Principal.Kind.USER, Optional.of("u@example.test"), Set.of("viewer"),
                PermissionSet.of(List.of(Role.VIEWER), List.of()), Optional.of(session), "jti", authTime, NOW.plusSeconds(3600), amr);
    }

    @Test
    void aKnownSessionFromAPrivateNetworkHasNoRisk() {
        UUID s = UUID.randomUUID();
        sessions.put(s, new SessionFacts.Facts("10.1.2.3", false));
        RiskAssessor.Assessment a = assessor().assess(Optional.of(user(s, List.of("pwd"), NOW)), "10.1.2.77");
        assertThat(a.score()).isZero();
        assertThat(a.signals()).isEmpty();
    }

    @Test
    void eachSignalAddsItsWeight() {
        UUID s = UUID.randomUUID();
        sessions.put(s, new SessionFacts.Facts("198.51.100.7", true));
        RiskAssessor.Assessment a = assessor().assess(Optional.of(user(s, List.of("pwd"), NOW)), "203.0.113.9");
        assertThat(a.signals()).containsExactly("untrusted_network", "new_device", "ip_changed");
        assertThat(a.score()).isCloseTo(0.7, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void aFreshMfaHalvesTheScoreAndAStaleOneDoesNot() {
        UUID s = UUID.randomUUID();
        sessions.put(s, new SessionFacts.Facts("198.51.100.7", true));
        assertThat(assessor().assess(Optional.of(user(s, List.of("pwd", "otp"), NOW.minusSeconds(60))), "198.51.100.8").score())
                .isCloseTo(0.2, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(assessor().assess(Optional.of(user(s, List.of("pwd", "otp"), NOW.minusSeconds(3600))), "198.51.100.8").score())
                .isCloseTo(0.4, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void recentFailedLoginsCount() {
        UUID s = UUID.randomUUID();
        Principal p = user(s, List.of("pwd"), NOW);
        for (int i = 0; i < 3; i++) {
            audit.record(SecurityEvent.builder(SecurityEventType.LOGIN_FAILURE, "login").actor(p.subject(), SecurityEvent.ActorType.USER)
                    .success(false).build(NOW.minusSeconds(60)));
        }
        // an old failure is outside the 15-minute window
        audit.record(SecurityEvent.builder(SecurityEventType.LOGIN_FAILURE, "login").actor(p.subject(), SecurityEvent.ActorType.USER)
                .success(false).build(NOW.minusSeconds(3600)));
        RiskAssessor.Assessment a = assessor().assess(Optional.of(p), "127.0.0.1");
        assertThat(a.signals()).containsExactly("failed_logins");
        assertThat(a.score()).isCloseTo(0.2, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void velocityFiresPastTheThreshold() {
        RiskAssessor r = assessor();
        Principal p = user(UUID.randomUUID(), List.of("pwd"), NOW);
        for (int i = 0; i < RiskAssessor.VELOCITY_PER_MINUTE; i++) {
            assertThat(r.assess(Optional.of(p), "127.0.0.1").signals()).doesNotContain("velocity");
        }
        assertThat(r.assess(Optional.of(p), "127.0.0.1").signals()).contains("velocity");
    }

    @Test
    void anonymousCallersAreScoredOnTheNetworkOnly() {
        assertThat(assessor().assess(Optional.empty(), "203.0.113.1").score()).isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(assessor().assess(Optional.empty(), "::1").score()).isZero();
    }

    @Test
    void networksCompareBySlash24AndSlash64() {
        assertThat(RiskAssessor.sameNetwork("198.51.100.7", "198.51.100.200")).isTrue();
        assertThat(RiskAssessor.sameNetwork("198.51.100.7", "198.51.101.7")).isFalse();
        assertThat(RiskAssessor.sameNetwork("2001:db8:1:2::1", "2001:db8:1:2:ffff::9")).isTrue();
        assertThat(RiskAssessor.sameNetwork("2001:db8:1:2::1", "2001:db8:1:3::1")).isFalse();
        assertThat(RiskAssessor.sameNetwork("198.51.100.7", "::1")).isFalse();
    }
}
