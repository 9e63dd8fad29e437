package com.liftos.security.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.TestApp;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An organization's {@code admin} runs their own organization (audit log, incidents, compliance report, security
 * configuration within the platform's rate-limit ceilings) and nothing beyond it: another organization's are 404,
 * the platform's routes 403.
 */
class OrgAdminPlaneTest {
    static TestApp app;
    static String superAdmin;
    static UUID orgA;
    static UUID orgB;
    static String adminA;
    static String adminB;

    @BeforeAll
    static void start() {
        app = TestApp.start();
        superAdmin = app.loginAdmin();
        orgA = app.createOrg(superAdmin, "Plane Org A");
        orgB = app.createOrg(superAdmin, "Plane Org B");
        app.createUser(superAdmin, orgA, "plane-admin-a@example.test", "Plane-Admin-A-1!", "admin");
        app.createUser(superAdmin, orgB, "plane-admin-b@example.test", "Plane-Admin-B-1!", "admin");
        adminA = app.login("plane-admin-a@example.test", "Plane-Admin-A-1!");
        adminB = app.login("plane-admin-b@example.test", "Plane-Admin-B-1!");
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void anOrgAdminReadsTheirOwnAuditIncidentsAndComplianceReport() {
        String org = "/v1/orgs/" + orgA;
        assertThat(app.get(org + "/audit", adminA).statusCode()).isEqualTo(200);
        assertThat(app.get(org + "/audit/summary?group_by=action&since=7d", adminA).statusCode()).isEqualTo(200);
        HttpResponse<String> export = app.get(org + "/audit/export?format=jsonl", adminA);
        assertThat(export.statusCode()).as(export.body()).isEqualTo(200);
        HttpResponse<String> verify = app.postJson(org + "/audit/verify", "{}", adminA);
        assertThat(verify.statusCode()).as(verify.body()).isEqualTo(200);
        assertThat(app.json(verify).get("status").asText()).isEqualTo("intact");
        assertThat(app.get(org + "/incidents", adminA).statusCode()).isEqualTo(200);
        HttpResponse<String> report = app.get(org + "/compliance/report", adminA);
        assertThat(report.statusCode()).as(report.body()).isEqualTo(200);
    }

    @Test
    void anOrgAdminOfAnotherOrganizationFindsNothing() {
        String other = "/v1/orgs/" + orgA;
        for (String path : List.of("/audit", "/audit/summary", "/audit/export?format=csv", "/incidents", "/compliance/report",
                "/security-config", "/roles")) {
            assertThat(app.get(other + path, adminB).statusCode()).as(path).isEqualTo(404);
        }
        assertThat(app.postJson(other + "/audit/verify", "{}", adminB).statusCode()).isEqualTo(404);
        assertThat(app.putJson(other + "/security-config", "{\"require_mfa\":false}", adminB).statusCode()).isEqualTo(404);
        assertThat(app.postJson(other + "/incidents", "{\"type\":\"data_breach\",\"title\":\"x\"}", adminB).statusCode()).isEqualTo(404);
        // and B's configuration is untouched
        assertThat(app.json(app.get("/v1/orgs/" + orgB + "/security-config", adminB)).get("require_mfa").asBoolean()).isFalse();
    }

    @Test
    void platformRoutesStayWithTheSuperAdmin() {
        assertThat(app.get("/v1/orgs", adminA).statusCode()).isEqualTo(403);
        assertThat(app.postJson("/v1/orgs", "{\"name\":\"Sneaky\"}", adminA).statusCode()).isEqualTo(403);
        assertThat(app.delete("/v1/orgs/" + orgA, adminA).statusCode()).isEqualTo(403);
        assertThat(app.get("/v1/orgs/" + orgA, adminA).statusCode()).isEqualTo(200);
    }

    @Test
    void anOrgAdminRunsTheSecurityConfigurationWithinThePlatformCeilings() {
        UUID org = app.createOrg(superAdmin, "Plane Config Org");
        app.createUser(superAdmin, org, "plane-config@example.test", "Plane-Config-Adm1!", "admin");
        String admin = app.login("plane-config@example.test", "Plane-Config-Adm1!");
        String path = "/v1/orgs/" + org + "/security-config";

        HttpResponse<String> put = app.putJson(path, """
                {"allowed_ip_ranges":["127.0.0.0/8","::1/128"],
                 "password_policy":{"min_length":16,"require_symbols":true},
                 "api_rate_limits":{"api":{"limit":10000,"window":3600},"auth":{"limit":10,"window":300}},
                 "max_concurrent_sessions":5}""", admin);
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        JsonNode stored = app.json(app.get(path, admin));
        assertThat(stored.at("/password_policy/min_length").asInt()).isEqualTo(16);
        assertThat(stored.at("/allowed_ip_ranges").toString()).contains("127.0.0.0/8");
        assertThat(stored.at("/api_rate_limits/api/limit").asInt()).isEqualTo(10000);

        // faster than the ceiling (api 10000/3600 by default): refused, naming the field, nothing stored
        HttpResponse<String> above = app.putJson(path, "{\"api_rate_limits\":{\"api\":{\"limit\":10001,\"window\":3600}}}", admin);
        assertThat(above.statusCode()).isEqualTo(400);
        assertThat(app.json(above).at("/error/details").toString()).contains("api_rate_limits.api").contains("ceiling");
        // the same rate through a longer window is no way around it
        HttpResponse<String> stretched = app.putJson(path, "{\"api_rate_limits\":{\"api\":{\"limit\":250000,\"window\":86400}}}", admin);
        assertThat(stretched.statusCode()).isEqualTo(400);
        assertThat(app.json(stretched).at("/error/details").toString()).contains("api_rate_limits.api");
        HttpResponse<String> auth = app.putJson(path, "{\"api_rate_limits\":{\"auth\":{\"limit\":51,\"window\":300}}}", admin);
        assertThat(auth.statusCode()).isEqualTo(400);
        assertThat(app.json(auth).at("/error/details").toString()).contains("api_rate_limits.auth");
        assertThat(app.json(app.get(path, admin)).at("/api_rate_limits/api/limit").asInt()).isEqualTo(10000);
        // the platform's operator is not bound by the ceiling
        assertThat(app.putJson(path, "{\"api_rate_limits\":{\"api\":{\"limit\":1000000,\"window\":3600}}}", superAdmin).statusCode())
                .isEqualTo(200);

        // require_mfa last: from then on the admin must enrol a second factor
        HttpResponse<String> mfa = app.putJson(path, "{\"require_mfa\":true}", admin);
        assertThat(mfa.statusCode()).as(mfa.body()).isEqualTo(200);
        assertThat(app.json(mfa).get("require_mfa").asBoolean()).isTrue();
    }

    @Test
    void aViewerHasNoAdminPlane() {
        app.createUser(superAdmin, orgA, "plane-viewer@example.test", "Plane-Viewer-1!x");
        String viewer = app.login("plane-viewer@example.test", "Plane-Viewer-1!x");
        String org = "/v1/orgs/" + orgA;
        for (String path : List.of("/audit", "/incidents", "/compliance/report", "/security-config", "/roles")) {
            assertThat(app.get(org + path, viewer).statusCode()).as(path).isEqualTo(403);
        }
    }
}
