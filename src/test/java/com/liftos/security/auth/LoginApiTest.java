package com.liftos.security.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.TestApp;
import java.net.http.HttpResponse;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LoginApiTest {
    static TestApp app;

    @BeforeAll
    static void start() {
        app = TestApp.start();
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void adminLogsInAndSeesThemself() {
        JsonNode login = app.loginResponse(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD);
        assertThat(login.get("token_type").asText()).isEqualTo("Bearer");
        assertThat(login.get("expires_in").asLong()).isBetween(3500L, 3600L);
        assertThat(login.get("refresh_token").asText()).hasSizeGreaterThanOrEqualTo(43);
        assertThat(login.get("session_id").asText()).hasSize(36);
        HttpResponse<String> me = app.get("/v1/me", login.get("access_token").asText());
        assertThat(me.statusCode()).isEqualTo(200);
        JsonNode body = app.json(me);
        assertThat(body.get("email").asText()).isEqualTo(TestApp.ADMIN_EMAIL);
        assertThat(body.get("roles").toString()).contains("super_admin");
        assertThat(body.get("session_id").asText()).isEqualTo(login.get("session_id").asText());
        assertThat(body.get("amr").toString()).isEqualTo("[\"pwd\"]");
    }

    @Test
    void wrongPasswordAndUnknownEmailGetTheSameAnswer() {
        HttpResponse<String> wrong = app.postJson("/v1/auth/login",
                app.body(Map.of("email", TestApp.ADMIN_EMAIL, "password", "Wrong-Password-123!")));
        HttpResponse<String> unknown = app.postJson("/v1/auth/login",
                app.body(Map.of("email", "nobody@example.test", "password", "Wrong-Password-123!")));
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(unknown.statusCode()).isEqualTo(401);
        assertThat(app.json(wrong).at("/error/code")).isEqualTo(app.json(unknown).at("/error/code"));
        assertThat(app.json(wrong).at("/error/message")).isEqualTo(app.json(unknown).at("/error/message"));
        assertThat(wrong.body()).doesNotContain("Wrong-Password");
    }

    @Test
    void noTokenOrGarbageTokenIs401() {
        assertThat(app.get("/v1/me").statusCode()).isEqualTo(401);
        assertThat(app.get("/v1/me", "not.a.token").statusCode()).isEqualTo(401);
    }

    @Test
    void superAdminCreatesOrgAndAdminCreatesUsersWhoLogIn() {
        String admin = app.loginAdmin();
        UUID org = app.createOrg(admin, "Acme " + UUID.randomUUID());
        UUID user = app.createUser(admin, org, "ana-" + UUID.randomUUID() + "@acme.test", "An4lyst-Passw0rd!", "analyst");
        assertThat(user).isNotNull();
        String email = "viewer-" + UUID.randomUUID() + "@example.test";
        app.createUser(admin, app.adminOrgId(), email, "V1ewer-Password!", "viewer");
        String viewer = app.login(email, "V1ewer-Password!");
        JsonNode me = app.json(app.get("/v1/me", viewer));
        assertThat(me.get("permissions").toString()).isEqualTo("[\"read:*\"]");
        // a viewer may not create users or organizations
        assertThat(app.postJson("/v1/orgs/" + app.adminOrgId() + "/users",
                app.body(Map.of("email", "x@example.test", "password", "Xx-Password-123!")), viewer).statusCode()).isEqualTo(403);
        assertThat(app.postJson("/v1/orgs", app.body(Map.of("name", "Nope")), viewer).statusCode()).isEqualTo(403);
    }

    @Test
    void weakPasswordIsRefusedWithOneMessagePerRule() {
        HttpResponse<String> r = app.postJson("/v1/orgs/" + app.adminOrgId() + "/users",
                app.body(Map.of("email", "weak@example.test", "password", "short")), app.loginAdmin());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(app.json(r).at("/error/details").toString())
                .contains("at least 12 characters", "uppercase", "digit", "special character")
                .doesNotContain("short");
    }

    @Test
    void duplicateEmailIsConflict() {
        String admin = app.loginAdmin();
        String email = "dup-" + UUID.randomUUID() + "@example.test";
        app.createUser(admin, app.adminOrgId(), email, "Dupl1cate-Pass!", "viewer");
        HttpResponse<String> r = app.postJson("/v1/orgs/" + app.adminOrgId() + "/users",
                app.body(Map.of("email", email.toUpperCase(), "password", "Dupl1cate-Pass!")), admin);
        assertThat(r.statusCode()).isEqualTo(409);
    }

    @Test
    void lockedAndDisabledUsersAreRefusedAfterTheirPassword() {
        String admin = app.loginAdmin();
        String email = "lock-" + UUID.randomUUID() + "@example.test";
        UUID id = app.createUser(admin, app.adminOrgId(), email, "L0cked-Password!", "viewer");
        sql("UPDATE users SET locked_until = ? WHERE id = ?", Timestamp.from(Instant.now().plusSeconds(600)), id);
        HttpResponse<String> locked = app.postJson("/v1/auth/login", app.body(Map.of("email", email, "password", "L0cked-Password!")));
        assertThat(locked.statusCode()).isEqualTo(403);
        assertThat(app.json(locked).at("/error/code").asText()).isEqualTo("account_locked");
        HttpResponse<String> lockedWrong = app.postJson("/v1/auth/login", app.body(Map.of("email", email, "password", "Wrong-Password1!")));
        assertThat(lockedWrong.statusCode()).isEqualTo(401);
        sql("UPDATE users SET locked_until = NULL, status = 'disabled' WHERE id = ?", null, id);
        HttpResponse<String> disabled = app.postJson("/v1/auth/login", app.body(Map.of("email", email, "password", "L0cked-Password!")));
        assertThat(app.json(disabled).at("/error/code").asText()).isEqualTo("account_disabled");
    }

    static void sql(String sql, Timestamp ts, UUID id) {
        app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = 1;
                if (ts != null) {
                    ps.setTimestamp(i++, ts);
                }
                ps.setObject(i, id);
                return ps.executeUpdate();
            }
        });
    }
}
