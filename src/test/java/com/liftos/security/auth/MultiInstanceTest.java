package com.liftos.security.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.TestApp;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** Two service instances on one database: whatever one revokes, the other refuses at once. */
class MultiInstanceTest {
    static final String PASSWORD = "Mult1-Instance!";
    static TestApp a;
    static TestApp b;

    @BeforeAll
    static void start() {
        a = TestApp.start();
        b = TestApp.startSharing(a, Map.of(), Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        b.close();
        a.close();
    }

    static String newUser() {
        String email = "m-" + UUID.randomUUID() + "@example.test";
        a.createUser(a.loginAdmin(), a.adminOrgId(), email, PASSWORD, "viewer");
        return email;
    }

    @RepeatedTest(5)
    void logoutOnOneIsSeenByTheOtherAtOnce() {
        JsonNode login = a.loginResponse(newUser(), PASSWORD);
        String token = login.get("access_token").asText();
        // both instances have the session cached as alive
        assertThat(a.get("/v1/me", token).statusCode()).isEqualTo(200);
        assertThat(b.get("/v1/me", token).statusCode()).isEqualTo(200);
        assertThat(a.postJson("/v1/auth/logout", "", token).statusCode()).isEqualTo(204);
        assertThat(b.get("/v1/me", token).statusCode()).isEqualTo(401);
    }

    @RepeatedTest(3)
    void revocationOnTheOtherWayRoundToo() {
        JsonNode login = b.loginResponse(newUser(), PASSWORD);
        String token = login.get("access_token").asText();
        assertThat(a.get("/v1/me", token).statusCode()).isEqualTo(200);
        var r = b.send(b.request("/oauth2/revoke").header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + token)).build());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(a.get("/v1/me", token).statusCode()).isEqualTo(401);
    }

    @Test
    void endingAllSessionsOfAnOrgAndDisablingAUserAreSeenEverywhere() {
        String email = newUser();
        String t1 = a.login(email, PASSWORD);
        assertThat(b.get("/v1/me", t1).statusCode()).isEqualTo(200);
        UUID userId = UUID.fromString(a.json(a.get("/v1/me", t1)).get("id").asText());
        var disabled = a.postJson("/v1/orgs/" + a.adminOrgId() + "/users/" + userId + "/disable", "", a.loginAdmin());
        assertThat(disabled.statusCode()).isEqualTo(200);
        assertThat(b.get("/v1/me", t1).statusCode()).isEqualTo(401);
        assertThat(a.postJson("/v1/auth/login", a.body(Map.of("email", email, "password", PASSWORD))).statusCode()).isEqualTo(403);
        assertThat(a.postJson("/v1/orgs/" + a.adminOrgId() + "/users/" + userId + "/enable", "", a.loginAdmin()).statusCode()).isEqualTo(200);
        String t2 = b.login(email, PASSWORD);
        assertThat(a.get("/v1/me", t2).statusCode()).isEqualTo(200);
        int ended = a.app().auth().sessions().endAllForOrg(a.adminOrgId(), "incident_containment");
        assertThat(ended).isGreaterThanOrEqualTo(1);
        assertThat(b.get("/v1/me", t2).statusCode()).isEqualTo(401);
    }

    @Test
    void aSessionDeletedBehindOurBackIsRefusedToo() {
        // e.g. the user row erased by the privacy feature: the cascade fires the trigger, not our code
        String email = newUser();
        String token = a.login(email, PASSWORD);
        assertThat(b.get("/v1/me", token).statusCode()).isEqualTo(200);
        UUID userId = UUID.fromString(a.json(a.get("/v1/me", token)).get("id").asText());
        a.app().db().run(c -> {
            try (var ps = c.prepareStatement("DELETE FROM users WHERE id = ?")) {
                ps.setObject(1, userId);
                return ps.executeUpdate();
            }
        });
        // no barrier here (plain SQL), so allow the notification its milliseconds
        long deadline = System.currentTimeMillis() + 2000;
        int status = 200;
        while (status == 200 && System.currentTimeMillis() < deadline) {
            status = b.get("/v1/me", token).statusCode();
        }
        assertThat(status).isEqualTo(401);
    }

    @Test
    void tokensSignedByOneVerifyOnTheOtherAndBothPublishTheSameKeys() {
        String token = a.loginAdmin();
        assertThat(b.get("/v1/me", token).statusCode()).isEqualTo(200);
        assertThat(a.get("/.well-known/jwks.json").body()).isEqualTo(b.get("/.well-known/jwks.json").body());
    }
}
