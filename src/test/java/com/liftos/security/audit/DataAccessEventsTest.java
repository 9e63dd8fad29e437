package com.liftos.security.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.TestApp;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The seed's PERMISSION_GRANTED, SENSITIVE_DATA_ACCESS and BULK_DATA_ACCESS, each produced by the real action it
 * names over HTTP and found through the audit API. (SYSTEM_BACKUP and SYSTEM_RESTORE: {@code BackupCliTest}.)
 */
class DataAccessEventsTest {
    static TestApp app;
    static String admin;
    static UUID org;

    @BeforeAll
    static void start() {
        app = TestApp.start();
        admin = app.loginAdmin();
        org = app.adminOrgId();
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    static List<JsonNode> events(String type) {
        HttpResponse<String> r = app.get("/v1/orgs/" + org + "/audit?type=" + type + "&limit=1000", admin);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<JsonNode> events = new ArrayList<>();
        app.json(r).get("events").forEach(events::add);
        return events;
    }

    @Test
    void grantingRolesRecordsThePermissionsOfEachAddedRoleOnly() {
        UUID user = app.createUser(admin, org, "grant-" + UUID.randomUUID() + "@example.test", "Grant-Password-123!", "viewer");
        assertThat(eventsFor("permission_granted", user)).isEmpty();

        HttpResponse<String> r = app.putJson("/v1/orgs/" + org + "/users/" + user + "/roles",
                app.body(Map.of("roles", List.of("viewer", "analyst"))), admin);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<JsonNode> granted = eventsFor("permission_granted", user);
        assertThat(granted).hasSize(1);
        assertThat(granted.getFirst().at("/details/role").asText()).isEqualTo("analyst");
        assertThat(granted.getFirst().at("/details/permissions").toString()).contains("read:*").contains("export:data");
        assertThat(granted.getFirst().get("success").asBoolean()).isTrue();

        // Removing a role, or setting the same roles again, grants nothing.
        assertThat(app.putJson("/v1/orgs/" + org + "/users/" + user + "/roles", app.body(Map.of("roles", List.of("analyst"))), admin)
                .statusCode()).isEqualTo(200);
        assertThat(app.putJson("/v1/orgs/" + org + "/users/" + user + "/roles", app.body(Map.of("roles", List.of("analyst"))), admin)
                .statusCode()).isEqualTo(200);
        assertThat(eventsFor("permission_granted", user)).hasSize(1);
        assertThat(eventsFor("role_revoked", user)).hasSize(1);
    }

    private static List<JsonNode> eventsFor(String type, UUID user) {
        return events(type).stream().filter(e -> ("user:" + user).equals(e.path("resource").asText())).toList();
    }

    @Test
    void revealingASecretIsSensitiveDataAccessAndAFailedRevealIsNot() {
        String key = "sensitive-" + UUID.randomUUID().toString().substring(0, 8);
        String base = "/v1/orgs/" + org + "/credentials/klaviyo/" + key;
        assertThat(app.putJson(base, app.body(Map.of("api_key", "pk_sensitive_canary_42")), admin).statusCode()).isEqualTo(201);
        String resource = "credential:klaviyo/" + key;

        // Metadata and listings are not the secret.
        assertThat(app.get(base, admin).statusCode()).isEqualTo(200);
        assertThat(app.get("/v1/orgs/" + org + "/credentials", admin).statusCode()).isEqualTo(200);
        assertThat(events("sensitive_data_access").stream().filter(e -> resource.equals(e.path("resource").asText()))).isEmpty();

        HttpResponse<String> secret = app.get(base + "/secret", admin);
        assertThat(secret.statusCode()).isEqualTo(200);
        List<JsonNode> sensitive = events("sensitive_data_access").stream()
                .filter(e -> resource.equals(e.path("resource").asText())).toList();
        assertThat(sensitive).hasSize(1);
        assertThat(sensitive.getFirst().at("/details/version").asInt()).isEqualTo(1);
        assertThat(sensitive.getFirst().toString()).doesNotContain("pk_sensitive_canary_42");

        // The same caller reading again within the window: every reveal is API_KEY_ACCESSED, the start of the reading
        // stays one SENSITIVE_DATA_ACCESS. A rotation makes a new version, whose first reveal is recorded again.
        assertThat(app.get(base + "/secret", admin).statusCode()).isEqualTo(200);
        assertThat(events("sensitive_data_access").stream().filter(e -> resource.equals(e.path("resource").asText()))).hasSize(1);
        assertThat(events("api_key_accessed").stream().filter(e -> resource.equals(e.path("resource").asText()))).hasSize(2);
        assertThat(app.postJson(base + "/rotate", app.body(Map.of("api_key", "pk_sensitive_canary_43")), admin).statusCode()).isEqualTo(200);
        assertThat(app.get(base + "/secret", admin).statusCode()).isEqualTo(200);
        assertThat(events("sensitive_data_access").stream().filter(e -> resource.equals(e.path("resource").asText()))
                .map(e -> e.at("/details/version").asInt())).containsExactlyInAnyOrder(1, 2);

        // A revoked credential reveals nothing: API_KEY_ACCESSED records the attempt, no SENSITIVE_DATA_ACCESS.
        assertThat(app.delete(base, admin).statusCode()).isEqualTo(200);
        assertThat(app.get(base + "/secret", admin).statusCode()).isEqualTo(410);
        assertThat(events("sensitive_data_access").stream().filter(e -> resource.equals(e.path("resource").asText()))).hasSize(2);
        assertThat(events("api_key_accessed").stream().filter(e -> resource.equals(e.path("resource").asText()))).hasSize(4);
    }

    @Test
    void auditExportsAndGdprExportsAreBulkDataAccess() {
        int before = events("bulk_data_access").size();
        for (String format : List.of("csv", "jsonl")) {
            HttpResponse<String> r = app.get("/v1/orgs/" + org + "/audit/export?format=" + format, admin);
            assertThat(r.statusCode()).isEqualTo(200);
        }
        List<JsonNode> bulk = events("bulk_data_access");
        assertThat(bulk).hasSize(before + 2);
        assertThat(bulk.stream().map(e -> e.path("action").asText() + " " + e.at("/details/format").asText()))
                .contains("audit_export csv", "audit_export jsonl");

        UUID user = app.createUser(admin, org, "bulk-" + UUID.randomUUID() + "@example.test", "Bulk-Password-123!", "viewer");
        HttpResponse<String> gdpr = app.get("/v1/orgs/" + org + "/users/" + user + "/export", admin);
        assertThat(gdpr.statusCode()).as(gdpr.body()).isEqualTo(200);
        List<JsonNode> mine = eventsFor("bulk_data_access", user);
        assertThat(mine).hasSize(1);
        assertThat(mine.getFirst().path("action").asText()).isEqualTo("gdpr_export");
        assertThat(mine.getFirst().at("/details/items/sessions").isInt()).isTrue();
        assertThat(eventsFor("data_export", user)).hasSize(1);
    }
}
