package com.liftos.security.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.LogCapture;
import com.liftos.security.testing.TestApp;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Passwords, refresh tokens and client secrets never reach logs, audit records or error bodies. */
class SecretsCanaryTest {

    @Test
    void secretsNeverLeak() {
        LogCapture logs = new LogCapture();
        List<String> secrets = new ArrayList<>();
        List<String> bodies = new ArrayList<>();
        // Reuse interval off: the old token presented again must be refused (within the interval it would get its
        // successor back, whose body legitimately holds a token).
        try (TestApp app = TestApp.start(Map.of("LIFTOS_REFRESH_REUSE_INTERVAL_SECONDS", "0"))) {
            String canaryPassword = "Canary-Pa55word-" + UUID.randomUUID().toString().substring(0, 8) + "!";
            secrets.add(canaryPassword);
            String email = "canary-" + UUID.randomUUID() + "@example.test";
            app.createUser(app.loginAdmin(), app.adminOrgId(), email, canaryPassword, "viewer");
            JsonNode login = app.loginResponse(email, canaryPassword);
            secrets.add(login.get("refresh_token").asText());
            bodies.add(app.postJson("/v1/auth/login", app.body(Map.of("email", email, "password", canaryPassword + "x"))).body());
            bodies.add(app.postJson("/v1/auth/login", app.body(Map.of("email", "x" + email, "password", canaryPassword))).body());
            JsonNode refreshed = app.json(app.postJson("/v1/auth/refresh", app.body(Map.of("refresh_token", login.get("refresh_token").asText()))));
            secrets.add(refreshed.get("refresh_token").asText());
            // reuse of the old one: an error body must not echo it
            bodies.add(app.postJson("/v1/auth/refresh", app.body(Map.of("refresh_token", login.get("refresh_token").asText()))).body());
            bodies.add(app.postJson("/v1/auth/password", app.body(Map.of("current_password", canaryPassword, "new_password", "short")),
                    refreshed.get("access_token").asText()).body());
            JsonNode sa = app.json(app.postJson("/v1/orgs/" + app.adminOrgId() + "/service-accounts",
                    app.body(Map.of("name", "canary", "roles", List.of("viewer"))), app.loginAdmin()));
            String secret = sa.get("client_secret").asText();
            secrets.add(secret);
            bodies.add(app.send(app.request("/oauth2/token").header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&client_id=" + sa.get("client_id").asText()
                            + "&client_secret=" + URLEncoder.encode(secret + "x", StandardCharsets.UTF_8))).build()).body());
            bodies.add(app.postJson("/v1/orgs/" + app.adminOrgId() + "/users",
                    app.body(Map.of("email", "bad", "password", canaryPassword.substring(0, 6))), app.loginAdmin()).body());
            String audit = app.app().db().run(c -> {
                StringBuilder all = new StringBuilder();
                try (PreparedStatement ps = c.prepareStatement("SELECT row_to_json(a)::text FROM audit_events a");
                     ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        all.append(rs.getString(1)).append('\n');
                    }
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT row_to_json(s)::text FROM auth_sessions s UNION ALL SELECT row_to_json(r)::text FROM refresh_tokens r"
                                + " UNION ALL SELECT row_to_json(a)::text FROM service_accounts a");
                     ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        all.append(rs.getString(1)).append('\n');
                    }
                }
                return all.toString();
            });
            assertThat(audit).contains("LOGIN_SUCCESS").contains("LOGIN_FAILURE");
            String logText = logs.text() + app.consoleOutput();
            for (String s : secrets) {
                assertThat(audit).as("audit/db").doesNotContain(s);
                assertThat(logText).as("logs").doesNotContain(s);
                for (String body : bodies) {
                    assertThat(body).as("error body").doesNotContain(s);
                }
            }
            assertThat(String.join("", bodies)).doesNotContain(canaryPassword.substring(0, 6) + "\"");
        } finally {
            logs.close();
        }
    }
}
