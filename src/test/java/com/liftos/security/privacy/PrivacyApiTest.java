package com.liftos.security.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.TestApp;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** GDPR export, erasure (no personal value left anywhere, audit chain intact), consent and processing lawfulness. */
class PrivacyApiTest {
    static final String PASSWORD = "Privacy-Password-1!";
    static final String SHOPIFY = "{\"shop_domain\":\"subject.myshopify.com\",\"access_token\":\"shpat_abcdef0123\"}";
    static TestApp app;
    static UUID org;

    @BeforeAll
    static void start() {
        app = TestApp.start(Map.of("SECURITY_RATE_LIMITING_ENABLED", "false", "LIFTOS_TRUSTED_PROXIES", "127.0.0.1"));
        org = app.adminOrgId();
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    static HttpRequest.Builder from(String ip, String path, String token) {
        return app.request(path).header("X-Forwarded-For", ip).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json");
    }

    static String login(String email, String ip) {
        HttpResponse<String> r = app.send(app.request("/v1/auth/login").header("Content-Type", "application/json").header("X-Forwarded-For", ip)
                .header("User-Agent", "SubjectBrowser/1.0")
                .POST(HttpRequest.BodyPublishers.ofString(app.body(Map.of("email", email, "password", PASSWORD)))).build());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return app.json(r).get("access_token").asText();
    }

    static HttpResponse<String> post(String ip, String path, String body, String token) {
        return app.send(from(ip, path, token).POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    @Test
    void exportHoldsEveryCategoryAndErasureLeavesNoPersonalValueWhileTheChainStaysIntact() throws Exception {
        String ip = "192.0.2.77";
        String email = "subject-" + UUID.randomUUID() + "@example.test";
        UUID user = app.createUser(app.loginAdmin(), org, email, PASSWORD, "admin");
        String token = login(email, ip);
        String base = "/v1/orgs/" + org + "/users/" + user;
        // Real traffic from the subject's address: a credential, a consent, a failed login.
        HttpResponse<String> stored = app.send(from(ip, "/v1/orgs/" + org + "/credentials/shopify/subject", token)
                .PUT(HttpRequest.BodyPublishers.ofString(SHOPIFY)).build());
        assertThat(stored.statusCode()).as(stored.body()).isEqualTo(201);
        assertThat(post(ip, base + "/consents", "{\"purpose\":\"marketing_analytics\",\"granted\":true,\"text_version\":\"v1\"}", token)
                .statusCode()).isEqualTo(201);
        app.send(app.request("/v1/auth/login").header("Content-Type", "application/json").header("X-Forwarded-For", ip)
                .POST(HttpRequest.BodyPublishers.ofString(app.body(Map.of("email", email, "password", "Wrong-Password-9!")))).build());

        // The subject exports their own data.
        HttpResponse<String> exported = app.send(from(ip, base + "/export", token).GET().build());
        assertThat(exported.statusCode()).as(exported.body()).isEqualTo(200);
        JsonNode doc = app.json(exported);
        assertThat(doc.at("/profile/email").asText()).isEqualTo(email);
        assertThat(doc.get("roles").toString()).contains("admin");
        assertThat(doc.get("sessions").get(0).get("client_ip").asText()).isEqualTo(ip);
        assertThat(doc.get("devices").size()).isGreaterThanOrEqualTo(1);
        assertThat(doc.at("/mfa/enabled").asBoolean()).isFalse();
        assertThat(doc.get("consents").get(0).get("purpose").asText()).isEqualTo("marketing_analytics");
        assertThat(doc.get("credentials_created").get(0).get("key_name").asText()).isEqualTo("subject");
        assertThat(doc.get("audit_events").toString()).contains("LOGIN_SUCCESS", "LOGIN_FAILURE", "API_KEY_CREATED");
        assertThat(exported.body()).doesNotContain("password_hash", "argon2", "shpat_abcdef0123");
        assertThat(count("SELECT count(*) FROM audit_events WHERE event_type = 'DATA_EXPORT' AND resource = ?", "user:" + user)).isEqualTo(1);

        // Another org's admin cannot export this user; a viewer cannot export someone else.
        String viewerEmail = "viewer-" + UUID.randomUUID() + "@example.test";
        app.createUser(app.loginAdmin(), org, viewerEmail, PASSWORD);
        String viewer = login(viewerEmail, "192.0.2.78");
        assertThat(app.get(base + "/export", viewer).statusCode()).isEqualTo(403);

        HttpResponse<String> erased = app.delete(base, app.loginAdmin());
        assertThat(erased.statusCode()).as(erased.body()).isEqualTo(200);
        assertThat(app.json(erased).get("audit_records_pseudonymized").asInt()).isGreaterThan(0);
        assertThat(app.get("/v1/me", token).statusCode()).isEqualTo(401);
        assertThat(app.get(base + "/export", app.loginAdmin()).statusCode()).isEqualTo(404);

        List<String> hits = personalValuesLeft(List.of(email.toLowerCase(java.util.Locale.ROOT), ip));
        assertThat(hits).as("columns still holding the subject's email or IP").isEmpty();
        HttpResponse<String> verify = app.postJson("/v1/orgs/" + org + "/audit/verify", "{}", app.loginAdmin());
        assertThat(app.json(verify).get("status").asText()).as(verify.body()).isEqualTo("intact");
        assertThat(count("SELECT count(*) FROM audit_events WHERE event_type = 'DATA_ERASURE' AND resource = ?", "user:" + user)).isEqualTo(1);
    }

    /** Every text, varchar, jsonb and array column of every table in the schema, searched for each value. */
    static List<String> personalValuesLeft(List<String> values) {
        return app.app().db().run(c -> {
            List<String[]> columns = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT c.table_name, c.column_name FROM information_schema.columns c
                    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
                    WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
                      AND c.data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY', 'character')""");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(new String[] {rs.getString(1), rs.getString(2)});
                }
            }
            assertThat(columns.size()).isGreaterThan(20);
            List<String> hits = new ArrayList<>();
            for (String[] col : columns) {
                for (String v : values) {
                    if (contains(c, col[0], col[1], v)) {
                        hits.add(col[0] + "." + col[1]);
                    }
                }
            }
            return hits;
        });
    }

    private static boolean contains(Connection c, String table, String column, String value) throws java.sql.SQLException {
        String sql = "SELECT EXISTS (SELECT 1 FROM \"" + table + "\" WHERE strpos(lower(\"" + column + "\"::text), ?) > 0)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, value);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    static long count(String sql, String param) {
        return app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, param);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    @Test
    void consentBasedProcessingNeedsCurrentConsentAndEveryActivityIsLogged() {
        String email = "consent-" + UUID.randomUUID() + "@example.test";
        UUID user = app.createUser(app.loginAdmin(), org, email, PASSWORD);
        String self = login(email, "192.0.2.90");
        String admin = app.loginAdmin();
        String base = "/v1/orgs/" + org + "/users/" + user;
        String marketing = "{\"purpose\":\"marketing_analytics\",\"activity\":\"weekly_digest\"}";

        HttpResponse<String> refused = app.postJson(base + "/processing", marketing, admin);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(app.json(refused).at("/error/code").asText()).isEqualTo("consent_required");
        assertThat(app.postJson(base + "/processing", "{\"purpose\":\"platform_integration\"}", admin).statusCode()).isEqualTo(200);
        assertThat(app.postJson(base + "/processing", "{\"purpose\":\"mind_reading\"}", admin).statusCode()).isEqualTo(400);
        // A plain user may not drive processing.
        assertThat(app.postJson(base + "/processing", marketing, self).statusCode()).isEqualTo(403);

        assertThat(app.postJson(base + "/consents", "{\"purpose\":\"marketing_analytics\",\"granted\":true,\"text_version\":\"2026-01\"}", self)
                .statusCode()).isEqualTo(201);
        assertThat(app.postJson(base + "/processing", marketing, admin).statusCode()).isEqualTo(200);
        assertThat(app.postJson(base + "/consents", "{\"purpose\":\"marketing_analytics\",\"granted\":false,\"text_version\":\"2026-01\"}", self)
                .statusCode()).isEqualTo(201);
        assertThat(app.postJson(base + "/processing", marketing, admin).statusCode()).isEqualTo(403);
        // Consent is only recorded for consent-based purposes, with a text version.
        assertThat(app.postJson(base + "/consents", "{\"purpose\":\"audit_logging\",\"granted\":true,\"text_version\":\"v1\"}", self)
                .statusCode()).isEqualTo(400);
        assertThat(app.postJson(base + "/consents", "{\"purpose\":\"marketing_analytics\",\"granted\":true}", self).statusCode()).isEqualTo(400);

        JsonNode consents = app.json(app.get(base + "/consents", self));
        assertThat(consents.get("history").size()).isEqualTo(2);
        assertThat(consents.at("/current/marketing_analytics/granted").asBoolean()).isFalse();
        assertThat(count("SELECT count(*) FROM audit_events WHERE event_type = 'DATA_PROCESSING' AND resource = ?", "user:" + user))
                .isEqualTo(6);
        assertThat(app.json(app.get("/v1/privacy/purposes", self)).at("/purposes/marketing_analytics").asText()).isEqualTo("consent");
    }

    @Test
    void erasingAnOrganizationCryptoShredsItsVault() {
        String superAdmin = app.loginAdmin();
        UUID doomed = app.createOrg(superAdmin, "Doomed " + UUID.randomUUID());
        String adminEmail = "doomed-admin-" + UUID.randomUUID() + "@example.test";
        app.createUser(superAdmin, doomed, adminEmail, PASSWORD, "admin");
        String orgAdmin = login(adminEmail, "192.0.2.95");
        assertThat(app.putJson("/v1/orgs/" + doomed + "/credentials/shopify", SHOPIFY, orgAdmin).statusCode()).isEqualTo(201);
        // Only a super admin may erase an org.
        assertThat(app.delete("/v1/orgs/" + doomed, orgAdmin).statusCode()).isEqualTo(403);
        assertThat(count("SELECT count(*) FROM vault_data_keys WHERE org_id = ?::uuid", doomed.toString())).isGreaterThan(0);

        HttpResponse<String> erased = app.delete("/v1/orgs/" + doomed, superAdmin);
        assertThat(erased.statusCode()).as(erased.body()).isEqualTo(200);
        assertThat(app.json(erased).get("data_keys_shredded").asInt()).isGreaterThan(0);
        assertThat(count("SELECT count(*) FROM vault_data_keys WHERE org_id = ?::uuid", doomed.toString())).isZero();
        assertThat(count("SELECT count(*) FROM organizations WHERE id = ?::uuid", doomed.toString())).isZero();
        assertThat(app.get("/v1/orgs/" + doomed + "/credentials/shopify/default/secret", superAdmin).statusCode()).isIn(404, 410);
        assertThat(personalValuesLeft(List.of(adminEmail.toLowerCase(java.util.Locale.ROOT), "192.0.2.95"))).isEmpty();
    }
}
