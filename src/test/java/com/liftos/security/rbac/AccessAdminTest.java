package com.liftos.security.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.TestApp;
import java.net.http.HttpResponse;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Security configuration API, role administration, allowed IP ranges and the risk gate, over HTTP. */
class AccessAdminTest {
    static TestApp app;
    static String superAdmin;
    static UUID orgA;

    @BeforeAll
    static void start() {
        app = TestApp.start();
        superAdmin = app.loginAdmin();
        orgA = app.adminOrgId();
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void securityConfigIsReadAndReplacedWithAnAuditedChange() {
        UUID org = app.createOrg(superAdmin, "Config Org");
        HttpResponse<String> get = app.get("/v1/orgs/" + org + "/security-config", superAdmin);
        assertThat(get.statusCode()).isEqualTo(200);
        JsonNode defaults = app.json(get);
        assertThat(defaults.at("/api_rate_limits/auth/limit").asInt()).isEqualTo(5);
        assertThat(defaults.at("/api_rate_limits/sensitive/window").asInt()).isEqualTo(60);
        assertThat(defaults.at("/max_concurrent_sessions").asInt()).isEqualTo(3);

        HttpResponse<String> put = app.putJson("/v1/orgs/" + org + "/security-config",
                "{\"max_concurrent_sessions\":5,\"api_rate_limits\":{\"api\":{\"limit\":50,\"window\":60}}}", superAdmin);
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        JsonNode after = app.json(app.get("/v1/orgs/" + org + "/security-config", superAdmin));
        assertThat(after.at("/max_concurrent_sessions").asInt()).isEqualTo(5);
        assertThat(after.at("/api_rate_limits/api/limit").asInt()).isEqualTo(50);
        assertThat(after.at("/api_rate_limits/auth/limit").asInt()).isEqualTo(5);

        List<String> details = auditDetails("CONFIGURATION_CHANGE", org);
        assertThat(details).hasSize(1);
        assertThat(details.get(0)).contains("\"old\"").contains("\"new\"").contains("\"max_concurrent_sessions\": 3").contains("\"max_concurrent_sessions\": 5");
    }

    @Test
    void invalidConfigurationIsRefusedListingEveryProblemAndNothingIsStored() {
        HttpResponse<String> r = app.putJson("/v1/orgs/" + orgA + "/security-config",
                "{\"allowed_ip_ranges\":[\"10.0.0.0/33\"],\"api_rate_limits\":{\"auth\":{\"limit\":-1,\"window\":60}},\"max_concurrent_sessions\":0}",
                superAdmin);
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode error = app.json(r).get("error");
        assertThat(error.get("code").asText()).isEqualTo("validation_failed");
        assertThat(error.get("details")).hasSize(3);
        assertThat(error.get("details").toString()).contains("allowed_ip_ranges").contains("api_rate_limits.auth").contains("max_concurrent_sessions");
        assertThat(app.json(app.get("/v1/orgs/" + orgA + "/security-config", superAdmin)).at("/max_concurrent_sessions").asInt()).isEqualTo(3);

        assertThat(app.putJson("/v1/orgs/" + orgA + "/security-config", "{\"unknown\":1}", superAdmin).statusCode()).isEqualTo(400);
        assertThat(app.putJson("/v1/orgs/" + orgA + "/security-config", "not json", superAdmin).statusCode()).isEqualTo(400);
        assertThat(app.putJson("/v1/orgs/" + UUID.randomUUID() + "/security-config", "{}", superAdmin).statusCode()).isEqualTo(404);
    }

    @Test
    void anOrgAdminLacksManageSystem() {
        app.createUser(superAdmin, orgA, "plain-admin@example.test", "Plain-Admin-Pass1!", "admin");
        String admin = app.login("plain-admin@example.test", "Plain-Admin-Pass1!");
        // the organization's own configuration is the admin's (manage:security); the platform's powers are not
        assertThat(app.get("/v1/orgs/" + orgA + "/security-config", admin).statusCode()).isEqualTo(200);
        assertThat(app.get("/v1/orgs", admin).statusCode()).isEqualTo(403);
        assertThat(app.postJson("/v1/orgs", "{\"name\":\"Mine\"}", admin).statusCode()).isEqualTo(403);
        assertThat(app.delete("/v1/orgs/" + orgA, admin).statusCode()).isEqualTo(403);
        assertThat(auditCount("PERMISSION_DENIED")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void adminsAssignAndRevokeRolesButOnlyASuperAdminGrantsSuperAdmin() {
        UUID target = app.createUser(superAdmin, orgA, "target@example.test", "Target-Password-1!");
        app.createUser(superAdmin, orgA, "roles-admin@example.test", "Roles-Admin-Pass1!", "admin");
        String admin = app.login("roles-admin@example.test", "Roles-Admin-Pass1!");
        String path = "/v1/orgs/" + orgA + "/users/" + target + "/roles";

        HttpResponse<String> set = app.putJson(path, "{\"roles\":[\"analyst\",\"manager\"]}", admin);
        assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
        assertThat(app.json(set).get("roles").toString()).isEqualTo("[\"analyst\",\"manager\"]");
        assertThat(auditDetails("ROLE_ASSIGNED", orgA)).anyMatch(d -> d.contains("analyst")).anyMatch(d -> d.contains("manager"));
        assertThat(auditDetails("ROLE_REVOKED", orgA)).anyMatch(d -> d.contains("viewer"));

        HttpResponse<String> escalate = app.putJson(path, "{\"roles\":[\"super_admin\"]}", admin);
        assertThat(escalate.statusCode()).isEqualTo(403);
        assertThat(app.putJson(path, "{\"roles\":[\"super_admin\"]}", superAdmin).statusCode()).isEqualTo(200);
        // and an admin cannot take it away either
        assertThat(app.putJson(path, "{\"roles\":[]}", admin).statusCode()).isEqualTo(403);

        assertThat(app.putJson(path, "{\"roles\":[\"root\"]}", superAdmin).statusCode()).isEqualTo(400);
        assertThat(app.putJson(path, "{}", superAdmin).statusCode()).isEqualTo(400);
        assertThat(app.putJson("/v1/orgs/" + orgA + "/users/" + UUID.randomUUID() + "/roles", "{\"roles\":[]}", admin).statusCode()).isEqualTo(404);

        String staleToken = app.login("target@example.test", "Target-Password-1!");
        assertThat(app.get("/v1/me", staleToken).statusCode()).isEqualTo(200);
        assertThat(app.putJson(path, "{\"roles\":[\"viewer\"]}", superAdmin).statusCode()).isEqualTo(200);
        // a revocation ends the user's sessions: a token carrying the old permissions stops working at once
        assertThat(app.get("/v1/me", staleToken).statusCode()).isEqualTo(401);
        String viewer = app.login("target@example.test", "Target-Password-1!");
        assertThat(app.putJson(path, "{\"roles\":[\"admin\"]}", viewer).statusCode()).isEqualTo(403);
    }

    @Test
    void aUserOfAnotherOrgCannotBeReachedThroughThisOrg() {
        UUID orgB = app.createOrg(superAdmin, "Roles Other Org");
        UUID outsider = app.createUser(superAdmin, orgB, "outsider@example.test", "Outsider-Pass-12!");
        // the super admin passes tenant isolation, but the user is not in orgA: 404, nothing changed
        assertThat(app.putJson("/v1/orgs/" + orgA + "/users/" + outsider + "/roles", "{\"roles\":[\"admin\"]}", superAdmin).statusCode())
                .isEqualTo(404);
    }

    @Test
    void allowedIpRangesAreEnforcedOnTokenUse() {
        UUID org = app.createOrg(superAdmin, "Fenced Org");
        app.createUser(superAdmin, org, "fenced@example.test", "Fenced-Password-1!");
        String token = app.login("fenced@example.test", "Fenced-Password-1!");
        assertThat(app.get("/v1/me", token).statusCode()).isEqualTo(200);

        assertThat(app.putJson("/v1/orgs/" + org + "/security-config", "{\"allowed_ip_ranges\":[\"10.0.0.0/8\"]}", superAdmin).statusCode())
                .isEqualTo(200);
        HttpResponse<String> blocked = app.get("/v1/me", token);
        assertThat(blocked.statusCode()).isEqualTo(403);
        assertThat(app.json(blocked).at("/error/code").asText()).isEqualTo("ip_not_allowed");
        assertThat(auditCount("IP_BLOCKED")).isGreaterThanOrEqualTo(1);
        // signing in from outside the ranges is refused too, even with the right password
        HttpResponse<String> refusedLogin = app.postJson("/v1/auth/login",
                "{\"email\":\"fenced@example.test\",\"password\":\"Fenced-Password-1!\"}");
        assertThat(refusedLogin.statusCode()).isEqualTo(403);
        assertThat(app.json(refusedLogin).at("/error/code").asText()).isEqualTo("ip_not_allowed");

        assertThat(app.putJson("/v1/orgs/" + org + "/security-config", "{\"allowed_ip_ranges\":[\"10.0.0.0/8\",\"127.0.0.0/8\"]}", superAdmin)
                .statusCode()).isEqualTo(200);
        assertThat(app.get("/v1/me", token).statusCode()).isEqualTo(200);
        assertThat(app.login("fenced@example.test", "Fenced-Password-1!")).isNotBlank();
    }

    @Test
    void aRiskySessionIsRefusedOnRoutesWithAMaximumRisk() throws Exception {
        app.createUser(superAdmin, orgA, "risky-admin@example.test", "Risky-Admin-Pass1!", "admin");
        JsonNode login = app.loginResponse("risky-admin@example.test", "Risky-Admin-Pass1!");
        String token = login.get("access_token").asText();
        UUID session = UUID.fromString(login.get("session_id").asText());
        // the session was opened on a new device from another network than this request's
        app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE auth_sessions SET new_device = true, client_ip = '203.0.113.5' WHERE id = ?")) {
                ps.setObject(1, session);
                return ps.executeUpdate();
            }
        });
        UUID target = app.createUser(superAdmin, orgA, "risk-target@example.test", "Risk-Target-Pass1!");
        HttpResponse<String> r = app.putJson("/v1/orgs/" + orgA + "/users/" + target + "/roles", "{\"roles\":[\"analyst\"]}", token);
        assertThat(r.statusCode()).isEqualTo(403);
        JsonNode error = app.json(r).get("error");
        assertThat(error.get("code").asText()).isEqualTo("risk_too_high");
        assertThat(error.get("hint").asText()).isEqualTo("reauthenticate_with_mfa");
        assertThat(error.get("signals").toString()).contains("new_device").contains("ip_changed");
        // routes without a maximum still answer
        assertThat(app.get("/v1/me", token).statusCode()).isEqualTo(200);
    }

    static List<String> auditDetails(String type, UUID org) {
        return app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT details::text FROM audit_events WHERE event_type = ? AND org_id = ? ORDER BY id")) {
                ps.setString(1, type);
                ps.setObject(2, org);
                try (ResultSet rs = ps.executeQuery()) {
                    List<String> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                    return out;
                }
            }
        });
    }

    static long auditCount(String type) {
        return app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM audit_events WHERE event_type = ?")) {
                ps.setString(1, type);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }
}
