package com.liftos.security.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.TestApp;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Events of the merged features, each produced by its real trigger over HTTP and found in the audit log. */
class AuditTriggersTest {

    @Test
    void eachTriggerLeavesItsEventInAnIntactChain() {
        try (TestApp app = TestApp.start()) {
            String admin = app.loginAdmin();
            UUID org = app.adminOrgId();
            String email = "user-" + UUID.randomUUID() + "@example.test";
            UUID user = app.createUser(admin, org, email, "User-Password-123!", "viewer");

            // ROLE_ASSIGNED / ROLE_REVOKED
            assertThat(app.putJson("/v1/orgs/" + org + "/users/" + user + "/roles", app.body(Map.of("roles", List.of("analyst"))), admin)
                    .statusCode()).isEqualTo(200);
            // CONFIGURATION_CHANGE
            assertThat(app.putJson("/v1/orgs/" + org + "/security-config", app.body(Map.of("audit_retention_days", 400)), admin)
                    .statusCode()).isEqualTo(200);
            // USER_UPDATED (disable)
            assertThat(app.postJson("/v1/orgs/" + org + "/users/" + user + "/disable", "{}", admin).statusCode()).isIn(200, 204);
            // LOGOUT
            String second = app.login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD);
            assertThat(app.postJson("/v1/auth/logout", "{}", second).statusCode()).isIn(200, 204);
            // LOGIN_FAILURE
            app.postJson("/v1/auth/login", app.body(Map.of("email", email, "password", "Wrong-Pass-123!")));

            for (String type : List.of("role_assigned", "role_revoked", "configuration_change", "user_updated", "logout",
                    "login_failure", "user_created", "login_success", "org_created")) {
                HttpResponse<String> r = app.get("/v1/orgs/" + org + "/audit?type=" + type, admin);
                JsonNode events = app.json(r).get("events");
                assertThat(events.size()).as(type + " " + r.body()).isGreaterThanOrEqualTo(1);
            }
            assertThat(app.app().audit().verifier().verifyAll()).allMatch(ChainStatus::intact);
        }
    }
}
