package com.liftos.security.auth.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.TestApp;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** SECURITY_DEVICE_FINGERPRINTING_ENABLED=false: no device is ever new, and refresh tokens are not bound to one. */
class DeviceFingerprintingOffTest {
    static TestApp app;
    static final String PASSWORD = SessionsTest.PASSWORD;

    @BeforeAll
    static void start() {
        app = TestApp.start(Map.of("SECURITY_DEVICE_FINGERPRINTING_ENABLED", "false"));
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void devicesAreNeitherFlaggedNorRememberedNorBoundToRefreshTokens() {
        String email = "nofp-" + UUID.randomUUID() + "@example.test";
        app.createUser(app.loginAdmin(), app.adminOrgId(), email, PASSWORD, "viewer");
        JsonNode chrome = app.json(SessionsTest.loginWithAgent(app, email, "Mozilla/5.0 (Windows NT 10.0) Chrome/120.0"));
        JsonNode firefox = app.json(SessionsTest.loginWithAgent(app, email, "Mozilla/5.0 (X11; Linux) Firefox/121.0"));
        assertThat(chrome.get("new_device").asBoolean()).isFalse();
        assertThat(firefox.get("new_device").asBoolean()).isFalse();
        UUID userId = UUID.fromString(app.json(app.get("/v1/me", firefox.get("access_token").asText())).get("id").asText());
        assertThat(count("SELECT count(*) FROM known_devices WHERE user_id = ?", userId)).isZero();
        assertThat(count("SELECT count(*) FROM audit_events WHERE event_type = 'NEW_DEVICE' AND resource = 'user:' || ?::text", userId))
                .isZero();

        // With fingerprinting on, a refresh from another browser is refused (RefreshRotationTest); here it rotates.
        HttpResponse<String> other = app.send(app.request("/v1/auth/refresh").header("Content-Type", "application/json")
                .header("User-Agent", "curl/8.5.0")
                .POST(HttpRequest.BodyPublishers.ofString(app.body(Map.of("refresh_token", chrome.get("refresh_token").asText()))))
                .build());
        assertThat(other.statusCode()).isEqualTo(200);
    }

    static long count(String sql, UUID user) {
        return app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setObject(1, user);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }
}
