package com.liftos.security.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.liftos.security.store.Db;
import com.liftos.security.testing.TestDatabase;
import com.zaxxer.hikari.HikariDataSource;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The hash chain against tampering done directly in SQL, and its writers under concurrency. */
class AuditChainTest {
    static HikariDataSource ds;
    static Db db;
    static GroupCommitAuditLog log;
    static AuditKey key;
    static ChainVerifier verifier;
    static AuditMaintenance maintenance;
    static final Clock CLOCK = Clock.systemUTC();

    @BeforeAll
    static void setUp() {
        ds = TestDatabase.fresh().dataSource(24);
        db = new Db(ds);
        ChainAppender appender = new ChainAppender(new SecureRandom(), List.of());
        log = new GroupCommitAuditLog(db, e -> { }, appender);
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        key = AuditKey.of(raw);
        verifier = new ChainVerifier(db, Optional.of(key));
        maintenance = new AuditMaintenance(db, key, log, CLOCK);
    }

    @AfterAll
    static void tearDown() {
        log.close();
        ds.close();
    }

    static SecurityEvent event(UUID org, int i) {
        return SecurityEvent.builder(SecurityEventType.LOGIN_SUCCESS, "user_login").org(org)
                .actor(UUID.randomUUID(), SecurityEvent.ActorType.USER).resource("user:" + i)
                .clientIp("203.0.113." + (i % 250)).userAgent("JUnit/" + i).requestId("req-" + i)
                .detail("login_method", "password").detail("n", i).detail("email", "person" + i + "@example.test")
                .risk(0.1).build(CLOCK.instant());
    }

    static UUID chainOf(int n) {
        UUID org = UUID.randomUUID();
        for (int i = 1; i <= n; i++) {
            log.record(event(org, i));
        }
        return org;
    }

