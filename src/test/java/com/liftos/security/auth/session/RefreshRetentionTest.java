package com.liftos.security.auth.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.MutableClock;
import com.liftos.security.testing.TestApp;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bounded growth of refresh tokens with reuse detection intact: a retired token's row is purged after its retention
 * (1 hour here), yet presenting that token later is still reuse and revokes its family, because the token names
 * its family under a keyed tag; a family's rows stay O(1) plus the retention window. Sessions (with their tokens) go
 * a day after they ended here. The rule's other side: a forged tag revokes nothing.
 */
class RefreshRetentionTest {
    static final String PASSWORD = "Retention-Pass-99!";
    static final MutableClock clock = new MutableClock(Instant.now());
    static TestApp app;

    @BeforeAll
    static void start() {
        app = TestApp.start(Map.of("LIFTOS_RETIRED_REFRESH_TOKEN_RETENTION_HOURS", "1", "LIFTOS_SESSION_RETENTION_DAYS", "1"), clock);
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    static JsonNode login() {
        String email = "rt-" + UUID.randomUUID() + "@example.test";
        app.createUser(app.loginAdmin(), app.adminOrgId(), email, PASSWORD, "viewer");
        return app.loginResponse(email, PASSWORD);
    }

    static HttpResponse<String> refresh(String token) {
        return app.postJson("/v1/auth/refresh", app.body(Map.of("refresh_token", token)));
    }

    static String rotate(String token) {
        HttpResponse<String> r = refresh(token);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return app.json(r).get("refresh_token").asText();
    }

    static Map<String, Long> purge() {
        return app.app().housekeeping().runPurges();
    }

    static long count(String sql, Object arg) {
        return app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setObject(1, arg);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    static long tokenRows(String sessionId) {
        return count("SELECT count(*) FROM refresh_tokens WHERE session_id = ?", UUID.fromString(sessionId));
    }

    static boolean stored(String token) {
        return count("SELECT count(*) FROM refresh_tokens WHERE token_hash = ?", Sessions.hash(token)) == 1;
    }

    static boolean sessionEnded(String sessionId) {
        return count("SELECT count(*) FROM auth_sessions WHERE id = ? AND ended_at IS NOT NULL", UUID.fromString(sessionId)) == 1;
    }

    static long reuseEvents(String sessionId) {
        return count("SELECT count(*) FROM audit_events WHERE event_type = 'SUSPICIOUS_ACTIVITY' AND action = 'refresh_token_reuse'"
                + " AND details->>'session_id' = ?", sessionId);
    }

    @Test
    void aFamilyKeepsItsLiveTokenAndTheRetiredOnesOfTheRetentionWindow() {
        JsonNode login = login();
        String sid = login.get("session_id").asText();
        String token = login.get("refresh_token").asText();
        for (int i = 0; i < 20; i++) {
            token = rotate(token);
        }
        assertThat(tokenRows(sid)).isEqualTo(21);
        clock.advance(Duration.ofHours(2));
        for (int i = 0; i < 3; i++) {
            token = rotate(token);
        }
        assertThat(purge().get("refresh_tokens")).isGreaterThanOrEqualTo(20);
        // the live token, and the three retired within the last hour
        assertThat(tokenRows(sid)).isEqualTo(4);
        assertThat(refresh(token).statusCode()).isEqualTo(200);
    }

    @Test
    void aRetiredTokenWhoseRowWasPurgedIsStillReuseAndRevokesItsFamily() {
        JsonNode login = login();
        String sid = login.get("session_id").asText();
        String first = login.get("refresh_token").asText();
        String token = rotate(rotate(first));
        clock.advance(Duration.ofHours(2));
        token = rotate(token);
        purge();
        assertThat(stored(first)).isFalse();

        assertThat(refresh(first).statusCode()).isEqualTo(401);
        assertThat(sessionEnded(sid)).isTrue();
        assertThat(reuseEvents(sid)).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM audit_events WHERE event_type = 'SUSPICIOUS_ACTIVITY' AND details->>'session_id' = ?"
                + " AND details->>'token_purged' = 'true'", sid)).isEqualTo(1);
        assertThat(refresh(token).statusCode()).isEqualTo(401);
    }

    @Test
    void aTokenOfAPurgedSessionIsMerelyUnknown() {
        JsonNode login = login();
        String sid = login.get("session_id").asText();
        String first = login.get("refresh_token").asText();
        String token = rotate(first);
        assertThat(app.app().auth().sessions().end(UUID.fromString(sid), "logout")).isTrue();
        clock.advance(Duration.ofDays(2));
        purge();
        assertThat(count("SELECT count(*) FROM auth_sessions WHERE id = ?", UUID.fromString(sid))).isZero();
        assertThat(tokenRows(sid)).isZero();

        assertThat(refresh(first).statusCode()).isEqualTo(401);
        assertThat(refresh(token).statusCode()).isEqualTo(401);
        assertThat(reuseEvents(sid)).isZero();
    }

    @Test
    void aForgedFamilyTagRevokesNothing() {
        JsonNode victim = login();
        JsonNode attacker = login();
        String victimToken = victim.get("refresh_token").asText();
        byte[] raw = Base64.getUrlDecoder().decode(attacker.get("refresh_token").asText());
        assertThat(raw).hasSize(65);
        // the victim's session id (known from audit records or an access token) with the attacker's tag
        byte[] victimRaw = Base64.getUrlDecoder().decode(victimToken);
        System.arraycopy(victimRaw, 1, raw, 1, 16);
        String forged = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        assertThat(refresh(forged).statusCode()).isEqualTo(401);
        // a flipped bit in the victim's own tag
        byte[] flipped = victimRaw.clone();
        flipped[20] ^= 1;
        assertThat(refresh(Base64.getUrlEncoder().withoutPadding().encodeToString(flipped)).statusCode()).isEqualTo(401);

        assertThat(sessionEnded(victim.get("session_id").asText())).isFalse();
        assertThat(reuseEvents(victim.get("session_id").asText())).isZero();
        assertThat(refresh(victimToken).statusCode()).isEqualTo(200);
    }

    @Test
    void aTokenOfTheEarlierFormatRotatesAndItsRetiredRowStaysWithTheSession() {
        JsonNode login = login();
        String sid = login.get("session_id").asText();
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        String legacy = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        Instant now = clock.instant();
        app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO refresh_tokens (token_hash, session_id, parent_hash, status, created_at, expires_at)
                    VALUES (?, ?, NULL, 'active', ?, ?)""")) {
                ps.setBytes(1, Sessions.hash(legacy));
                ps.setObject(2, UUID.fromString(sid));
                ps.setTimestamp(3, Timestamp.from(now));
                ps.setTimestamp(4, Timestamp.from(now.plus(Duration.ofDays(30))));
                return ps.executeUpdate();
            }
        });
        String successor = rotate(legacy);
        assertThat(successor).hasSize(RefreshTokens.LENGTH);
        clock.advance(Duration.ofHours(2));
        purge();
        // no family in the token itself: its row is what recognises it, so it stays
        assertThat(stored(legacy)).isTrue();
        assertThat(refresh(legacy).statusCode()).isEqualTo(401);
        assertThat(sessionEnded(sid)).isTrue();
        assertThat(refresh(successor).statusCode()).isEqualTo(401);
    }
}
