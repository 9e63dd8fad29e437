package com.liftos.security.vault;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.LogCapture;
import com.liftos.security.testing.TestApp;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET …/credentials/{provider}/{keyName}/versions} and {@code POST …/rollback} over HTTP: paging and bad
 * input, the step-up reveal demands, other organizations, permissions, and values never echoed.
 */
class CredentialVersionsHttpTest {
    static final String PASSWORD = "Rollback-Password-1!";
    static TestApp app;
    static UUID org;
    static String adminEmail;

    @BeforeAll
    static void start() {
        // step-up from a risk of 0.2: a first sign-in from a new device (0.3) needs a recent MFA
        app = TestApp.start(Map.of("LIFTOS_TRUSTED_PROXIES", "127.0.0.1/32", "LIFTOS_STEP_UP_RISK", "0.2"));
        org = app.adminOrgId();
        adminEmail = "rollback-admin-" + UUID.randomUUID() + "@example.test";
        app.createUser(app.loginAdmin(), org, adminEmail, PASSWORD, "admin");
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    /** A credential with versions 1..n of api_key pk_live_<name>v<i>; returns its path. */
    static String credential(int versions) {
        String name = "rb-" + UUID.randomUUID().toString().substring(0, 8);
        String path = "/v1/orgs/" + org + "/credentials/klaviyo/" + name;
        assertThat(app.putJson(path, app.body(Map.of("api_key", "pk_live_" + name + "v1")), app.loginAdmin()).statusCode()).isEqualTo(201);
        for (int i = 2; i <= versions; i++) {
            HttpResponse<String> r = app.postJson(path + "/rotate", app.body(Map.of("api_key", "pk_live_" + name + "v" + i)), app.loginAdmin());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        return path;
    }

    static String value(String path, int version) {
        return "pk_live_" + path.substring(path.lastIndexOf('/') + 1) + "v" + version;
    }

    /** A token of the org's admin at a low risk: the second sign-in from a known device. */
    static String lowRiskAdmin() {
        app.login(adminEmail, PASSWORD);
        return app.login(adminEmail, PASSWORD);
    }

    @Test
    void versionsArePagedMetadataAndBadInputIsA400NamingTheParameter() {
        String path = credential(4);
        JsonNode first = app.json(app.get(path + "/versions?limit=3", app.loginAdmin()));
        assertThat(first.get("total").asInt()).isEqualTo(4);
        assertThat(first.get("items")).extracting(n -> n.get("version").asInt()).containsExactly(4, 3, 2);
        assertThat(first.at("/items/0/current").asBoolean()).isTrue();
        assertThat(first.at("/items/1/current").asBoolean()).isFalse();
        JsonNode rest = app.json(app.get(path + "/versions?limit=3&cursor=" + first.get("next_cursor").asText(), app.loginAdmin()));
        assertThat(rest.get("items")).extracting(n -> n.get("version").asInt()).containsExactly(1);
        assertThat(rest.get("next_cursor").isNull()).isTrue();
        assertThat(first.toString() + rest).doesNotContain(value(path, 1)).doesNotContain(value(path, 4));

        String wrongShape = Base64.getUrlEncoder().withoutPadding().encodeToString("[\"x1\"]".getBytes(StandardCharsets.UTF_8));
        for (String[] bad : List.of(new String[] {"?limit=0", "limit"}, new String[] {"?cursor=%21%21", "cursor"},
                new String[] {"?cursor=" + wrongShape, "cursor"}, new String[] {"?since=1", "since"})) {
            HttpResponse<String> r = app.get(path + "/versions" + bad[0], app.loginAdmin());
            assertThat(r.statusCode()).as(bad[0]).isEqualTo(400);
            assertThat(app.json(r).at("/error/message").asText()).as(bad[0]).contains(bad[1]);
        }
        assertThat(app.get("/v1/orgs/" + org + "/credentials/klaviyo/nothing-here/versions", app.loginAdmin()).statusCode()).isEqualTo(404);
    }

    @Test
    void rollbackNeedsTheStepUpRevealNeedsAndRestoresTheEarlierValues() {
        String path = credential(3);
        String body = app.body(Map.of("version", 1, "reason", "rotation broke the sync"));
        // a first sign-in from a new device: elevated risk, no MFA → refused, nothing changed
        String freshEmail = "rollback-new-device-" + UUID.randomUUID() + "@example.test";
        app.createUser(app.loginAdmin(), org, freshEmail, PASSWORD, "admin");
        String risky = app.login(freshEmail, PASSWORD);
        HttpResponse<String> refused = app.postJson(path + "/rollback", body, risky);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
        assertThat(app.json(refused).at("/error/code").asText()).isEqualTo("mfa_required");
        assertThat(app.json(app.get(path, app.loginAdmin())).get("version").asInt()).isEqualTo(3);

        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> ok = app.postJson(path + "/rollback", body, lowRiskAdmin());
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            assertThat(app.json(ok).get("version").asInt()).isEqualTo(4);
            assertThat(ok.body()).doesNotContain(value(path, 1));
            app.loginAdmin();
            String revealer = app.login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD); // a known device: no step-up
            JsonNode revealed = app.json(app.get(path + "/secret", revealer));
            assertThat(revealed.at("/credentials/api_key").asText()).isEqualTo(value(path, 1));
            JsonNode versions = app.json(app.get(path + "/versions", app.loginAdmin()));
            assertThat(versions.at("/items/0/restored_from").asInt()).isEqualTo(1);
            assertThat(versions.at("/items/0/reason").asText()).isEqualTo("rotation broke the sync");
            String audit = app.get("/v1/orgs/" + org + "/audit?limit=1000", app.loginAdmin()).body();
            assertThat(audit).contains("rollback_credentials");
            for (int v = 1; v <= 3; v++) {
                assertThat(audit).doesNotContain(value(path, v));
                assertThat(logs.text()).doesNotContain(value(path, v));
                assertThat(app.consoleOutput()).doesNotContain(value(path, v));
            }
        }
    }

