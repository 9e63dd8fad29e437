package com.liftos.security.incident;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.TestApp;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each detector fired by real HTTP traffic (client addresses via a trusted proxy header), and containment. */
class IncidentApiTest {
    static final String PASSWORD = "Incident-Password-1!";
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

    static HttpResponse<String> login(String email, String password, String ip) {
        return app.send(app.request("/v1/auth/login").header("Content-Type", "application/json").header("X-Forwarded-For", ip)
                .POST(HttpRequest.BodyPublishers.ofString(app.body(Map.of("email", email, "password", password)))).build());
    }

    static String email(String prefix) {
        return prefix + "-" + UUID.randomUUID() + "@example.test";
    }

    /** Polls the incident list until one of {@code type} about {@code subject} shows up (detection runs off the request path). */
    static JsonNode awaitIncident(String type, String subject) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(15));
        while (Instant.now().isBefore(deadline)) {
            HttpResponse<String> r = app.get("/v1/orgs/" + org + "/incidents", app.loginAdmin());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            for (JsonNode i : app.json(r).get("incidents")) {
                if (i.get("type").asText().equals(type) && i.get("subject").asText().equals(subject)) {
                    return app.json(app.get("/v1/orgs/" + org + "/incidents/" + i.get("id").asText(), app.loginAdmin()));
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no " + type + " incident about " + subject);
    }

    static HttpResponse<String> action(String incidentId, Map<String, ?> body, String token) {
        return app.postJson("/v1/orgs/" + org + "/incidents/" + incidentId + "/actions", app.body(body), token);
    }

    static long events(String type, String resource) {
        return app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM audit_events WHERE event_type = ? AND resource = ?")) {
                ps.setString(1, type);
                ps.setString(2, resource);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    /**
     * Stands in for the login's lockout (which locks the account in its own transaction and reports it): the lock
     * written to {@code users}, then BRUTE_FORCE_ATTEMPT as the login emits it.
     */
    /** Ten wrong passwords from ten addresses: the login's own lockout locks the account's unknown devices. */
    static void loginLockedOut(String email) {
        for (int i = 0; i < 10; i++) {
            assertThat(login(email, "Wrong-Password-" + i + "!", "198.51.100." + (40 + i)).statusCode()).isEqualTo(401);
        }
    }

    @Test
    void aLockoutByTheLoginOpensAContainedBruteForceIncidentAndAnAdminUnlocks() throws Exception {
        String email = email("brute");
        UUID user = app.createUser(app.loginAdmin(), org, email, PASSWORD);
        loginLockedOut(email);
        JsonNode incident = awaitIncident("brute_force_attack", "user:" + user);
        assertThat(incident.get("severity").asText()).isEqualTo("high");
        assertThat(incident.get("response_target_minutes").asInt()).isEqualTo(60);
        assertThat(incident.get("overdue").asBoolean()).isFalse();
        assertThat(incident.get("affected_users").toString()).contains(user.toString());
        Instant deadline = Instant.now().plusSeconds(10);
        JsonNode contained = incident;
        while (!contained.get("status").asText().equals("contained") && Instant.now().isBefore(deadline)) {
            Thread.sleep(50);
            contained = app.json(app.get("/v1/orgs/" + org + "/incidents/" + incident.get("id").asText(), app.loginAdmin()));
        }
        assertThat(contained.get("status").asText()).isEqualTo("contained");
        assertThat(contained.get("timeline").toString()).contains("lock_user", "unknown_devices");
        assertThat(login(email, PASSWORD, "198.51.100.11").statusCode()).isNotEqualTo(200);

        HttpResponse<String> unlock = action(incident.get("id").asText(), Map.of("action", "unlock_user", "user_id", user.toString(),
                "note", "user confirmed by phone"), app.loginAdmin());
        assertThat(unlock.statusCode()).as(unlock.body()).isEqualTo(200);
        assertThat(login(email, PASSWORD, "198.51.100.11").statusCode()).isEqualTo(200);
        assertThat(events("ACCOUNT_UNLOCKED", "user:" + user)).isEqualTo(1);

        HttpResponse<String> resolved = action(incident.get("id").asText(), Map.of("action", "resolve", "note", "done"), app.loginAdmin());
        assertThat(app.json(resolved).get("status").asText()).isEqualTo("resolved");
        assertThat(app.json(resolved).get("timeline").toString()).contains("unlock_user", "user confirmed by phone", "resolve");
    }

    @Test
    void credentialStuffingFromOneAddressBlocksItUntilUnblocked() throws Exception {
        String ip = "203.0.113.20";
        String victim = email("stuffed");
        app.createUser(app.loginAdmin(), org, victim, PASSWORD);
        // 20 failures over 6 accounts (5 unknown, 1 known): no single account reaches its own threshold.
        for (int i = 0; i < 20; i++) {
            String target = i % 6 == 0 ? victim : "unknown-" + (i % 6) + "@example.test";
            login(target, "Wrong-Password-9!", ip);
        }
        Instant deadline = Instant.now().plusSeconds(15);
        HttpResponse<String> blocked = login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD, ip);
        while (blocked.statusCode() != 403 && Instant.now().isBefore(deadline)) {
            Thread.sleep(100);
            blocked = login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD, ip);
        }
        assertThat(blocked.statusCode()).isEqualTo(403);
        assertThat(app.json(blocked).at("/error/code").asText()).isEqualTo("ip_blocked");
        assertThat(login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD, "203.0.113.21").statusCode()).isEqualTo(200);
        assertThat(events("IP_BLOCKED", "ip_blocklist")).isGreaterThanOrEqualTo(1);

        JsonNode incident = awaitIncident("credential_stuffing", "ip:" + ip);
        assertThat(incident.get("severity").asText()).isEqualTo("high");
        // The detector's block is global: lifting it takes a super admin who says so.
        HttpResponse<String> unscoped = action(incident.get("id").asText(), Map.of("action", "unblock_ip", "ip", ip), app.loginAdmin());
        assertThat(unscoped.statusCode()).as(unscoped.body()).isEqualTo(404);
        HttpResponse<String> unblock = action(incident.get("id").asText(), Map.of("action", "unblock_ip", "ip", ip, "scope", "global"),
                app.loginAdmin());
        assertThat(unblock.statusCode()).as(unblock.body()).isEqualTo(200);
        assertThat(login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD, ip).statusCode()).isEqualTo(200);
    }

    @Test
    void fiveAddressesForOneUserWithinAnHourIsSuspicious() throws Exception {
        String email = email("roamer");
        UUID user = app.createUser(app.loginAdmin(), org, email, PASSWORD);
        for (int i = 1; i <= 5; i++) {
            assertThat(login(email, PASSWORD, "192.0.2." + (100 + i)).statusCode()).isEqualTo(200);
        }
        JsonNode incident = awaitIncident("suspicious_activity", "user:" + user);
        assertThat(incident.get("severity").asText()).isEqualTo("medium");
        assertThat(incident.get("response_target_minutes").asInt()).isEqualTo(240);
    }

    @Test
    void refreshTokenReuseIsTokenTheftAndEndsEverySessionOfTheUser() throws Exception {
        String email = email("thief");
        UUID user = app.createUser(app.loginAdmin(), org, email, PASSWORD);
        String other = app.json(login(email, PASSWORD, "192.0.2.9")).get("access_token").asText();
        JsonNode first = app.json(login(email, PASSWORD, "192.0.2.9"));
        String stolen = first.get("refresh_token").asText();
        HttpResponse<String> rotated = app.send(app.request("/v1/auth/refresh").header("Content-Type", "application/json")
                .header("X-Forwarded-For", "192.0.2.9")
                .POST(HttpRequest.BodyPublishers.ofString(app.body(Map.of("refresh_token", stolen)))).build());
        assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(200);
        // The thief's device: a retired token from another device is reuse even within the reuse interval.
        HttpResponse<String> reuse = app.send(app.request("/v1/auth/refresh").header("Content-Type", "application/json")
                .header("X-Forwarded-For", "192.0.2.9").header("User-Agent", "thief-agent/1.0")
                .POST(HttpRequest.BodyPublishers.ofString(app.body(Map.of("refresh_token", stolen)))).build());
        assertThat(reuse.statusCode()).isNotEqualTo(200);
        JsonNode incident = awaitIncident("token_theft", "user:" + user);
        assertThat(incident.get("severity").asText()).isEqualTo("high");
        Instant deadline = Instant.now().plusSeconds(10);
        while (app.get("/v1/me", other).statusCode() == 200 && Instant.now().isBefore(deadline)) {
            Thread.sleep(50);
        }
        assertThat(app.get("/v1/me", other).statusCode()).isEqualTo(401);
    }

    @Test
    void fiftyApiErrorsInTenMinutesOpenAnErrorSpikeIncident() throws Exception {
        UUID other = app.createOrg(app.loginAdmin(), "Errors " + UUID.randomUUID());
        String email = email("prober");
        app.createUser(app.loginAdmin(), other, email, PASSWORD);
        String viewer = app.json(login(email, PASSWORD, "192.0.2.50")).get("access_token").asText();
        for (int i = 0; i < 50; i++) {
            assertThat(app.postJson("/v1/orgs/" + other + "/users", "{}", viewer).statusCode()).isEqualTo(403);
        }
        Instant deadline = Instant.now().plusSeconds(15);
        while (Instant.now().isBefore(deadline)) {
            JsonNode list = app.json(app.get("/v1/orgs/" + other + "/incidents", app.loginAdmin())).get("incidents");
            if (list.size() > 0) {
                assertThat(list.get(0).get("type").asText()).isEqualTo("api_error_spike");
                assertThat(list.get(0).get("subject").asText()).isEqualTo("org:" + other);
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no api_error_spike incident");
    }

    @Test
    void containmentRevokesCredentialsAndEmergencyModeMakesTheOrgReadOnly() throws Exception {
        UUID tenant = app.createOrg(app.loginAdmin(), "Breach " + UUID.randomUUID());
        String adminEmail = email("tenant-admin");
        app.createUser(app.loginAdmin(), tenant, adminEmail, PASSWORD, "admin");
        String tenantAdmin = app.json(login(adminEmail, PASSWORD, "192.0.2.60")).get("access_token").asText();
        String shopify = "{\"shop_domain\":\"breach.myshopify.com\",\"access_token\":\"shpat_abcdef0123\"}";
        HttpResponse<String> stored = app.putJson("/v1/orgs/" + tenant + "/credentials/shopify", shopify, tenantAdmin);
        assertThat(stored.statusCode()).as(stored.body()).isEqualTo(201);
        // Fire a detector in that org: one of its accounts' password tried from five addresses.
        String victim = email("tenant-victim");
        app.createUser(app.loginAdmin(), tenant, victim, PASSWORD);
        for (int i = 0; i < 5; i++) {
            login(victim, "Wrong-Password-9!", "192.0.2." + (70 + i));
        }
        Instant deadline = Instant.now().plusSeconds(15);
        String incidentId = null;
        while (incidentId == null && Instant.now().isBefore(deadline)) {
            JsonNode list = app.json(app.get("/v1/orgs/" + tenant + "/incidents", app.loginAdmin())).get("incidents");
            incidentId = list.size() > 0 ? list.get(0).get("id").asText() : null;
            Thread.sleep(100);
        }
        assertThat(incidentId).isNotNull();

        // A viewer may not act; manage:users is declared on the route.
        String viewerEmail = email("tenant-viewer");
        app.createUser(app.loginAdmin(), tenant, viewerEmail, PASSWORD);
        String viewer = app.json(login(viewerEmail, PASSWORD, "192.0.2.62")).get("access_token").asText();
        assertThat(app.postJson("/v1/orgs/" + tenant + "/incidents/" + incidentId + "/actions", "{\"action\":\"note\",\"note\":\"x\"}", viewer)
                .statusCode()).isEqualTo(403);

        String base = "/v1/orgs/" + tenant + "/incidents/" + incidentId + "/actions";
        HttpResponse<String> revoke = app.postJson(base, "{\"action\":\"revoke_credentials\"}", app.loginAdmin());
        assertThat(revoke.statusCode()).as(revoke.body()).isEqualTo(200);
        assertThat(app.json(revoke).at("/result/credentials_revoked").asInt()).isEqualTo(1);
        assertThat(app.get("/v1/orgs/" + tenant + "/credentials/shopify/default/secret", app.loginAdmin()).statusCode()).isEqualTo(410);

        assertThat(app.postJson(base, "{\"action\":\"emergency_mode_on\",\"note\":\"breach\"}", app.loginAdmin()).statusCode()).isEqualTo(200);
        HttpResponse<String> refused = app.putJson("/v1/orgs/" + tenant + "/credentials/shopify/second", shopify, tenantAdmin);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(app.json(refused).at("/error/code").asText()).isEqualTo("emergency_mode");
        assertThat(app.get("/v1/orgs/" + tenant + "/credentials", tenantAdmin).statusCode()).isEqualTo(200);
        // Super admins are exempt.
        assertThat(app.putJson("/v1/orgs/" + tenant + "/credentials/shopify/third", shopify, app.loginAdmin()).statusCode()).isEqualTo(201);
        // The org's admin can still respond, and leave emergency mode.
        assertThat(app.postJson(base, "{\"action\":\"emergency_mode_off\"}", tenantAdmin).statusCode()).isEqualTo(200);
        assertThat(app.putJson("/v1/orgs/" + tenant + "/credentials/shopify/second", shopify, tenantAdmin).statusCode()).isEqualTo(201);

        HttpResponse<String> bad = app.postJson(base, "{\"action\":\"launch_missiles\"}", app.loginAdmin());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(app.postJson(base, "{\"action\":\"block_ip\",\"ip\":\"not-an-ip\"}", app.loginAdmin()).statusCode()).isEqualTo(400);
        assertThat(app.postJson(base, "{\"action\":\"lock_user\",\"user_id\":\"" + UUID.randomUUID() + "\"}", app.loginAdmin()).statusCode()).isEqualTo(400);
        JsonNode after = app.json(app.get("/v1/orgs/" + tenant + "/incidents/" + incidentId, app.loginAdmin()));
        assertThat(after.get("timeline").toString()).contains("revoke_credentials", "emergency_mode_on", "emergency_mode_off");
    }
}
