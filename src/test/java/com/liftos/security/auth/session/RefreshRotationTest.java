package com.liftos.security.auth.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.TestApp;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Refresh token rotation with strict reuse detection (RFC 9700 §4.14.2): the reuse interval is off here, so any retired
 * token presented again revokes its family ({@link RefreshReuseIntervalTest} covers the interval).
 */
class RefreshRotationTest {
    static TestApp app;
    static final String PASSWORD = "Refr3sh-Password!";

    @BeforeAll
    static void start() {
        app = TestApp.start(Map.of("LIFTOS_DB_POOL_SIZE", "24", "LIFTOS_REFRESH_REUSE_INTERVAL_SECONDS", "0"));
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    static String newUser() {
        String email = "r-" + UUID.randomUUID() + "@example.test";
        app.createUser(app.loginAdmin(), app.adminOrgId(), email, PASSWORD, "viewer");
        return email;
    }

    static HttpResponse<String> refresh(String refreshToken) {
        return app.postJson("/v1/auth/refresh", app.body(Map.of("refresh_token", refreshToken)));
    }

    static long events(String type, String sessionId) {
        return app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT count(*) FROM audit_events WHERE event_type = ? AND details->>'session_id' = ?")) {
                ps.setString(1, type);
                ps.setString(2, sessionId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    @Test
    void refreshRotatesAndKeepsTheSession() {
        JsonNode login = app.loginResponse(newUser(), PASSWORD);
        HttpResponse<String> r = refresh(login.get("refresh_token").asText());
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode next = app.json(r);
        assertThat(next.get("refresh_token").asText()).isNotEqualTo(login.get("refresh_token").asText());
        assertThat(next.get("session_id").asText()).isEqualTo(login.get("session_id").asText());
        assertThat(app.get("/v1/me", next.get("access_token").asText()).statusCode()).isEqualTo(200);
        assertThat(refresh(next.get("refresh_token").asText()).statusCode()).isEqualTo(200);
    }

    @Test
    void reusingARetiredTokenRevokesTheWholeFamily() {
        JsonNode login = app.loginResponse(newUser(), PASSWORD);
        String first = login.get("refresh_token").asText();
        JsonNode second = app.json(refresh(first));
        String access = second.get("access_token").asText();
        assertThat(app.get("/v1/me", access).statusCode()).isEqualTo(200);

        HttpResponse<String> replay = refresh(first);
        assertThat(replay.statusCode()).isEqualTo(401);
        assertThat(app.json(replay).at("/error/code").asText()).isEqualTo("invalid_refresh_token");
        // the whole family is gone: the current refresh token and the session's access tokens
        assertThat(refresh(second.get("refresh_token").asText()).statusCode()).isEqualTo(401);
        assertThat(app.get("/v1/me", access).statusCode()).isEqualTo(401);
        assertThat(app.get("/v1/me", login.get("access_token").asText()).statusCode()).isEqualTo(401);
        assertThat(events("SUSPICIOUS_ACTIVITY", login.get("session_id").asText())).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aUserWhoIsNoLongerActiveCannotRefreshAndTheSessionEnds() {
        String email = newUser();
        JsonNode login = app.loginResponse(email, PASSWORD);
        // Status changed underneath the session (not through the disable route, which ends sessions itself).
        app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE users SET status = 'disabled' WHERE lower(email) = lower(?)")) {
                ps.setString(1, email);
                return ps.executeUpdate();
            }
        });
        assertThat(refresh(login.get("refresh_token").asText()).statusCode()).isEqualTo(401);
        String reason = app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT end_reason FROM auth_sessions WHERE id = ?")) {
                ps.setObject(1, UUID.fromString(login.get("session_id").asText()));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getString(1);
                }
            }
        });
        assertThat(reason).isEqualTo("user_disabled");
        assertThat(app.get("/v1/me", login.get("access_token").asText()).statusCode()).isEqualTo(401);
    }

    @Test
    void fiftyConcurrentRefreshesWithOneTokenExactlyOneSucceeds() throws Exception {
        JsonNode login = app.loginResponse(newUser(), PASSWORD);
        String token = login.get("refresh_token").asText();
        int n = 50;
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    return refresh(token).statusCode();
                }));
            }
            go.countDown();
            int ok = 0;
            int refused = 0;
            for (Future<Integer> f : results) {
                int status = f.get();
                if (status == 200) {
                    ok++;
                } else if (status == 401) {
                    refused++;
                }
            }
            assertThat(ok).isEqualTo(1);
            assertThat(refused).isEqualTo(n - 1);
        }
    }

    /**
     * Refreshes arriving together are rotated together; a replay among them must still revoke only its own family,
     * and every other session must get exactly one successor linked to the token it presented.
     */
    @Test
    void aReplayAmongOtherSessionsRefreshesRevokesOnlyItsOwnFamily() throws Exception {
        List<JsonNode> logins = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            logins.add(app.loginResponse(newUser(), PASSWORD));
        }
        JsonNode victim = logins.getFirst();
        List<String> presented = new ArrayList<>(logins.stream().map(l -> l.get("refresh_token").asText()).toList());
        presented.add(victim.get("refresh_token").asText());
        CountDownLatch go = new CountDownLatch(1);
        List<Future<HttpResponse<String>>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (String token : presented) {
                results.add(pool.submit(() -> {
                    go.await();
                    return refresh(token);
                }));
            }
            go.countDown();
            List<Integer> victimStatuses = new ArrayList<>();
            for (int i = 0; i < presented.size(); i++) {
                HttpResponse<String> r = results.get(i).get();
                if (i == 0 || i == presented.size() - 1) {
                    victimStatuses.add(r.statusCode());
                    continue;
                }
                assertThat(r.statusCode()).isEqualTo(200);
                String next = app.json(r).get("refresh_token").asText();
                assertThat(successorsOf(presented.get(i))).containsExactly(ByteBuffer.wrap(Sessions.hash(next)));
                assertThat(refresh(next).statusCode()).isEqualTo(200);
            }
            assertThat(victimStatuses).containsExactlyInAnyOrder(200, 401);
        }
        assertThat(app.get("/v1/me", victim.get("access_token").asText()).statusCode()).isEqualTo(401);
        assertThat(events("SUSPICIOUS_ACTIVITY", victim.get("session_id").asText())).isEqualTo(1);
    }

    /** The hashes of the tokens issued in exchange for {@code token}. */
    static List<ByteBuffer> successorsOf(String token) {
        return app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT token_hash FROM refresh_tokens WHERE parent_hash = ?")) {
                ps.setBytes(1, Sessions.hash(token));
                List<ByteBuffer> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(ByteBuffer.wrap(rs.getBytes(1)));
                    }
                }
                return out;
            }
        });
    }

    @Test
    void aDifferentDeviceIsRefusedAuditedAndTheSessionLivesOn() {
        JsonNode login = app.loginResponse(newUser(), PASSWORD);
        String token = login.get("refresh_token").asText();
        HttpResponse<String> other = app.send(app.request("/v1/auth/refresh").header("Content-Type", "application/json")
                .header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0")
                .POST(HttpRequest.BodyPublishers.ofString(app.body(Map.of("refresh_token", token)))).build());
        assertThat(other.statusCode()).isEqualTo(401);
        assertThat(events("SUSPICIOUS_ACTIVITY", login.get("session_id").asText())).isEqualTo(1);
        // the genuine device still refreshes
        assertThat(refresh(token).statusCode()).isEqualTo(200);
    }

    @Test
    void oauthRefreshGrantRotatesWithRfc6749Errors() {
        JsonNode login = app.loginResponse(newUser(), PASSWORD);
        String token = login.get("refresh_token").asText();
        HttpResponse<String> ok = form("/oauth2/token", "grant_type=refresh_token&refresh_token=" + enc(token));
        assertThat(ok.statusCode()).isEqualTo(200);
        JsonNode body = app.json(ok);
        assertThat(body.get("token_type").asText()).isEqualTo("Bearer");
        assertThat(body.get("refresh_token").asText()).isNotEqualTo(token);
        HttpResponse<String> bad = form("/oauth2/token", "grant_type=refresh_token&refresh_token=" + enc("x".repeat(43)));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(app.json(bad).get("error").asText()).isEqualTo("invalid_grant");
        HttpResponse<String> missing = form("/oauth2/token", "grant_type=refresh_token");
        assertThat(app.json(missing).get("error").asText()).isEqualTo("invalid_request");
    }

    @Test
    void revokingARefreshTokenEndsItsSession() {
        JsonNode login = app.loginResponse(newUser(), PASSWORD);
        HttpResponse<String> r = form("/oauth2/revoke", "token=" + enc(login.get("refresh_token").asText()) + "&token_type_hint=refresh_token");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(app.get("/v1/me", login.get("access_token").asText()).statusCode()).isEqualTo(401);
        assertThat(refresh(login.get("refresh_token").asText()).statusCode()).isEqualTo(401);
    }

    static HttpResponse<String> form(String path, String body) {
        return app.send(app.request(path).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