    static void sql(String statement, Object... params) {
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement(statement)) {
                for (int i = 0; i < params.length; i++) {
                    ps.setObject(i + 1, params[i]);
                }
                return ps.executeUpdate();
            }
        });
    }

    static ChainStatus.Tampered tampered(UUID org) {
        ChainStatus s = verifier.verify(org);
        assertThat(s).isInstanceOf(ChainStatus.Tampered.class);
        return (ChainStatus.Tampered) s;
    }

    @Test
    void untouchedChainIsIntact() {
        UUID org = chainOf(25);
        ChainStatus s = verifier.verify(org);
        assertThat(s).isInstanceOf(ChainStatus.Intact.class);
        assertThat(((ChainStatus.Intact) s).recordsChecked()).isEqualTo(25);
        assertThat(((ChainStatus.Intact) s).headSeq()).isEqualTo(25);
    }

    @Test
    void updateOfAnyFieldIsReportedAsModified() {
        for (String column : List.of("action = 'nothing_happened'", "success = false", "risk_score = 0.0",
                "details_text = '{\"n\":7}'", "occurred_at = occurred_at - interval '1 second'", "event_type = 'LOGOUT'")) {
            UUID org = chainOf(10);
            sql("UPDATE audit_events SET " + column + " WHERE chain = ? AND seq = 7", org);
            ChainStatus.Tampered t = tampered(org);
            assertThat(t.problem()).as(column).isEqualTo(ChainStatus.Problem.MODIFIED);
            assertThat(t.seq()).as(column).isEqualTo(7);
        }
    }

    @Test
    void updateOfPersonalFieldsIsReportedAsModified() {
        UUID org = chainOf(10);
        sql("UPDATE audit_events SET client_ip = '198.51.100.1' WHERE chain = ? AND seq = 4", org);
        ChainStatus.Tampered t = tampered(org);
        assertThat(t.problem()).isEqualTo(ChainStatus.Problem.MODIFIED);
        assertThat(t.seq()).isEqualTo(4);
    }

    @Test
    void deleteIsReported() {
        UUID org = chainOf(10);
        sql("DELETE FROM audit_events WHERE chain = ? AND seq = 5", org);
        ChainStatus.Tampered t = tampered(org);
        assertThat(t.problem()).isEqualTo(ChainStatus.Problem.DELETED);
        assertThat(t.seq()).isEqualTo(5);
    }

    @Test
    void deleteOfTheNewestRecordIsReported() {
        UUID org = chainOf(10);
        sql("DELETE FROM audit_events WHERE chain = ? AND seq = 10", org);
        ChainStatus.Tampered t = tampered(org);
        assertThat(t.problem()).isEqualTo(ChainStatus.Problem.DELETED);
        assertThat(t.seq()).isEqualTo(10);
    }

    @Test
    void deleteWithRenumberingIsReported() {
        UUID org = chainOf(10);
        sql("DELETE FROM audit_events WHERE chain = ? AND seq = 5", org);
        sql("UPDATE audit_events SET seq = -(seq - 1) WHERE chain = ? AND seq > 5", org);
        sql("UPDATE audit_events SET seq = -seq WHERE chain = ? AND seq < 0", org);
        sql("UPDATE audit_chain_heads SET seq = 9 WHERE chain = ?", org);
        ChainStatus.Tampered t = tampered(org);
        assertThat(t.problem()).isEqualTo(ChainStatus.Problem.DELETED);
        assertThat(t.seq()).isEqualTo(5);
    }

    @Test
    void insertOfAForgedButWellHashedRecordIsReported() {
        UUID org = chainOf(10);
        // Make room at seq 6 and insert a record that hashes correctly and links to seq 5.
        sql("UPDATE audit_events SET seq = -(seq + 1) WHERE chain = ? AND seq > 5", org);
        sql("UPDATE audit_events SET seq = -seq WHERE chain = ? AND seq < 0", org);
        sql("UPDATE audit_chain_heads SET seq = 11 WHERE chain = ?", org);
        byte[] prev = db.run(c -> hashAt(c, org, 5));
        UUID forgedId = UUID.randomUUID();
        insertForged(org, 6, forgedId, prev);
        ChainStatus.Tampered t = tampered(org);
        assertThat(t.problem()).isEqualTo(ChainStatus.Problem.INSERTED);
        assertThat(t.seq()).isEqualTo(6);
        assertThat(t.eventId()).contains(forgedId);
    }

    @Test
    void insertOfACopiedRecordIsReported() {
        UUID org = chainOf(10);
        sql("""
                INSERT INTO audit_events (event_id, occurred_at, event_type, org_id, actor_id, actor_type, action, resource,
                    client_ip, user_agent, success, request_id, risk_score, risk_level, seq, format, details_text,
                    personal_text, personal_salt, personal_digest, prev_hash, hash)
                SELECT gen_random_uuid(), occurred_at, event_type, org_id, actor_id, actor_type, action, resource,
                    client_ip, user_agent, success, request_id, risk_score, risk_level, 11, format, details_text,
                    personal_text, personal_salt, personal_digest, prev_hash, hash
                FROM audit_events WHERE chain = ? AND seq = 3
                """, org);
        ChainStatus.Tampered t = tampered(org);
        assertThat(t.problem()).isEqualTo(ChainStatus.Problem.INSERTED);
        assertThat(t.seq()).isEqualTo(11);
    }

    @Test
    void swapOfTwoRecordsIsReportedAsReordered() {
        UUID org = chainOf(10);
        sql("UPDATE audit_events SET seq = -1 WHERE chain = ? AND seq = 4", org);
        sql("UPDATE audit_events SET seq = 4 WHERE chain = ? AND seq = 5", org);
        sql("UPDATE audit_events SET seq = 5 WHERE chain = ? AND seq = -1", org);
        ChainStatus.Tampered t = tampered(org);
        assertThat(t.problem()).isEqualTo(ChainStatus.Problem.REORDERED);
        assertThat(t.seq()).isEqualTo(4);
    }

    @Test
    void rewritingAndRehashingTheChainIsCaughtByTheSignedCheckpoint() {
        UUID org = chainOf(10);
        assertThat(maintenance.checkpoint()).isGreaterThanOrEqualTo(1);
        // An attacker who knows the (unkeyed) hash changes seq 3 and re-hashes everything after it, head included.
        sql("UPDATE audit_events SET action = 'rewritten' WHERE chain = ? AND seq = 3", org);
        rehash(org);
        ChainStatus.Tampered t = tampered(org);
        assertThat(t.problem()).isEqualTo(ChainStatus.Problem.MODIFIED);
        assertThat(t.message()).contains("checkpoint");
    }

    @Test
    void forgedCheckpointIsRefused() {
        UUID org = chainOf(5);
        maintenance.checkpoint();
        sql("UPDATE audit_checkpoints SET seq = 4 WHERE chain = ?", org);
        assertThat(tampered(org).problem()).isEqualTo(ChainStatus.Problem.CHECKPOINT_INVALID);
    }

    @Test
    void pseudonymizationErasesPersonalFieldsAndKeepsTheChainIntact() {
        UUID org = UUID.randomUUID();
        UUID subject = UUID.randomUUID();
        log.record(event(org, 1));
        log.record(SecurityEvent.builder(SecurityEventType.LOGIN_FAILURE, "user_login").org(org)
                .actor(subject, SecurityEvent.ActorType.USER).clientIp("192.0.2.77").userAgent("Subject-Browser")
                .detail("email", "subject@example.test").detail("reason", "bad_password").success(false).risk(0.3)
                .build(CLOCK.instant()));
        log.record(event(org, 3));
        int erased = maintenance.pseudonymizeSubject(subject, Optional.of("subject@example.test"));
        assertThat(erased).isEqualTo(1);
        assertThat(verifier.verify(org).intact()).isTrue();
        String remaining = db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT coalesce(string_agg(concat_ws('|', client_ip, user_agent, details::text), ';'), '') FROM audit_events WHERE chain = ? AND actor_id = ?")) {
                ps.setObject(1, org);
                ps.setObject(2, subject);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getString(1);
                }
            }
        });
        assertThat(remaining).doesNotContain("192.0.2.77").doesNotContain("Subject-Browser").doesNotContain("subject@example.test")
                .contains("bad_password");
        // Putting a value back into an erased record is tampering.
        sql("UPDATE audit_events SET client_ip = '192.0.2.1' WHERE chain = ? AND actor_id = ?", org, subject);
        assertThat(tampered(org).problem()).isEqualTo(ChainStatus.Problem.MODIFIED);
    }

    @Test
    void retentionPurgeKeepsTheRestVerifiableAndItsAnchorSigned() {
        UUID org = UUID.randomUUID();
        Instant old = Instant.now().minus(Duration.ofDays(400));
        for (int i = 0; i < 5; i++) {
            log.record(SecurityEvent.builder(SecurityEventType.LOGOUT, "user_logout").org(org).build(old.plusSeconds(i)));
        }
        for (int i = 0; i < 3; i++) {
            log.record(event(org, i));
        }
        maintenance.checkpoint();
        assertThat(maintenance.purge(org, Duration.ofDays(365))).isEqualTo(5);
        ChainStatus s = verifier.verify(org);
        assertThat(s.intact()).as(s.toString()).isTrue();
        assertThat(((ChainStatus.Intact) s).anchorSeq()).isEqualTo(5);
        assertThat(((ChainStatus.Intact) s).recordsChecked()).isEqualTo(4); // 3 kept + the purge's own DATA_ERASURE event
        // Deleting more of the prefix and moving the anchor without the key is detected.
        sql("UPDATE audit_chain_heads SET anchor_seq = 6, anchor_hash = (SELECT hash FROM audit_events WHERE chain = ? AND seq = 6) WHERE chain = ?", org, org);
        sql("DELETE FROM audit_events WHERE chain = ? AND seq = 6", org);
        assertThat(tampered(org).problem()).isEqualTo(ChainStatus.Problem.CHECKPOINT_INVALID);
    }

    @Test
    void concurrentWritersThroughBothPathsKeepEveryChainIntact() throws Exception {
        UUID orgA = UUID.randomUUID();
        UUID orgB = UUID.randomUUID();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            int thread = t;
            futures.add(pool.submit(() -> {
                for (int n = 0; n < 100; n++) {
                    int i = n;
                    UUID org = (i + thread) % 2 == 0 ? orgA : orgB;
                    if (thread % 4 == 0) {
                        // Inside a caller's transaction; every 10th one rolls back and must leave no trace.
                        boolean rollback = i % 10 == 0;
                        try {
                            db.tx(c -> {
                                log.record(c, event(org, i));
                                if (rollback) {
                                    throw new SQLException("caller aborts", "P0001");
                                }
                                return null;
                            });
                        } catch (RuntimeException expected) {
                            assertThat(rollback).isTrue();
                        }
                    } else {
                        log.record(event(org, i));
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        long expected = 16 * 100 - 4 * 10;
        ChainStatus a = verifier.verify(orgA);
        ChainStatus b = verifier.verify(orgB);
        assertThat(a.intact()).as(a.toString()).isTrue();
        assertThat(b.intact()).as(b.toString()).isTrue();
        assertThat(a.recordsChecked() + b.recordsChecked()).isEqualTo(expected);
    }

    @Test
    void systemEventsHaveTheirOwnChainAndVerifyAllCoversEveryChain() {
        log.record(SecurityEvent.builder(SecurityEventType.SYSTEM_BACKUP, "backup").build(CLOCK.instant()));
        UUID org = chainOf(3);
        List<ChainStatus> all = verifier.verifyAll();
        assertThat(all).extracting(ChainStatus::chain).contains(ChainAppender.SYSTEM_CHAIN, org);
        assertThat(all.stream().filter(s -> s.chain().equals(org) || s.chain().equals(ChainAppender.SYSTEM_CHAIN)))
                .allMatch(ChainStatus::intact);
    }

    @Test
    void everyEventTypeIsRecordedWithEveryFieldAndFoundBySearch() {
        UUID org = UUID.randomUUID();
        AuditTrail trail = new AuditTrail(log, CLOCK);
        UUID actor = UUID.randomUUID();
        AuditTrail.Origin origin = AuditTrail.Origin.user(org, actor).from("192.0.2.10", "Agent/1.0", "req-all");
        for (SecurityEventType type : SecurityEventType.values()) {
            trail.logSecurityEvent(type, origin, "act_" + type.wire(), type.ordinal() % 2 == 0, java.util.Map.of("k", type.wire()), 0.65);
        }
        AuditQuery query = new AuditQuery(db, com.liftos.security.http.Json.newMapper());
        for (SecurityEventType type : SecurityEventType.values()) {
            AuditQuery.Page page = query.search(org, new AuditFilter(java.util.Set.of(type), Optional.of(actor), Optional.empty(),
                    Optional.empty(), Optional.empty(), Optional.of(0.6), Optional.empty()), Optional.empty(), 10);
            assertThat(page.events()).as(type.name()).hasSize(1);
            java.util.Map<String, Object> e = page.events().getFirst();
            assertThat(e.get("type")).isEqualTo(type.wire());
            assertThat(e.get("action")).isEqualTo("act_" + type.wire());
            assertThat(e.get("actor_id")).isEqualTo(actor.toString());
            assertThat(e.get("actor_type")).isEqualTo("user");
            assertThat(e.get("client_ip")).isEqualTo("192.0.2.10");
            assertThat(e.get("user_agent")).isEqualTo("Agent/1.0");
            assertThat(e.get("request_id")).isEqualTo("req-all");
            assertThat(e.get("success")).isEqualTo(type.ordinal() % 2 == 0);
            assertThat(e.get("risk_score")).isEqualTo(0.65);
            assertThat(e.get("risk_level")).isEqualTo("high");
            assertThat(e.get("details")).isEqualTo(java.util.Map.of("k", type.wire()));
        }
        // The seed's convenience calls.
        trail.logAuthenticationEvent(SecurityEventType.LOGIN_FAILURE, origin, false, "password", java.util.Map.of("reason", "bad_password"));
        trail.logApiKeyAccess(origin, "meta", "default", "rotate", true);
        trail.logSuspiciousActivity(origin, "impossible_travel", 0.9, java.util.Map.of());
        assertThatThrownBy(() -> trail.logAuthenticationEvent(SecurityEventType.DATA_EXPORT, origin, true, "x", java.util.Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
        ChainStatus s = verifier.verify(org);
        assertThat(s.intact()).isTrue();
        assertThat(s.recordsChecked()).isEqualTo(SecurityEventType.values().length + 3L);
    }

    @Test
    void recordInsideARolledBackTransactionLeavesNoTrace() {
        UUID org = chainOf(2);
        try {
            db.tx(c -> {
                new AuditTrail(log, CLOCK).within(c).logSecurityEvent(SecurityEventType.ROLE_ASSIGNED,
                        AuditTrail.Origin.user(org, UUID.randomUUID()), "assign", true, java.util.Map.of(), 0.2);
                throw new SQLException("the audited action failed", "P0001");
            });
        } catch (RuntimeException expected) {
            // rolled back
        }
        log.record(event(org, 3));
        ChainStatus s = verifier.verify(org);
        assertThat(s.intact()).isTrue();
        assertThat(s.recordsChecked()).isEqualTo(3);
    }

    @Test
    void secretsInDetailsAreRedactedBeforeStorage() {
        UUID org = UUID.randomUUID();
        String canary = "CANARY-sk_live_" + UUID.randomUUID();
        log.record(SecurityEvent.builder(SecurityEventType.API_KEY_CREATED, "create").org(org)
                .detail("provider", "stripe").detail("secret_key", canary).detail("password", canary)
                .detail("nested", java.util.Map.of("access_token", canary, "ok", "fine"))
                .detail("credentials", java.util.Map.of("shop_domain", "x.myshopify.com", "anything", canary))
                .detail("password_policy", java.util.Map.of("min_length", 14, "client_secret", canary))
                .build(CLOCK.instant()));
        String stored = db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT details::text || details_text FROM audit_events WHERE chain = ?")) {
                ps.setObject(1, org);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getString(1);
                }
            }
        });
        assertThat(stored).doesNotContain(canary).contains("stripe").contains("fine").contains(DetailsPolicy.REDACTED)
                .contains("\"min_length\": 14"); // a structure named like a secret is kept, its secret keys redacted
        assertThat(verifier.verify(org).intact()).isTrue();
    }

    static byte[] hashAt(Connection c, UUID org, long seq) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT hash FROM audit_events WHERE chain = ? AND seq = ?")) {
            ps.setObject(1, org);
            ps.setLong(2, seq);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBytes(1);
            }
        }
    }

    static void insertForged(UUID org, long seq, UUID id, byte[] prev) {
        ChainHash h = new ChainHash();
        byte[] salt = new byte[16];
        byte[] digest = h.personalDigest(salt, null, null, null);
        Instant at = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        byte[] hash = h.recordHash(new ChainHash.Fields(prev, id, ChainAppender.micros(at), "LOGIN_SUCCESS", org, null,
                "SYSTEM", "forged", null, true, "{}", null, 0.0, digest));
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO audit_events (event_id, occurred_at, event_type, org_id, actor_type, action, success,
                        risk_score, risk_level, seq, details_text, personal_salt, personal_digest, prev_hash, hash)
                    VALUES (?, ?, 'LOGIN_SUCCESS', ?, 'SYSTEM', 'forged', true, 0, 'low', ?, '{}', ?, ?, ?, ?)
                    """)) {
                ps.setObject(1, id);
                ps.setTimestamp(2, Timestamp.from(at));
                ps.setObject(3, org);
                ps.setLong(4, seq);
                ps.setBytes(5, salt);
                ps.setBytes(6, digest);
                ps.setBytes(7, prev);
                ps.setBytes(8, hash);
                return ps.executeUpdate();
            }
        });
    }

    /** What an attacker with database access and the source code can do: recompute every hash and the head. */
    static void rehash(UUID org) {
        db.tx(c -> {
            ChainHash h = new ChainHash();
            byte[] prev = ChainHash.GENESIS;
            long last = 0;
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT seq, event_id, occurred_at, event_type, org_id, actor_id, actor_type, action,"
                         + " resource, success, details_text, request_id, risk_score, personal_digest FROM audit_events WHERE chain = '"
                         + org + "' ORDER BY seq");
                 PreparedStatement up = c.prepareStatement("UPDATE audit_events SET prev_hash = ?, hash = ? WHERE chain = ? AND seq = ?")) {
                while (rs.next()) {
                    byte[] hash = h.recordHash(new ChainHash.Fields(prev, rs.getObject(2, UUID.class),
                            ChainAppender.micros(rs.getTimestamp(3).toInstant()), rs.getString(4), rs.getObject(5, UUID.class),
                            rs.getObject(6, UUID.class), rs.getString(7), rs.getString(8), rs.getString(9), rs.getBoolean(10),
                            rs.getString(11), rs.getString(12), rs.getDouble(13), rs.getBytes(14)));
                    up.setBytes(1, prev);
                    up.setBytes(2, hash);
                    up.setObject(3, org);
                    up.setLong(4, rs.getLong(1));
                    up.executeUpdate();
                    prev = hash;
                    last = rs.getLong(1);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE audit_chain_heads SET seq = ?, hash = ? WHERE chain = ?")) {
                ps.setLong(1, last);
                ps.setBytes(2, prev);
                ps.setObject(3, org);
                ps.executeUpdate();
            }
            return null;
        });
    }
}
