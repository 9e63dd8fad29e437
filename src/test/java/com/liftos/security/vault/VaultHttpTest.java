package com.liftos.security.vault;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.LogCapture;
import com.liftos.security.testing.TestApp;
import java.net.http.HttpResponse;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class VaultHttpTest {
    static final String CANARY = "CANARY-7f3e9b1c-do-not-leak";
    static TestApp app;
    static String admin;
    static UUID org;
    static LogCapture logs;

    @BeforeAll
    static void start() {
        logs = new LogCapture();
        app = TestApp.start();
        admin = app.loginAdmin();
        org = app.adminOrgId();
    }

    @AfterAll
    static void stop() {
        app.close();
        logs.close();
    }

    static String base() {
        return "/v1/orgs/" + org + "/credentials";
    }

    String body(Map<String, ?> m) {
        return app.body(m);
    }

    @Test
    void storeListRevealRotateRevokeOverHttp() {
        HttpResponse<String> created = app.putJson(base() + "/shopify", body(ProviderSamples.VALID.get("shopify")), admin);
        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode c = app.json(created);
        assertThat(c.get("provider").asText()).isEqualTo("shopify");
        assertThat(c.get("key_name").asText()).isEqualTo("default");
        assertThat(c.get("version").asInt()).isEqualTo(1);
        assertThat(created.body()).doesNotContain("shpat_abcdef0123");

        HttpResponse<String> replaced = app.putJson(base() + "/shopify/default",
                body(Map.of("credentials", ProviderSamples.VALID.get("shopify"))), admin);
        assertThat(replaced.statusCode()).isEqualTo(200);
        assertThat(app.json(replaced).get("version").asInt()).isEqualTo(2);

        HttpResponse<String> list = app.get(base(), admin);
        assertThat(list.statusCode()).isEqualTo(200);
        JsonNode item = app.json(list).get("credentials").get(0);
        assertThat(item.get("status").asText()).isEqualTo("active");
        assertThat(item.has("rotation_due_at")).isTrue();
        assertThat(item.get("rotation_due").asBoolean()).isFalse();
        assertThat(list.body()).doesNotContain("shpat_abcdef0123");
        assertThat(app.json(app.get(base() + "?rotation_due=true", admin)).get("count").asInt()).isZero();
        assertThat(app.get(base() + "?rotation_due=maybe", admin).statusCode()).isEqualTo(400);

        HttpResponse<String> secret = app.get(base() + "/shopify/default/secret", admin);
        assertThat(secret.statusCode()).isEqualTo(200);
        assertThat(app.json(secret).at("/credentials/access_token").asText()).isEqualTo("shpat_abcdef0123");

        Map<String, String> next = new HashMap<>(ProviderSamples.VALID.get("shopify"));
        next.put("access_token", "shpat_rotated99");
        HttpResponse<String> rotated = app.postJson(base() + "/shopify/default/rotate", body(next), admin);
        assertThat(rotated.statusCode()).isEqualTo(200);
        assertThat(app.json(rotated).get("version").asInt()).isEqualTo(3);
        assertThat(app.json(app.get(base() + "/shopify/default/secret", admin)).at("/credentials/access_token").asText()).isEqualTo("shpat_rotated99");
        assertThat(app.get(base() + "/shopify/default", admin).statusCode()).isEqualTo(200);

        HttpResponse<String> revoked = app.delete(base() + "/shopify/default", admin);
        assertThat(revoked.statusCode()).isEqualTo(200);
        assertThat(app.json(revoked).get("status").asText()).isEqualTo("revoked");
        HttpResponse<String> gone = app.get(base() + "/shopify/default/secret", admin);
        assertThat(gone.statusCode()).isEqualTo(410);
        assertThat(app.json(gone).at("/error/code").asText()).isEqualTo("gone");
        assertThat(app.postJson(base() + "/shopify/default/rotate", body(next), admin).statusCode()).isEqualTo(410);
        assertThat(app.get(base() + "/shopify/nothing/secret", admin).statusCode()).isEqualTo(404);
        assertThat(app.postJson(base() + "/shopify/nothing/rotate", body(next), admin).statusCode()).isEqualTo(404);

        HttpResponse<String> analytics = app.get(base() + "/analytics?provider=shopify&days=30", admin);
        assertThat(analytics.statusCode()).isEqualTo(200);
        JsonNode usage = app.json(analytics).get("credentials").get(0);
        assertThat(usage.get("total").asLong()).isEqualTo(3);
        assertThat(usage.get("error_count").asLong()).isEqualTo(1);
        assertThat(usage.get("distinct_client_networks").asLong()).isEqualTo(1);
        assertThat(usage.get("accesses_by_hour")).hasSize(24);
        assertThat(app.get(base() + "/analytics?days=0", admin).statusCode()).isEqualTo(400);
        assertThat(app.get(base() + "/analytics?provider=myspace", admin).statusCode()).isEqualTo(400);
        assertThat(app.get(base() + "/analytics", admin).statusCode()).isEqualTo(200);
    }

    @Test
    void everyProviderRoundTripsAndEveryBadShapeIs400NamingTheField() {
        ProviderSamples.VALID.forEach((provider, fields) -> {
            HttpResponse<String> r = app.putJson(base() + "/" + provider + "/http-rt", body(fields), admin);
            assertThat(r.statusCode()).as(provider + " " + r.body()).isIn(200, 201);
            JsonNode revealed = app.json(app.get(base() + "/" + provider + "/http-rt/secret", admin)).get("credentials");
            fields.forEach((k, v) -> assertThat(revealed.get(k).asText()).isEqualTo(v));
        });
        ProviderSamples.BAD.forEach((provider, bad) -> {
            HttpResponse<String> r = app.putJson(base() + "/" + provider + "/http-bad", body(ProviderSamples.badFor(provider)), admin);
            assertThat(r.statusCode()).as(provider).isEqualTo(400);
            assertThat(app.json(r).at("/error/code").asText()).isEqualTo("validation_failed");
            assertThat(r.body()).contains(bad.field()).doesNotContain(bad.value());
        });
    }

    @Test
    void malformedBodiesAreClear400s() {
        assertThat(app.putJson(base() + "/myspace", "{}", admin).statusCode()).isEqualTo(400);
        HttpResponse<String> notJson = app.putJson(base() + "/klaviyo", "{\"api_key\": pk_" + CANARY, admin);
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(notJson.body()).doesNotContain(CANARY);
        HttpResponse<String> notString = app.putJson(base() + "/klaviyo", "{\"api_key\": 12345}", admin);
        assertThat(notString.statusCode()).isEqualTo(400);
        assertThat(notString.body()).contains("api_key").contains("must be a string");
        assertThat(app.putJson(base() + "/klaviyo", "[1,2]", admin).statusCode()).isEqualTo(400);
        assertThat(app.putJson(base() + "/klaviyo/Bad%20Name", "{\"api_key\":\"pk_x\"}", admin).statusCode()).isEqualTo(400);
    }

    @Test
    void revealNeedsRevealPermissionWhichReadAllAndAdminDoNotImply() {
        assertThat(app.putJson(base() + "/klaviyo/perm", body(Map.of("api_key", "pk_perm")), admin).statusCode()).isIn(200, 201);
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        app.createUser(admin, org, "viewer-" + suffix + "@example.test", "Viewer-Passw0rd!x", "viewer");
        app.createUser(admin, org, "orgadmin-" + suffix + "@example.test", "Admin-Passw0rd!x", "admin");
        app.createUser(admin, org, "manager-" + suffix + "@example.test", "Manager-Passw0rd!x", "manager");
        String viewer = app.login("viewer-" + suffix + "@example.test", "Viewer-Passw0rd!x");
        String orgAdmin = app.login("orgadmin-" + suffix + "@example.test", "Admin-Passw0rd!x");
        String manager = app.login("manager-" + suffix + "@example.test", "Manager-Passw0rd!x");

        assertThat(app.get(base() + "/klaviyo/perm/secret", viewer).statusCode()).isEqualTo(403);
        assertThat(app.get(base() + "/klaviyo/perm/secret", orgAdmin).statusCode()).isEqualTo(403);
        assertThat(app.get(base() + "/klaviyo/perm/secret", manager).statusCode()).isEqualTo(403);
        assertThat(app.get(base(), viewer).statusCode()).isEqualTo(200);
        assertThat(app.putJson(base() + "/klaviyo/perm", body(Map.of("api_key", "pk_v")), viewer).statusCode()).isEqualTo(403);
        assertThat(app.putJson(base() + "/klaviyo/perm", body(Map.of("api_key", "pk_m")), manager).statusCode()).isEqualTo(200);
        assertThat(app.delete(base() + "/klaviyo/perm", manager).statusCode()).isEqualTo(403);
        assertThat(app.delete(base() + "/klaviyo/perm", orgAdmin).statusCode()).isEqualTo(200);
        assertThat(app.get(base() + "/klaviyo/perm/secret", "not-a-token").statusCode()).isEqualTo(401);
    }

    @Test
    void otherOrganizationsCannotSeeTheCredentials() {
        app.putJson(base() + "/klaviyo/tenant", body(Map.of("api_key", "pk_tenant")), admin);
        UUID other = app.createOrg(admin, "Other " + UUID.randomUUID());
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        app.createUser(admin, other, "other-" + suffix + "@example.test", "Other-Passw0rd!x", "admin");
        String otherAdmin = app.login("other-" + suffix + "@example.test", "Other-Passw0rd!x");
        assertThat(app.get(base(), otherAdmin).statusCode()).isEqualTo(404);
        assertThat(app.get(base() + "/klaviyo/tenant", otherAdmin).statusCode()).isEqualTo(404);
        assertThat(app.get("/v1/orgs/" + other + "/credentials", otherAdmin).statusCode()).isEqualTo(200);
        assertThat(app.json(app.get("/v1/orgs/" + other + "/credentials", otherAdmin)).get("count").asInt()).isZero();
    }

    @Test
    void canarySecretNeverLeaksIntoLogsErrorsAuditOrListings() throws Exception {
        String path = base() + "/stripe/canary";
        StringBuilder seen = new StringBuilder();
        HttpResponse<String> stored = app.putJson(path, body(Map.of("secret_key", "sk_live_" + CANARY, "webhook_secret", "whsec_" + CANARY)), admin);
        assertThat(stored.statusCode()).isEqualTo(201);
        seen.append(stored.body());
        // bad shapes and unknown fields carrying the canary
        seen.append(app.putJson(path, body(Map.of("secret_key", "pk_live_" + CANARY)), admin).body());
        seen.append(app.putJson(path, body(Map.of("secret_key", "sk_live_x", "webhook_secret", CANARY)), admin).body());
        seen.append(app.putJson(path, body(Map.of("secret_key", "sk_live_x", CANARY, "v")), admin).body());
        seen.append(app.putJson(path, body(Map.of("secret_key", "sk_live_x", "other", CANARY)), admin).body());
        seen.append(app.postJson(path + "/rotate", body(Map.of("secret_key", "rk_live_" + CANARY)), admin).body());
        seen.append(app.get(base(), admin).body());
        seen.append(app.get(path, admin).body());
        seen.append(app.get(base() + "/analytics", admin).body());
        // the reveal itself is the one place the value may appear
        assertThat(app.get(path + "/secret", admin).body()).contains(CANARY);
        // a tampered ciphertext: the error names no value
        app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE vault_credential_versions SET ciphertext = set_byte(ciphertext, 30, get_byte(ciphertext, 30) # 1) "
                            + "WHERE credential_id = (SELECT id FROM vault_credentials WHERE key_name = 'canary')")) {
                return ps.executeUpdate();
            }
        });
        HttpResponse<String> tampered = app.get(path + "/secret", admin);
        assertThat(tampered.statusCode()).isEqualTo(500);
        assertThat(app.json(tampered).at("/error/code").asText()).isEqualTo("decryption_failed");
        seen.append(tampered.body());
        seen.append(app.delete(path, admin).body());
        seen.append(app.get(path + "/secret", admin).body());

        assertThat(seen.toString()).doesNotContain(CANARY);
        String audit = app.app().db().run(c -> {
            StringBuilder sb = new StringBuilder();
            try (PreparedStatement ps = c.prepareStatement("SELECT event_type || ' ' || coalesce(resource,'') || ' ' || details::text FROM audit_events");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    sb.append(rs.getString(1)).append('\n');
                }
            }
            return sb.toString();
        });
        assertThat(audit).contains("API_KEY_ACCESSED").contains("API_KEY_CREATED").contains("API_KEY_ROTATED").contains("API_KEY_REVOKED")
                .doesNotContain(CANARY);
        assertThat(logs.count()).isPositive();
        assertThat(logs.text()).doesNotContain(CANARY);
        assertThat(app.consoleOutput()).doesNotContain(CANARY);
    }

    @Test
    void aRevealWhoseSensitiveDataEventIsRefusedAnswers503AndLogsNoSuccessfulAccess() {
        String key = "refused-" + UUID.randomUUID().toString().substring(0, 8);
        String path = base() + "/klaviyo/" + key;
        assertThat(app.putJson(path, body(Map.of("api_key", "pk_refused_" + CANARY)), admin).statusCode()).isEqualTo(201);
        // PostgreSQL refuses the reveal's second event (SENSITIVE_DATA_ACCESS) for this one credential only; the
        // group-commit writer still writes its first (API_KEY_ACCESSED).
        String constraint = "no_sensitive_" + key.replace('-', '_');
        app.app().db().run(c -> {
            try (var st = c.createStatement()) {
                st.execute("ALTER TABLE audit_events ADD CONSTRAINT " + constraint + " CHECK (NOT (event_type = 'SENSITIVE_DATA_ACCESS'"
                        + " AND resource = 'credential:klaviyo/" + key + "')) NOT VALID");
            }
            return null;
        });
        try {
            HttpResponse<String> refused = app.get(path + "/secret", admin);
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.body()).doesNotContain(CANARY);
            long successes = app.app().db().run(c -> {
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT count(*) FROM vault_access_log WHERE org_id = ? AND key_name = ? AND success")) {
                    ps.setObject(1, org);
                    ps.setString(2, key);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        return rs.getLong(1);
                    }
                }
            });
            assertThat(successes).isZero();
            assertThat(app.json(app.get(path, admin)).has("last_used_at")).isFalse();
        } finally {
            app.app().db().run(c -> {
                try (var st = c.createStatement()) {
                    st.execute("ALTER TABLE audit_events DROP CONSTRAINT " + constraint);
                }
                return null;
            });
        }
        assertThat(app.get(path + "/secret", admin).statusCode()).isEqualTo(200);
        assertThat(app.json(app.get(path, admin)).has("last_used_at")).isTrue();
    }
}
