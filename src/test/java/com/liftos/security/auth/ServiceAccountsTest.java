package com.liftos.security.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.TestApp;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Service accounts and the OAuth 2.0 client credentials, introspection and revocation endpoints. */
class ServiceAccountsTest {
    static TestApp app;

    @BeforeAll
    static void start() {
        app = TestApp.start();
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    static JsonNode createAccount(String token, UUID org, Map<String, ?> body) {
        HttpResponse<String> r = app.postJson("/v1/orgs/" + org + "/service-accounts", app.body(body), token);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return app.json(r);
    }

    static HttpResponse<String> form(String path, String body, String basicUser, String basicPassword) {
        HttpRequest.Builder b = app.request(path).header("Content-Type", "application/x-www-form-urlencoded");
        if (basicUser != null) {
            String creds = URLEncoder.encode(basicUser, StandardCharsets.UTF_8) + ":" + URLEncoder.encode(basicPassword, StandardCharsets.UTF_8);
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(creds.getBytes(StandardCharsets.UTF_8)));
        }
        return app.send(b.POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Test
    void clientCredentialsGrantIssuesATokenWithTheAccountsPermissions() {
        JsonNode sa = createAccount(app.loginAdmin(), app.adminOrgId(),
                Map.of("name", "ingestion", "permissions", List.of("reveal:credentials", "read:credentials")));
        String id = sa.get("client_id").asText();
        String secret = sa.get("client_secret").asText();
        assertThat(secret).startsWith("lss_").hasSizeGreaterThan(40);
        // the secret is shown once: listing never shows it
        String list = app.get("/v1/orgs/" + app.adminOrgId() + "/service-accounts", app.loginAdmin()).body();
        assertThat(list).contains(id).doesNotContain(secret).doesNotContain("client_secret").doesNotContain("hash");

        HttpResponse<String> basic = form("/oauth2/token", "grant_type=client_credentials", id, secret);
        assertThat(basic.statusCode()).isEqualTo(200);
        JsonNode token = app.json(basic);
        assertThat(token.get("token_type").asText()).isEqualTo("Bearer");
        assertThat(token.get("expires_in").asLong()).isEqualTo(3600);
        assertThat(token.has("refresh_token")).isFalse();
        assertThat(token.get("scope").asText()).contains("reveal:credentials");
        JsonNode me = app.json(app.get("/v1/me", token.get("access_token").asText()));
        assertThat(me.get("kind").asText()).isEqualTo("service_account");
        assertThat(me.get("permissions").toString()).contains("reveal:credentials");

        HttpResponse<String> post = form("/oauth2/token", "grant_type=client_credentials&client_id=" + enc(id)
                + "&client_secret=" + enc(secret), null, null);
        assertThat(post.statusCode()).isEqualTo(200);
        HttpResponse<String> narrowed = form("/oauth2/token", "grant_type=client_credentials&scope=read:credentials", id, secret);
        assertThat(app.json(narrowed).get("scope").asText()).isEqualTo("read:credentials");
        HttpResponse<String> widened = form("/oauth2/token", "grant_type=client_credentials&scope=manage:users", id, secret);
        assertThat(widened.statusCode()).isEqualTo(400);
        assertThat(app.json(widened).get("error").asText()).isEqualTo("invalid_scope");
    }

    @Test
    void aClientOutsideItsOrganizationsIpRangesGetsNoToken() {
        String superAdmin = app.loginAdmin();
        UUID org = app.createOrg(superAdmin, "Fenced Clients " + UUID.randomUUID());
        JsonNode sa = createAccount(superAdmin, org, Map.of("name", "fenced", "permissions", List.of("read:credentials")));
        String id = sa.get("client_id").asText();
        String secret = sa.get("client_secret").asText();
        assertThat(form("/oauth2/token", "grant_type=client_credentials", id, secret).statusCode()).isEqualTo(200);

        assertThat(app.putJson("/v1/orgs/" + org + "/security-config", "{\"allowed_ip_ranges\":[\"10.0.0.0/8\"]}", superAdmin)
                .statusCode()).isEqualTo(200);
        HttpResponse<String> refused = form("/oauth2/token", "grant_type=client_credentials", id, secret);
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(app.json(refused).get("error").asText()).isEqualTo("unauthorized_client");
        assertThat(refused.body()).doesNotContain("access_token").doesNotContain(secret);
        String audited = app.app().db().run(c -> {
            try (var ps = c.prepareStatement("SELECT details::text FROM audit_events WHERE event_type = 'LOGIN_FAILURE' "
                    + "AND resource = ? AND details->>'reason' = 'ip_not_allowed'")) {
                ps.setString(1, "client:" + id);
                try (var rs = ps.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
        });
        assertThat(audited).isNotNull().doesNotContain(secret);

        assertThat(app.putJson("/v1/orgs/" + org + "/security-config", "{\"allowed_ip_ranges\":[\"127.0.0.0/8\"]}", superAdmin)
                .statusCode()).isEqualTo(200);
        assertThat(form("/oauth2/token", "grant_type=client_credentials", id, secret).statusCode()).isEqualTo(200);
    }

    @Test
    void errorsFollowRfc6749() {
        JsonNode sa = createAccount(app.loginAdmin(), app.adminOrgId(), Map.of("name", "errs", "roles", List.of("viewer")));
        String id = sa.get("client_id").asText();
        HttpResponse<String> wrong = form("/oauth2/token", "grant_type=client_credentials", id, "lss_wrong-secret-value");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(app.json(wrong).get("error").asText()).isEqualTo("invalid_client");
        assertThat(wrong.headers().firstValue("WWW-Authenticate").orElse("")).startsWith("Basic");
        assertThat(wrong.body()).doesNotContain("lss_wrong");
        HttpResponse<String> unknown = form("/oauth2/token", "grant_type=client_credentials", "sa_nobody", "x");
        assertThat(app.json(unknown).get("error").asText()).isEqualTo("invalid_client");
        HttpResponse<String> none = form("/oauth2/token", "grant_type=client_credentials", null, null);
        assertThat(app.json(none).get("error").asText()).isEqualTo("invalid_client");
        HttpResponse<String> grant = form("/oauth2/token", "grant_type=password&username=a&password=b", null, null);
        assertThat(grant.statusCode()).isEqualTo(400);
        assertThat(app.json(grant).get("error").asText()).isEqualTo("unsupported_grant_type");
        HttpResponse<String> noGrant = form("/oauth2/token", "", null, null);
        assertThat(app.json(noGrant).get("error").asText()).isEqualTo("invalid_request");
        HttpResponse<String> twice = form("/oauth2/token", "grant_type=client_credentials&grant_type=refresh_token", null, null);
        assertThat(app.json(twice).get("error").asText()).isEqualTo("invalid_request");
        HttpResponse<String> json = app.postJson("/oauth2/token", "{\"grant_type\":\"client_credentials\"}");
        assertThat(json.statusCode()).isEqualTo(400);
        assertThat(app.json(json).get("error").asText()).isEqualTo("invalid_request");
    }

    @Test
    void introspectionAndRevocation() {
        JsonNode sa = createAccount(app.loginAdmin(), app.adminOrgId(), Map.of("name", "introspector", "roles", List.of("viewer")));
        String id = sa.get("client_id").asText();
        String secret = sa.get("client_secret").asText();
        String token = app.json(form("/oauth2/token", "grant_type=client_credentials", id, secret)).get("access_token").asText();
        String userToken = app.loginAdmin();

        JsonNode active = app.json(form("/oauth2/introspect", "token=" + enc(userToken), id, secret));
        assertThat(active.get("active").asBoolean()).isTrue();
        assertThat(active.get("username").asText()).isEqualTo(TestApp.ADMIN_EMAIL);
        assertThat(active.get("token_type").asText()).isEqualTo("Bearer");
        assertThat(active.has("exp")).isTrue();
        JsonNode garbage = app.json(form("/oauth2/introspect", "token=nonsense", id, secret));
        assertThat(garbage.toString()).isEqualTo("{\"active\":false}");
        // introspection needs an authenticated caller
        assertThat(form("/oauth2/introspect", "token=" + enc(userToken), null, null).statusCode()).isEqualTo(401);

        // revoking one's own client token: 200, then inactive, then refused
        assertThat(form("/oauth2/revoke", "token=" + enc(token), id, secret).statusCode()).isEqualTo(200);
        assertThat(app.json(form("/oauth2/introspect", "token=" + enc(token), id, secret)).get("active").asBoolean()).isFalse();
        assertThat(app.get("/v1/me", token).statusCode()).isEqualTo(401);
        // RFC 7009: an unknown token is still 200
        assertThat(form("/oauth2/revoke", "token=whatever", id, secret).statusCode()).isEqualTo(200);
    }

    @Test
    void anotherOrgsTokenIsInactiveToYou() {
        String admin = app.loginAdmin();
        UUID otherOrg = app.createOrg(admin, "Other " + UUID.randomUUID());
        JsonNode mine = createAccount(admin, app.adminOrgId(), Map.of("name", "mine", "roles", List.of("viewer")));
        JsonNode theirs = createAccount(admin, otherOrg, Map.of("name", "theirs", "roles", List.of("viewer")));
        String theirToken = app.json(form("/oauth2/token", "grant_type=client_credentials",
                theirs.get("client_id").asText(), theirs.get("client_secret").asText())).get("access_token").asText();
        JsonNode seen = app.json(form("/oauth2/introspect", "token=" + enc(theirToken), mine.get("client_id").asText(),
                mine.get("client_secret").asText()));
        assertThat(seen.get("active").asBoolean()).isFalse();
    }

    @Test
    void disablingTheAccountStopsItsTokensAndItsSecret() {
        JsonNode sa = createAccount(app.loginAdmin(), app.adminOrgId(), Map.of("name", "doomed", "roles", List.of("viewer")));
        String id = sa.get("client_id").asText();
        String secret = sa.get("client_secret").asText();
        String token = app.json(form("/oauth2/token", "grant_type=client_credentials", id, secret)).get("access_token").asText();
        assertThat(app.get("/v1/me", token).statusCode()).isEqualTo(200);
        assertThat(app.delete("/v1/orgs/" + app.adminOrgId() + "/service-accounts/" + sa.get("id").asText(), app.loginAdmin())
                .statusCode()).isEqualTo(204);
        assertThat(app.get("/v1/me", token).statusCode()).isEqualTo(401);
        assertThat(form("/oauth2/token", "grant_type=client_credentials", id, secret).statusCode()).isEqualTo(401);
    }

    @Test
    void anAdminCannotGrantWhatTheyDoNotHold() {
        String admin = app.loginAdmin();
        String email = "orgadmin-" + UUID.randomUUID() + "@example.test";
        app.createUser(admin, app.adminOrgId(), email, "0rg-Admin-Pass!", "admin");
        String orgAdmin = app.login(email, "0rg-Admin-Pass!");
        HttpResponse<String> r = app.postJson("/v1/orgs/" + app.adminOrgId() + "/service-accounts",
                app.body(Map.of("name", "escalate", "permissions", List.of("reveal:credentials"))), orgAdmin);
        assertThat(r.statusCode()).isEqualTo(400);
        HttpResponse<String> ok = app.postJson("/v1/orgs/" + app.adminOrgId() + "/service-accounts",
                app.body(Map.of("name", "reader", "roles", List.of("viewer"))), orgAdmin);
        assertThat(ok.statusCode()).isEqualTo(201);
    }
}