    @Test
    void rollbackRefusesBadBodiesOtherOrganizationsAndCallersWithoutPermission() {
        String path = credential(2);
        String token = lowRiskAdmin();
        for (String bad : List.of("{}", "{\"version\":2}", "{\"version\":0}", "{\"version\":\"one\"}", "{\"version\":1,\"values\":{}}")) {
            HttpResponse<String> r = app.postJson(path + "/rollback", bad, token);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
        }
        assertThat(app.postJson(path + "/rollback", "{\"version\":1,\"values\":{}}", token).body()).contains("values");
        assertThat(app.postJson("/v1/orgs/" + org + "/credentials/klaviyo/nothing-here/rollback", "{\"version\":1}", token)
                .statusCode()).isEqualTo(404);

        UUID other = app.createOrg(app.loginAdmin(), "Rollback Other " + UUID.randomUUID());
        String otherEmail = "rollback-other-" + UUID.randomUUID() + "@example.test";
        app.createUser(app.loginAdmin(), other, otherEmail, PASSWORD, "admin");
        app.login(otherEmail, PASSWORD);
        String otherAdmin = app.login(otherEmail, PASSWORD);
        assertThat(app.postJson(path + "/rollback", "{\"version\":1}", otherAdmin).statusCode()).isEqualTo(404);
        String theirPath = path.replace(org.toString(), other.toString());
        assertThat(app.postJson(theirPath + "/rollback", "{\"version\":1}", otherAdmin).statusCode()).isEqualTo(404);
        assertThat(app.get(theirPath + "/versions", otherAdmin).statusCode()).isEqualTo(404);

        String viewerEmail = "rollback-viewer-" + UUID.randomUUID() + "@example.test";
        app.createUser(app.loginAdmin(), org, viewerEmail, PASSWORD, "viewer");
        app.login(viewerEmail, PASSWORD);
        String viewer = app.login(viewerEmail, PASSWORD);
        assertThat(app.postJson(path + "/rollback", "{\"version\":1}", viewer).statusCode()).isEqualTo(403);
        assertThat(app.get(path + "/versions", viewer).statusCode()).isEqualTo(200);
        assertThat(app.json(app.get(path, app.loginAdmin())).get("version").asInt()).isEqualTo(2);
    }
}
