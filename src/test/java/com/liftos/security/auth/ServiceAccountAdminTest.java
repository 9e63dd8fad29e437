package com.liftos.security.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.LogCapture;
import com.liftos.security.testing.MutableClock;
import com.liftos.security.testing.TestApp;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The admin side of service accounts: the cursor-paged listing and its filters, one account, and the rotation of
 * its client secret with an overlap window, on the clock the service uses (moved by hand).
 */
class ServiceAccountAdminTest {
    static final String PASSWORD = "Sa-Admin-Password-1!";
    static final MutableClock CLOCK = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    static TestApp app;
    static UUID org;
    static String orgAdminEmail;

    @BeforeAll
    static void start() {
        app = TestApp.start(Map.of(), CLOCK);
        org = app.createOrg(app.loginAdmin(), "Service Accounts " + UUID.randomUUID());
        orgAdminEmail = "sa-admin-" + UUID.randomUUID() + "@example.test";
        app.createUser(app.loginAdmin(), org, orgAdminEmail, PASSWORD, "admin");
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    private static String adminToken;

    /** A working token of the organization's admin (the clock moves past token lifetimes here). */
    static synchronized String admin() {
        if (adminToken == null || app.get("/v1/me", adminToken).statusCode() != 200) {
            adminToken = app.login(orgAdminEmail, PASSWORD);
        }
        return adminToken;
    }

    static JsonNode create(String token, String name) {
        HttpResponse<String> r = app.postJson("/v1/orgs/" + org + "/service-accounts",
                app.body(Map.of("name", name, "roles", List.of("viewer"))), token);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return app.json(r);
    }

    static HttpResponse<String> grant(String clientId, String secret) {
        return grantAt(app, clientId, secret);
    }

    static HttpResponse<String> rotate(String token, UUID inOrg, String accountId, String query) {
        return app.postJson("/v1/orgs/" + inOrg + "/service-accounts/" + accountId + "/rotate-secret" + query, "", token);
    }

    static String path(String accountId) {
        return "/v1/orgs/" + org + "/service-accounts/" + accountId;
    }

    @Test
    void listingPagesWithACursorFiltersAndRefusesBadInput() {
        UUID own = app.createOrg(app.loginAdmin(), "SA Paging " + UUID.randomUUID());
        List<String> ids = new ArrayList<>();
        for (String name : List.of("Billing sync", "billing export", "Crm import")) {
            HttpResponse<String> r = app.postJson("/v1/orgs/" + own + "/service-accounts",
                    app.body(Map.of("name", name, "roles", List.of("viewer"))), app.loginAdmin());
            assertThat(r.statusCode()).isEqualTo(201);
            ids.add(app.json(r).get("id").asText());
            CLOCK.advance(Duration.ofMillis(5));
        }
        String base = "/v1/orgs/" + own + "/service-accounts";
        JsonNode first = app.json(app.get(base + "?limit=2", app.loginAdmin()));
        assertThat(first.get("total").asLong()).isEqualTo(3);
        assertThat(first.get("items")).hasSize(2);
        assertThat(first.at("/items/0/id").asText()).isEqualTo(ids.get(0));
        assertThat(first.at("/items/0/secret_versions/0/current").asBoolean()).isTrue();
        JsonNode second = app.json(app.get(base + "?limit=2&cursor=" + first.get("next_cursor").asText(), app.loginAdmin()));
        assertThat(second.get("items")).hasSize(1);
        assertThat(second.at("/items/0/id").asText()).isEqualTo(ids.get(2));
        assertThat(second.get("next_cursor").isNull()).isTrue();
        assertThat(second.has("total")).isFalse();

        JsonNode billing = app.json(app.get(base + "?q=BILL", app.loginAdmin()));
        assertThat(billing.get("total").asLong()).isEqualTo(2);
        assertThat(app.delete(base + "/" + ids.get(1), app.loginAdmin()).statusCode()).isEqualTo(204);
        JsonNode disabled = app.json(app.get(base + "?status=disabled", app.loginAdmin()));
        assertThat(disabled.get("items")).hasSize(1);
        assertThat(disabled.at("/items/0/id").asText()).isEqualTo(ids.get(1));
        assertThat(app.json(app.get(base + "?status=active&q=bill", app.loginAdmin())).get("total").asLong()).isEqualTo(1);

        for (String[] bad : List.of(new String[] {"?limit=0", "limit"}, new String[] {"?limit=201", "limit"},
                new String[] {"?cursor=bm9wZQ", "cursor"}, new String[] {"?status=sleeping", "status"},
                new String[] {"?nme=x", "nme"}, new String[] {"?q=", "q"}, new String[] {"?status=active&status=disabled", "status"})) {
            HttpResponse<String> r = app.get(base + bad[0], app.loginAdmin());
            assertThat(r.statusCode()).as(bad[0]).isEqualTo(400);
            assertThat(app.json(r).at("/error/message").asText()).as(bad[0]).contains(bad[1]);
        }
        assertThat(app.get("/v1/orgs/" + own + "/service-accounts/" + UUID.randomUUID(), app.loginAdmin()).statusCode()).isEqualTo(404);
    }

    @Test
    void thePreviousSecretWorksDuringTheOverlapAndFailsAfterIt() {
        JsonNode sa = create(admin(), "overlap");
        String id = sa.get("id").asText();
        String clientId = sa.get("client_id").asText();
        String old = sa.get("client_secret").asText();
        assertThat(grant(clientId, old).statusCode()).isEqualTo(200);

        HttpResponse<String> rotated = rotate(admin(), org, id, "?overlap_seconds=3600");
        assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(200);
        JsonNode body = app.json(rotated);
        String fresh = body.get("client_secret").asText();
        assertThat(fresh).startsWith("lss_").isNotEqualTo(old);
        assertThat(body.get("secret_versions")).hasSize(2);
        assertThat(body.at("/secret_versions/0/version").asInt()).isEqualTo(2);
        assertThat(body.at("/secret_versions/1/version").asInt()).isEqualTo(1);
        assertThat(Instant.parse(body.at("/secret_versions/1/expires_at").asText())).isEqualTo(CLOCK.instant().plusSeconds(3600));

        // during the overlap both work
        assertThat(grant(clientId, fresh).statusCode()).isEqualTo(200);
        CLOCK.advance(Duration.ofSeconds(3599));
        assertThat(grant(clientId, old).statusCode()).isEqualTo(200);
        assertThat(grant(clientId, fresh).statusCode()).isEqualTo(200);
        // after it only the new one
        CLOCK.advance(Duration.ofSeconds(1));
        assertThat(grant(clientId, old).statusCode()).isEqualTo(401);
        assertThat(grant(clientId, fresh).statusCode()).isEqualTo(200);
        JsonNode after = app.json(app.get(path(id), admin()));
        assertThat(after.get("secret_versions")).hasSize(1);
        assertThat(after.toString()).doesNotContain(fresh).doesNotContain(old);

        // a second rotation with no overlap stops the current secret at once; the one before is long gone
        String third = app.json(rotate(admin(), org, id, "?overlap_seconds=0")).get("client_secret").asText();
        assertThat(grant(clientId, fresh).statusCode()).isEqualTo(401);
        assertThat(grant(clientId, old).statusCode()).isEqualTo(401);
        assertThat(grant(clientId, third).statusCode()).isEqualTo(200);
        assertThat(app.json(app.get(path(id), admin())).at("/secret_versions/0/version").asInt()).isEqualTo(3);
    }

    @Test
    void rotatingDuringAnOverlapEndsTheOlderSecretAndTheDefaultOverlapIsADay() {
        JsonNode sa = create(admin(), "twice");
        String id = sa.get("id").asText();
        String clientId = sa.get("client_id").asText();
        String first = sa.get("client_secret").asText();
        JsonNode r = app.json(rotate(admin(), org, id, ""));
        assertThat(Instant.parse(r.at("/secret_versions/1/expires_at").asText())).isEqualTo(CLOCK.instant().plus(Duration.ofHours(24)));
        String second = r.get("client_secret").asText();
        String third = app.json(rotate(admin(), org, id, "?overlap_seconds=600")).get("client_secret").asText();
        // at most two secrets: the first stopped with the second rotation
        assertThat(grant(clientId, first).statusCode()).isEqualTo(401);
        assertThat(grant(clientId, second).statusCode()).isEqualTo(200);
        assertThat(grant(clientId, third).statusCode()).isEqualTo(200);
    }

    @Test
    void rotationRefusesBadOverlapsCallersWithoutPermissionOtherOrganizationsAndDisabledAccounts() {
        JsonNode sa = create(admin(), "guarded");
        String id = sa.get("id").asText();
        for (String q : List.of("?overlap_seconds=-1", "?overlap_seconds=604801", "?overlap_seconds=abc", "?overlap_seconds=",
                "?overlap_seconds=1&overlap_seconds=2", "?overlap=5")) {
            HttpResponse<String> r = rotate(admin(), org, id, q);
            assertThat(r.statusCode()).as(q).isEqualTo(400);
            assertThat(app.json(r).at("/error/message").asText()).as(q).contains(q.startsWith("?overlap=") ? "overlap" : "overlap_seconds");
        }
        // a viewer of the organization: 403
        String viewerEmail = "sa-viewer-" + UUID.randomUUID() + "@example.test";
        app.createUser(admin(), org, viewerEmail, PASSWORD, "viewer");
        assertThat(rotate(app.login(viewerEmail, PASSWORD), org, id, "").statusCode()).isEqualTo(403);
        assertThat(app.get(path(id), app.login(viewerEmail, PASSWORD)).statusCode()).isEqualTo(403);
        // an admin of another organization: 404, through their own org's path too
        UUID other = app.createOrg(app.loginAdmin(), "SA Other " + UUID.randomUUID());
        String otherEmail = "sa-other-" + UUID.randomUUID() + "@example.test";
        app.createUser(app.loginAdmin(), other, otherEmail, PASSWORD, "admin");
        String otherAdmin = app.login(otherEmail, PASSWORD);
        assertThat(rotate(otherAdmin, org, id, "").statusCode()).isEqualTo(404);
        assertThat(rotate(otherAdmin, other, id, "").statusCode()).isEqualTo(404);
        assertThat(app.get("/v1/orgs/" + other + "/service-accounts/" + id, otherAdmin).statusCode()).isEqualTo(404);
        // nothing changed
        assertThat(app.json(app.get(path(id), admin())).at("/secret_versions/0/version").asInt()).isEqualTo(1);
        assertThat(grant(sa.get("client_id").asText(), sa.get("client_secret").asText()).statusCode()).isEqualTo(200);
        // disabled: 409
        assertThat(app.delete(path(id), admin()).statusCode()).isEqualTo(204);
        HttpResponse<String> disabled = rotate(admin(), org, id, "");
        assertThat(disabled.statusCode()).isEqualTo(409);
        assertThat(app.json(disabled).at("/error/code").asText()).isEqualTo("service_account_disabled");
    }

    @Test
    void whenARotationReturnsNoInstanceAcceptsASecretItStopped() {
        try (TestApp second = TestApp.startSharing(app, Map.of(), CLOCK)) {
            JsonNode sa = create(admin(), "two-instances");
            String id = sa.get("id").asText();
            String clientId = sa.get("client_id").asText();
            String old = sa.get("client_secret").asText();
            // the second instance verifies (and caches) the first secret
            assertThat(grantAt(second, clientId, old).statusCode()).isEqualTo(200);
            String next = app.json(rotate(admin(), org, id, "?overlap_seconds=120")).get("client_secret").asText();
            assertThat(grantAt(second, clientId, old).statusCode()).isEqualTo(200);
            assertThat(grantAt(second, clientId, next).statusCode()).isEqualTo(200);
            CLOCK.advance(Duration.ofSeconds(120));
            assertThat(grantAt(second, clientId, old).statusCode()).isEqualTo(401);
            String last = app.json(rotate(admin(), org, id, "?overlap_seconds=0")).get("client_secret").asText();
            assertThat(grantAt(second, clientId, next).statusCode()).isEqualTo(401);
            assertThat(grantAt(second, clientId, last).statusCode()).isEqualTo(200);
        }
    }

    static HttpResponse<String> grantAt(TestApp at, String clientId, String secret) {
        String creds = URLEncoder.encode(clientId, StandardCharsets.UTF_8) + ":" + URLEncoder.encode(secret, StandardCharsets.UTF_8);
        return at.send(at.request("/oauth2/token").header("Content-Type", "application/x-www-form-urlencoded")
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(creds.getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")).build());
    }

    @Test
    void lastUsedIsSampledNotWrittenPerGrant() {
        JsonNode sa = create(admin(), "sampled");
        String id = sa.get("id").asText();
        assertThat(app.json(app.get(path(id), admin())).has("last_used_at")).isFalse();
        Instant t0 = CLOCK.instant();
        assertThat(grant(sa.get("client_id").asText(), sa.get("client_secret").asText()).statusCode()).isEqualTo(200);
        assertThat(Instant.parse(app.json(app.get(path(id), admin())).get("last_used_at").asText())).isEqualTo(t0);
        CLOCK.advance(Duration.ofSeconds(30));
        assertThat(grant(sa.get("client_id").asText(), sa.get("client_secret").asText()).statusCode()).isEqualTo(200);
        assertThat(Instant.parse(app.json(app.get(path(id), admin())).get("last_used_at").asText())).isEqualTo(t0);
        CLOCK.advance(Duration.ofSeconds(31));
        Instant t1 = CLOCK.instant();
        assertThat(grant(sa.get("client_id").asText(), sa.get("client_secret").asText()).statusCode()).isEqualTo(200);
        assertThat(Instant.parse(app.json(app.get(path(id), admin())).get("last_used_at").asText())).isEqualTo(t1);
    }

    @Test
    void canaryTheNewSecretAppearsInNoLogAuditOrMetric() {
        try (LogCapture logs = new LogCapture()) {
            JsonNode sa = create(admin(), "canary");
            String id = sa.get("id").asText();
            String fresh = app.json(rotate(admin(), org, id, "?overlap_seconds=60")).get("client_secret").asText();
            String clientId = sa.get("client_id").asText();
            assertThat(grant(clientId, fresh).statusCode()).isEqualTo(200);
            assertThat(grant(clientId, fresh + "x").statusCode()).isEqualTo(401);
            String audit = app.get("/v1/orgs/" + org + "/audit?limit=1000", app.loginAdmin()).body();
            assertThat(audit).contains("rotate_client_secret");
            String listing = app.get("/v1/orgs/" + org + "/service-accounts?limit=200", admin()).body();
            String metrics = app.get("/metrics").body();
            for (String secret : List.of(fresh, sa.get("client_secret").asText())) {
                assertThat(logs.text()).doesNotContain(secret);
                assertThat(app.consoleOutput()).doesNotContain(secret);
                assertThat(audit).doesNotContain(secret);
                assertThat(listing).doesNotContain(secret);
                assertThat(metrics).doesNotContain(secret);
            }
        }
    }
}
