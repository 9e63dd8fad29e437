package com.liftos.security.auth.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.MutableClock;
import com.liftos.security.testing.TestApp;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The reuse interval (LIFTOS_REFRESH_REUSE_INTERVAL_SECONDS, 5 s by default): a retired token presented again by the
 * session's device within the interval, while its successor is unused, gets that same successor — a client whose
 * answer was lost keeps its session. Every other presentation of a retired token is still reuse and revokes the family.
 */
class RefreshReuseIntervalTest {
    static final String PASSWORD = "Reuse-Interval-Pass1!";
    static final String OTHER_DEVICE = "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0";
    static final MutableClock clock = new MutableClock(Instant.now());
    static TestApp app;

    @BeforeAll
    static void start() {
        app = TestApp.start(Map.of("LIFTOS_DB_POOL_SIZE", "16"), clock);
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    static JsonNode login() {
        String email = "ri-" + UUID.randomUUID() + "@example.test";
        app.createUser(app.loginAdmin(), app.adminOrgId(), email, PASSWORD, "viewer");
        return app.loginResponse(email, PASSWORD);
    }

    static HttpResponse<String> refresh(String token) {
        return app.postJson("/v1/auth/refresh", app.body(Map.of("refresh_token", token)));
    }

    static HttpResponse<String> refreshFromAnotherDevice(String token) {
        return app.send(app.request("/v1/auth/refresh").header("Content-Type", "application/json").header("User-Agent", OTHER_DEVICE)
                .POST(HttpRequest.BodyPublishers.ofString(app.body(Map.of("refresh_token", token)))).build());
    }

    static String rotate(String token) {
        HttpResponse<String> r = refresh(token);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return app.json(r).get("refresh_token").asText();
    }

    static long events(String type, String action, String sessionId) {
        return app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT count(*) FROM audit_events WHERE event_type = ? AND action = ? AND details->>'session_id' = ?")) {
                ps.setString(1, type);
                ps.setString(2, action);
                ps.setString(3, sessionId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    /** How many tokens were issued in exchange for {@code token}. */
    static long successors(String token) {
        return app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM refresh_tokens WHERE parent_hash = ?")) {
                ps.setBytes(1, Sessions.hash(token));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    static boolean sessionEnded(String sessionId) {
        return app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT ended_at IS NOT NULL FROM auth_sessions WHERE id = ?")) {
                ps.setObject(1, UUID.fromString(sessionId));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getBoolean(1);
                }
            }
        });
    }

    @Test
    void theSameDeviceRetryingWithinTheIntervalGetsTheSameSuccessorAndKeepsItsSession() {
        JsonNode login = login();
        String sid = login.get("session_id").asText();
        String first = login.get("refresh_token").asText();
        JsonNode answer = app.json(refresh(first));
        String successor = answer.get("refresh_token").asText();

        HttpResponse<String> retry = refresh(first);
        assertThat(retry.statusCode()).as(retry.body()).isEqualTo(200);
        JsonNode again = app.json(retry);
        assertThat(again.get("refresh_token").asText()).isEqualTo(successor);
        assertThat(again.get("session_id").asText()).isEqualTo(sid);
        assertThat(again.get("refresh_expires_in").asLong()).isEqualTo(answer.get("refresh_expires_in").asLong());
        assertThat(app.get("/v1/me", again.get("access_token").asText()).statusCode()).isEqualTo(200);
        assertThat(successors(first)).isEqualTo(1);
        assertThat(sessionEnded(sid)).isFalse();
        assertThat(events("TOKEN_REFRESHED", "refresh_replayed", sid)).isEqualTo(1);
        assertThat(events("SUSPICIOUS_ACTIVITY", "refresh_token_reuse", sid)).isZero();
        // the family goes on from the successor
        assertThat(refresh(successor).statusCode()).isEqualTo(200);
    }

    @Test
    void aRetiredTokenFromAnotherDeviceIsReuseEvenWithinTheInterval() {
        JsonNode login = login();
        String sid = login.get("session_id").asText();
        String first = login.get("refresh_token").asText();
        String successor = rotate(first);

        assertThat(refreshFromAnotherDevice(first).statusCode()).isEqualTo(401);
        assertThat(sessionEnded(sid)).isTrue();
        assertThat(events("SUSPICIOUS_ACTIVITY", "refresh_token_reuse", sid)).isEqualTo(1);
        assertThat(refresh(successor).statusCode()).isEqualTo(401);
    }

    @Test
    void onceTheSuccessorWasUsedTheRetiredTokenIsReuse() {
        JsonNode login = login();
        String sid = login.get("session_id").asText();
        String first = login.get("refresh_token").asText();
        String successor = rotate(first);
        String third = rotate(successor);

        assertThat(refresh(first).statusCode()).isEqualTo(401);
        assertThat(sessionEnded(sid)).isTrue();
        assertThat(events("SUSPICIOUS_ACTIVITY", "refresh_token_reuse", sid)).isEqualTo(1);
        assertThat(refresh(third).statusCode()).isEqualTo(401);
    }

    @Test
    void afterTheIntervalTheRetiredTokenIsReuse() {
        JsonNode login = login();
        String sid = login.get("session_id").asText();
        String first = login.get("refresh_token").asText();
        String successor = rotate(first);
        clock.advance(Duration.ofSeconds(6));

        assertThat(refresh(first).statusCode()).isEqualTo(401);
        assertThat(sessionEnded(sid)).isTrue();
        assertThat(refresh(successor).statusCode()).isEqualTo(401);
    }

    @Test
    void concurrentPresentationsOfOneTokenByItsDeviceAllGetTheOneSuccessor() throws Exception {
        JsonNode login = login();
        String token = login.get("refresh_token").asText();
        int n = 30;
        CountDownLatch go = new CountDownLatch(1);
        List<Future<HttpResponse<String>>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    return refresh(token);
                }));
            }
            go.countDown();
            Set<String> successors = new HashSet<>();
            for (Future<HttpResponse<String>> f : results) {
                HttpResponse<String> r = f.get();
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                successors.add(app.json(r).get("refresh_token").asText());
            }
            assertThat(successors).hasSize(1);
        }
        assertThat(successors(token)).isEqualTo(1);
        assertThat(sessionEnded(login.get("session_id").asText())).isFalse();
    }

    @Test
    void withTheIntervalOffARetryIsReuse() {
        try (TestApp strict = TestApp.start(Map.of("LIFTOS_REFRESH_REUSE_INTERVAL_SECONDS", "0"))) {
            JsonNode login = strict.loginResponse(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD);
            String first = login.get("refresh_token").asText();
            HttpResponse<String> rotated = strict.postJson("/v1/auth/refresh", strict.body(Map.of("refresh_token", first)));
            assertThat(rotated.statusCode()).isEqualTo(200);
            String successor = strict.json(rotated).get("refresh_token").asText();
            assertThat(strict.postJson("/v1/auth/refresh", strict.body(Map.of("refresh_token", first))).statusCode()).isEqualTo(401);
            assertThat(strict.postJson("/v1/auth/refresh", strict.body(Map.of("refresh_token", successor))).statusCode()).isEqualTo(401);
        }
    }
}
