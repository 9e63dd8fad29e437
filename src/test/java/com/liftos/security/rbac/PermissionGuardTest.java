package com.liftos.security.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.TestApp;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The permission step of the gate, as wired in App: a token without a route's permission is refused with 403, and the
 * refusal reaches the audit trail through {@link PermissionDenials} as the one PERMISSION_DENIED event it always was.
 */
class PermissionGuardTest {
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
    void aMissingPermissionIsA403AndOnePermissionDeniedEvent() {
        String admin = app.loginAdmin();
        UUID org = app.adminOrgId();
        UUID viewer = app.createUser(admin, org, "viewer@example.test", "Viewer-Password-123!", "viewer");
        String token = app.login("viewer@example.test", "Viewer-Password-123!");

        HttpResponse<String> r = app.get("/v1/orgs/" + org + "/audit/summary", token);
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(app.json(r).at("/error/code").asText()).isEqualTo("forbidden");
        assertThat(app.json(r).at("/error/message").asText()).isEqualTo("Missing permission view:audit_logs");

        String requestId = r.headers().firstValue("X-Request-ID").orElseThrow();
        JsonNode events = app.json(app.get("/v1/orgs/" + org + "/audit?type=permission_denied&limit=100", admin)).get("events");
        JsonNode denied = null;
        for (JsonNode e : events) {
            if (e.get("request_id").asText().equals(requestId)) {
                assertThat(denied).as("one event per refusal").isNull();
                denied = e;
            }
        }
        assertThat(denied).as("the refusal's event").isNotNull();
        assertThat(denied.get("action").asText()).isEqualTo("authorize");
        assertThat(denied.get("org_id").asText()).isEqualTo(org.toString());
        assertThat(denied.get("actor_id").asText()).isEqualTo(viewer.toString());
        assertThat(denied.get("actor_type").asText()).isEqualTo("user");
        assertThat(denied.get("resource").asText()).isEqualTo("GET /v1/orgs/{orgId}/audit/summary");
        assertThat(denied.get("client_ip").asText()).isEqualTo("127.0.0.1");
        assertThat(denied.get("user_agent").asText()).isNotBlank();
        assertThat(denied.get("success").asBoolean()).isFalse();
        assertThat(denied.get("details").get("required").asText()).isEqualTo("view:audit_logs");
        assertThat(denied.get("risk_score").asDouble()).isEqualTo(0.4);
    }
}
