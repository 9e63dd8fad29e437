package com.liftos.security.auth.session;

import com.liftos.security.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.TestApp;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Session limit, inactivity timeout, listing and ending sessions, device flags. */
class SessionsTest {
    static final String PASSWORD = "Sess10n-Password!";
    static MutableClock clock = new MutableClock(Instant.now());
    static TestApp app;

    @BeforeAll
    static void start() {
        app = TestApp.start(Map.of(), clock);
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    static String newUser() {
        String email = "s-" + UUID.randomUUID() + "@example.test";
        app.createUser(app.loginAdmin(), app.adminOrgId(), email, PASSWORD, "viewer");
        return email;
    }

    static HttpResponse<String> loginWithAgent(TestApp on, String email, String agent) {
        return on.send(on.request("/v1/auth/login").header("Content-Type", "application/json").header("User-Agent", agent)
                .POST(HttpRequest.BodyPublishers.ofString(on.body(Map.of("email", email, "password", PASSWORD)))).build());
    }

    @Test
    void theFourthLoginEndsTheOldestSession() {
        String email = newUser();
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            tokens.add(app.login(email, PASSWORD));
        }
        assertThat(app.get("/v1/me", tokens.get(0)).statusCode()).isEqualTo(401);
        for (String t : tokens.subList(1, 4)) {
            assertThat(app.get("/v1/me", t).statusCode()).isEqualTo(200);
        }
        JsonNode sessions = app.json(app.get("/v1/auth/sessions", tokens.get(3))).get("sessions");
        assertThat(sessions).hasSize(3);
    }

    @Test
    void refuseModeRefusesTheLoginOverTheLimit() {
        try (TestApp refusing = TestApp.start(Map.of("LIFTOS_SESSION_LIMIT_MODE", "refuse"))) {
            String email = "limit-" + UUID.randomUUID() + "@example.test";
            refusing.createUser(refusing.loginAdmin(), refusing.adminOrgId(), email, PASSWORD, "viewer");
            for (int i = 0; i < 3; i++) {
                refusing.login(email, PASSWORD);
            }
            HttpResponse<String> fourth = refusing.postJson("/v1/auth/login", refusing.body(Map.of("email", email, "password", PASSWORD)));
            assertThat(fourth.statusCode()).isEqualTo(409);
            assertThat(refusing.json(fourth).at("/error/code").asText()).isEqualTo("session_limit");
        }
    }

    /** Through the API, as an administrator changes it (the instance's configuration cache sees it at once). */
    private void sessionTimeout(int minutes) {
        HttpResponse<String> r = app.putJson("/v1/orgs/" + app.adminOrgId() + "/security-config",
                "{\"session_timeout_minutes\":" + minutes + "}", app.loginAdmin());
        assertThat(r.statusCode()).isEqualTo(200);
    }

