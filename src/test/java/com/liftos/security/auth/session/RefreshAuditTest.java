package com.liftos.security.auth.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.MutableClock;
import com.liftos.security.testing.TestApp;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TOKEN_REFRESHED, which the incident detector's distinct-address rule counts: a session's first refresh in 15
 * minutes is audited, and so is every refresh from another address than the session's; a refused one is not.
 * Requests come "through a proxy" (X-Forwarded-For from a trusted 127.0.0.1) so each can name its address.
 */
class RefreshAuditTest {
    static final String PASSWORD = "Refr3sh-Audit-Pass!";
    static final String HOME = "203.0.113.10";
    static MutableClock clock = new MutableClock(Instant.now());
    static TestApp app;

    @BeforeAll
    static void start() {
        app = TestApp.start(Map.of("LIFTOS_TRUSTED_PROXIES", "127.0.0.1/32"), clock);
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    static JsonNode login(String ip) {
        String email = "ra-" + UUID.randomUUID() + "@example.test";
        app.createUser(app.loginAdmin(), app.adminOrgId(), email, PASSWORD, "viewer");
        HttpResponse<String> r = app.send(app.request("/v1/auth/login").header("Content-Type", "application/json")
                .header("X-Forwarded-For", ip)
                .POST(HttpRequest.BodyPublishers.ofString(app.body(Map.of("email", email, "password", PASSWORD)))).build());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return app.json(r);
    }

    static HttpResponse<String> refresh(String token, String ip) {
        return app.send(app.request("/v1/auth/refresh").header("Content-Type", "application/json").header("X-Forwarded-For", ip)
                .POST(HttpRequest.BodyPublishers.ofString(app.body(Map.of("refresh_token", token)))).build());
    }

    /** Refreshes and returns the successor token. */
    static String rotate(String token, String ip) {
        HttpResponse<String> r = refresh(token, ip);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return app.json(r).get("refresh_token").asText();
    }

    static long audited(JsonNode login) {
        return app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT count(*) FROM audit_events WHERE event_type = 'TOKEN_REFRESHED' AND details->>'session_id' = ?")) {
                ps.setString(1, login.get("session_id").asText());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    @Test
    void aRefreshIsAuditedWithItsSessionUserAndAddressButNoToken() {
        JsonNode login = login(HOME);
        String userId = app.json(app.get("/v1/me", login.get("access_token").asText())).get("id").asText();
        String next = rotate(login.get("refresh_token").asText(), HOME);
        assertThat(audited(login)).isEqualTo(1);
        String row = app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT lower(actor_type) || ' ' || actor_id || ' ' || resource || ' ' || client_ip || ' ' || action"
                            + " || ' ' || details::text FROM audit_events WHERE event_type = 'TOKEN_REFRESHED'"
                            + " AND details->>'session_id' = ?")) {
                ps.setString(1, login.get("session_id").asText());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getString(1);
                }
            }
        });
        assertThat(row).startsWith("user " + userId + " session:" + login.get("session_id").asText() + " " + HOME + " refresh")
                .doesNotContain(login.get("refresh_token").asText()).doesNotContain(next);
    }

    @Test
    void aSessionsFurtherRefreshesAreSampledUntilAQuarterHourHasPassed() {
        JsonNode login = login(HOME);
        String token = rotate(login.get("refresh_token").asText(), HOME);
        token = rotate(token, HOME);
        // the OAuth endpoint rotates the same family and is sampled alike
        HttpResponse<String> oauth = app.send(app.request("/oauth2/token").header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-Forwarded-For", HOME).POST(HttpRequest.BodyPublishers.ofString(
                        "grant_type=refresh_token&refresh_token=" + URLEncoder.encode(token, StandardCharsets.UTF_8))).build());
        assertThat(oauth.statusCode()).as(oauth.body()).isEqualTo(200);
        token = app.json(oauth).get("refresh_token").asText();
        assertThat(audited(login)).isEqualTo(1);
        clock.advance(Duration.ofMinutes(15).plusSeconds(1));
        token = rotate(token, HOME);
        assertThat(audited(login)).isEqualTo(2);
        rotate(token, HOME);
        assertThat(audited(login)).isEqualTo(2);
    }

    @Test
    void everyRefreshFromAnotherAddressIsAudited() {
        JsonNode login = login(HOME);
        String token = rotate(login.get("refresh_token").asText(), HOME);
        // same /24, so the same device; another address
        token = rotate(token, "203.0.113.77");
        token = rotate(token, "203.0.113.78");
        assertThat(audited(login)).isEqualTo(3);
        rotate(token, HOME);
        assertThat(audited(login)).isEqualTo(3);
    }

    @Test
    void aRefusedRefreshIsNotAuditedAsARefresh() {
        JsonNode login = login(HOME);
        String first = login.get("refresh_token").asText();
        rotate(first, HOME);
        clock.advance(Duration.ofMinutes(16));
        // the retired token again: reuse, the family is revoked, and no TOKEN_REFRESHED is written for it
        assertThat(refresh(first, HOME).statusCode()).isEqualTo(401);
        assertThat(audited(login)).isEqualTo(1);
    }
}