    @Test
    void inactivityEndsTheSessionButActivityKeepsItAlive() {
        sessionTimeout(30);
        String email = newUser();
        JsonNode login = app.loginResponse(email, PASSWORD);
        String token = login.get("access_token").asText();
        clock.advance(Duration.ofMinutes(20));
        assertThat(app.get("/v1/me", token).statusCode()).isEqualTo(200);
        clock.advance(Duration.ofMinutes(20));
        // 40 minutes since login, 20 since the last request: still alive
        assertThat(app.get("/v1/me", token).statusCode()).isEqualTo(200);
        clock.advance(Duration.ofMinutes(31));
        // the access token itself is valid for 60 minutes from issue... but it is 71 now; refresh to get a fresh one
        assertThat(app.get("/v1/me", token).statusCode()).isEqualTo(401);
        assertThat(app.postJson("/v1/auth/refresh", app.body(Map.of("refresh_token", login.get("refresh_token").asText())))
                .statusCode()).isEqualTo(401);
        String reason = app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT end_reason FROM auth_sessions WHERE id = ?::uuid")) {
                ps.setString(1, login.get("session_id").asText());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getString(1);
                }
            }
        });
        assertThat(reason).isEqualTo("idle_timeout");
        sessionTimeout(480);
    }

    @Test
    void idleTimeoutAloneEndsAnUnexpiredToken() {
        sessionTimeout(10);
        try {
            String token = app.login(newUser(), PASSWORD);
            clock.advance(Duration.ofMinutes(11));
            // the token has 49 minutes left, but the session has been idle longer than its timeout
            assertThat(app.get("/v1/me", token).statusCode()).isEqualTo(401);
        } finally {
            sessionTimeout(480);
        }
    }

    @Test
    void aUserEndsOneOfTheirSessionsButNotSomeoneElses() {
        String email = newUser();
        JsonNode a = app.loginResponse(email, PASSWORD);
        JsonNode b = app.loginResponse(email, PASSWORD);
        String other = app.login(newUser(), PASSWORD);
        String sidB = b.get("session_id").asText();
        assertThat(app.delete("/v1/auth/sessions/" + sidB, other).statusCode()).isEqualTo(404);
        assertThat(app.delete("/v1/auth/sessions/" + sidB, a.get("access_token").asText()).statusCode()).isEqualTo(204);
        assertThat(app.get("/v1/me", b.get("access_token").asText()).statusCode()).isEqualTo(401);
        assertThat(app.get("/v1/me", a.get("access_token").asText()).statusCode()).isEqualTo(200);
        assertThat(app.delete("/v1/auth/sessions/not-a-uuid", a.get("access_token").asText()).statusCode()).isEqualTo(404);
    }

    @Test
    void aNewDeviceIsFlaggedAuditedAndRaisesRisk() {
        String email = newUser();
        String chrome = "Mozilla/5.0 (Windows NT 10.0) Chrome/120.0.6099.109";
        JsonNode first = app.json(loginWithAgent(app, email, chrome));
        assertThat(first.get("new_device").asBoolean()).isTrue();
        // a patch update of the same browser is the same device
        JsonNode again = app.json(loginWithAgent(app, email, "Mozilla/5.0 (Windows NT 10.0) Chrome/120.0.6099.130"));
        assertThat(again.get("new_device").asBoolean()).isFalse();
        JsonNode firefox = app.json(loginWithAgent(app, email, "Mozilla/5.0 (X11; Linux) Firefox/121.0"));
        assertThat(firefox.get("new_device").asBoolean()).isTrue();
        JsonNode sessions = app.json(app.get("/v1/auth/sessions", firefox.get("access_token").asText())).get("sessions");
        JsonNode current = null;
        JsonNode known = null;
        for (JsonNode s : sessions) {
            if (s.get("id").asText().equals(firefox.get("session_id").asText())) {
                current = s;
            }
            if (s.get("id").asText().equals(again.get("session_id").asText())) {
                known = s;
            }
        }
        assertThat(current.get("new_device").asBoolean()).isTrue();
        assertThat(current.get("risk_score").asDouble()).isGreaterThan(known.get("risk_score").asDouble());
        long events = app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT count(*) FROM audit_events WHERE event_type = 'NEW_DEVICE' AND resource = ?")) {
                ps.setString(1, "user:" + app.json(app.get("/v1/me", firefox.get("access_token").asText())).get("id").asText());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
        assertThat(events).isEqualTo(2);
    }

    @Test
    void deviceFingerprintIsStableAndSensitiveToNetworkAndDeviceId() {
        Device a = Device.of(java.util.Optional.of("UA/1.2.3"), java.util.Optional.of("en-US,en;q=0.9"), "203.0.113.10", java.util.Optional.empty());
        Device sameNet = Device.of(java.util.Optional.of("UA/1.2.4"), java.util.Optional.of("en-US"), "203.0.113.99", java.util.Optional.empty());
        Device otherNet = Device.of(java.util.Optional.of("UA/1.2.3"), java.util.Optional.of("en-US"), "198.51.100.10", java.util.Optional.empty());
        Device withId = Device.of(java.util.Optional.of("UA/1.2.3"), java.util.Optional.of("en-US"), "203.0.113.10", java.util.Optional.of("phone-1"));
        assertThat(sameNet.fingerprint()).isEqualTo(a.fingerprint());
        assertThat(otherNet.fingerprint()).isNotEqualTo(a.fingerprint());
        assertThat(withId.fingerprint()).isNotEqualTo(a.fingerprint());
        assertThat(Device.networkPrefix("2001:db8:1:2:3:4:5:6")).isEqualTo("20010db800010002::/64");
        assertThat(a.networkPrefix()).isEqualTo("203.0.113.0/24");
    }
}
