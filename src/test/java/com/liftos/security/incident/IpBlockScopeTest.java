package com.liftos.security.incident;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.testing.TestApp;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Block list scopes through the HTTP API, across two tenants: an organization's admin blocks and unblocks addresses
 * for their own organization only; a global entry is a super admin's (or the detector's) and refuses everybody.
 */
class IpBlockScopeTest {
    static final String PASSWORD = "Scope-Password-1!";
    static final Map<String, String> ENV = Map.of("SECURITY_RATE_LIMITING_ENABLED", "false", "LIFTOS_TRUSTED_PROXIES", "127.0.0.1");
    static final AtomicInteger NEXT_ADDRESS = new AtomicInteger(10);
    static TestApp app;
    static Tenant a;
    static Tenant b;

    /** An organization with an admin, a viewer and an open incident to act through; tokens obtained from a home address. */
    record Tenant(UUID org, String admin, String viewer, String viewerEmail, String incident) {}

    @BeforeAll
    static void start() throws Exception {
        app = TestApp.start(ENV);
        a = tenant("A");
        b = tenant("B");
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    static Tenant tenant(String name) throws Exception {
        String superAdmin = app.loginAdmin();
        UUID org = app.createOrg(superAdmin, "Tenant " + name + " " + UUID.randomUUID());
        String adminEmail = "admin-" + UUID.randomUUID() + "@example.test";
        app.createUser(superAdmin, org, adminEmail, PASSWORD, "admin");
        String viewerEmail = "viewer-" + UUID.randomUUID() + "@example.test";
        app.createUser(superAdmin, org, viewerEmail, PASSWORD);
        UUID locked = app.createUser(superAdmin, org, "locked-" + UUID.randomUUID() + "@example.test", PASSWORD);
        // An incident of the org, as the login's lockout reports one.
        app.app().audit().log().record(SecurityEvent.builder(SecurityEventType.BRUTE_FORCE_ATTEMPT, "lock_account").org(org)
                .actor(locked, SecurityEvent.ActorType.USER).resource("user:" + locked).success(false)
                .detail("failed_attempts", 10).detail("locked_until", Instant.now().plusSeconds(900).toString())
                .detail("scope", "unknown_devices").risk(0.8).build(Instant.now()));
        String incident = awaitIncident(org, superAdmin);
        return new Tenant(org, token(adminEmail, "192.0.2.1"), token(viewerEmail, "192.0.2.1"), viewerEmail, incident);
    }

    static String awaitIncident(UUID org, String token) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(15);
        while (Instant.now().isBefore(deadline)) {
            JsonNode list = app.json(app.get("/v1/orgs/" + org + "/incidents", token)).get("incidents");
            if (list.size() > 0) {
                return list.get(0).get("id").asText();
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no incident in " + org);
    }

    static HttpResponse<String> login(String email, String ip) {
        return app.send(app.request("/v1/auth/login").header("Content-Type", "application/json").header("X-Forwarded-For", ip)
                .POST(HttpRequest.BodyPublishers.ofString(app.body(Map.of("email", email, "password", PASSWORD)))).build());
    }

    static String token(String email, String ip) {
        HttpResponse<String> r = login(email, ip);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return app.json(r).get("access_token").asText();
    }

    /** GET /v1/me with {@code token} from {@code ip}: the status. */
    static int me(TestApp on, String token, String ip) {
        return on.send(on.request("/v1/me").header("Authorization", "Bearer " + token).header("X-Forwarded-For", ip).GET().build())
                .statusCode();
    }

    static HttpResponse<String> act(Tenant through, String token, Map<String, ?> body) {
        return app.postJson("/v1/orgs/" + through.org() + "/incidents/" + through.incident() + "/actions", app.body(body), token);
    }

    /** A fresh address for each use (documentation range). */
    static String ip() {
        return "203.0.113." + NEXT_ADDRESS.getAndIncrement();
    }

    /** The block list's entries for {@code ip}: the org id, or "global". */
    static List<String> entries(String ip) {
        return app.app().db().run(c -> {
            List<String> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT coalesce(org_id::text, 'global') FROM blocked_ips WHERE ip = ? ORDER BY 1")) {
                ps.setString(1, ip);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
            }
            return out;
        });
    }

    /** The audited IP_BLOCKED / IP_UNBLOCKED events about {@code ip}: "org_id|scope" each. */
    static List<String> audited(String type, String ip) {
        return app.app().db().run(c -> {
            List<String> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT coalesce(org_id::text, '') || '|' || (details->>'scope') FROM audit_events WHERE event_type = ? AND details->>'ip' = ? ORDER BY occurred_at")) {
                ps.setString(1, type);
                ps.setString(2, ip);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
            }
            return out;
        });
    }

    @Test
    void anOrganizationsBlockRefusesItsOwnCallersFromTheAddressAndServesOtherOrganizations() {
        String ip = ip();
        HttpResponse<String> blocked = act(a, a.admin(), Map.of("action", "block_ip", "ip", ip));
        assertThat(blocked.statusCode()).as(blocked.body()).isEqualTo(200);
        assertThat(app.json(blocked).at("/result/scope").asText()).isEqualTo("org");
        assertThat(entries(ip)).containsExactly(a.org().toString());
        assertThat(audited("IP_BLOCKED", ip)).containsExactly(a.org() + "|org");

        HttpResponse<String> refused = app.send(app.request("/v1/me").header("Authorization", "Bearer " + a.viewer())
                .header("X-Forwarded-For", ip).GET().build());
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(app.json(refused).at("/error/code").asText()).isEqualTo("ip_blocked");
        assertThat(me(app, a.admin(), ip)).as("the blocking admin too, from that address").isEqualTo(403);
        assertThat(me(app, a.viewer(), "192.0.2.2")).as("A's viewer from elsewhere").isEqualTo(200);
        assertThat(me(app, b.viewer(), ip)).as("B's viewer from the address").isEqualTo(200);
        assertThat(login(b.viewerEmail(), ip).statusCode()).as("B's sign-in from the address").isEqualTo(200);
    }

    static HttpResponse<String> refresh(String refreshToken, String ip) {
        return app.send(app.request("/v1/auth/refresh").header("Content-Type", "application/json").header("X-Forwarded-For", ip)
                .POST(HttpRequest.BodyPublishers.ofString(app.body(Map.of("refresh_token", refreshToken)))).build());
    }

    @Test
    void aRefreshFromAnAddressItsOrganizationBlockedGetsNoTokensAndEndsTheSession() {
        // Both addresses in one /24, so the device (its network prefix) stays the same and only the block refuses.
        String homeIp = ip();
        String ip = ip();
        HttpResponse<String> home = login(a.viewerEmail(), homeIp);
        String access = app.json(home).get("access_token").asText();
        String refreshToken = app.json(home).get("refresh_token").asText();
        HttpResponse<String> otherHome = login(b.viewerEmail(), homeIp);
        assertThat(act(a, a.admin(), Map.of("action", "block_ip", "ip", ip)).statusCode()).isEqualTo(200);

        HttpResponse<String> refused = refresh(refreshToken, ip);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
        assertThat(app.json(refused).at("/error/code").asText()).isEqualTo("ip_not_allowed");
        assertThat(refused.body()).doesNotContain("access_token").doesNotContain("refresh_token\":");
        assertThat(refresh(refreshToken, homeIp).statusCode()).as("the session has ended: not even from home").isEqualTo(401);
        assertThat(me(app, access, homeIp)).as("its access token stops verifying").isEqualTo(401);
        assertThat(refresh(app.json(otherHome).get("refresh_token").asText(), ip).statusCode())
                .as("B's session refreshes from the address A blocked").isEqualTo(200);
        int audited = app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT count(*) FROM audit_events WHERE action = 'refresh_address_refused' AND client_ip = ? AND org_id = ?")) {
                ps.setString(1, ip);
                ps.setObject(2, a.org());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
        assertThat(audited).isEqualTo(1);
    }

    @Test
    void anOrganizationsAdminCannotBlockOrLiftGloballyNorTouchAnotherOrganizationsEntries() {
        String asked = ip();
        HttpResponse<String> global = act(a, a.admin(), Map.of("action", "block_ip", "ip", asked, "scope", "global"));
        assertThat(global.statusCode()).as(global.body()).isEqualTo(403);
        assertThat(app.json(global).at("/error/code").asText()).isEqualTo("forbidden");
        assertThat(entries(asked)).isEmpty();
        assertThat(act(a, a.admin(), Map.of("action", "block_ip", "ip", asked, "scope", "everywhere")).statusCode()).isEqualTo(400);

        String g = ip();
        HttpResponse<String> superBlock = act(a, app.loginAdmin(), Map.of("action", "block_ip", "ip", g, "scope", "global"));
        assertThat(superBlock.statusCode()).as(superBlock.body()).isEqualTo(200);
        assertThat(entries(g)).containsExactly("global");
        assertThat(audited("IP_BLOCKED", g)).containsExactly(a.org() + "|global");
        assertThat(me(app, a.viewer(), g)).isEqualTo(403);
        assertThat(me(app, b.viewer(), g)).isEqualTo(403);
        HttpResponse<String> edge = login(b.viewerEmail(), g);
        assertThat(edge.statusCode()).isEqualTo(403);
        assertThat(app.json(edge).at("/error/code").asText()).isEqualTo("ip_blocked");

        HttpResponse<String> lift = act(a, a.admin(), Map.of("action", "unblock_ip", "ip", g));
        assertThat(lift.statusCode()).as(lift.body()).isEqualTo(403);
        assertThat(act(a, a.admin(), Map.of("action", "unblock_ip", "ip", g, "scope", "global")).statusCode()).isEqualTo(403);
        assertThat(entries(g)).containsExactly("global");

        String z = ip();
        assertThat(act(b, b.admin(), Map.of("action", "block_ip", "ip", z)).statusCode()).isEqualTo(200);
        HttpResponse<String> other = act(a, a.admin(), Map.of("action", "unblock_ip", "ip", z));
        assertThat(other.statusCode()).as(other.body()).isEqualTo(404);
        // Nor through B's incident: tenant isolation answers 404 before anything runs.
        HttpResponse<String> via = app.postJson("/v1/orgs/" + b.org() + "/incidents/" + b.incident() + "/actions",
                app.body(Map.of("action", "unblock_ip", "ip", z)), a.admin());
        assertThat(via.statusCode()).isEqualTo(404);
        assertThat(entries(z)).containsExactly(b.org().toString());
        assertThat(me(app, b.viewer(), z)).isEqualTo(403);
        assertThat(audited("IP_UNBLOCKED", g)).isEmpty();
        assertThat(audited("IP_UNBLOCKED", z)).isEmpty();
    }

    @Test
    void unblockingLiftsOnlyTheEntryOfItsScope() {
        String w = ip();
        assertThat(act(a, app.loginAdmin(), Map.of("action", "block_ip", "ip", w, "scope", "global")).statusCode()).isEqualTo(200);
        assertThat(act(a, a.admin(), Map.of("action", "block_ip", "ip", w, "minutes", 30)).statusCode()).isEqualTo(200);
        assertThat(entries(w)).containsExactlyInAnyOrder("global", a.org().toString());

        HttpResponse<String> global = act(a, app.loginAdmin(), Map.of("action", "unblock_ip", "ip", w, "scope", "global"));
        assertThat(global.statusCode()).as(global.body()).isEqualTo(200);
        assertThat(app.json(global).at("/result/scope").asText()).isEqualTo("global");
        assertThat(entries(w)).containsExactly(a.org().toString());
        assertThat(me(app, b.viewer(), w)).isEqualTo(200);
        assertThat(me(app, a.viewer(), w)).isEqualTo(403);

        assertThat(act(a, a.admin(), Map.of("action", "unblock_ip", "ip", w)).statusCode()).isEqualTo(200);
        assertThat(entries(w)).isEmpty();
        assertThat(me(app, a.viewer(), w)).isEqualTo(200);
        assertThat(audited("IP_UNBLOCKED", w)).containsExactly(a.org() + "|global", a.org() + "|org");
        assertThat(act(a, a.admin(), Map.of("action", "unblock_ip", "ip", w)).statusCode()).as("nothing left").isEqualTo(404);
    }

    @Test
    void blocksAndUnblocksOfBothScopesReachAnotherInstanceWithinSeconds() throws Exception {
        try (TestApp second = TestApp.startSharing(app, ENV, Clock.systemUTC())) {
            String v = ip();
            String g = ip();
            assertThat(me(second, a.viewer(), v)).as("read before the block, so the second instance has a copy").isEqualTo(200);
            assertThat(act(a, a.admin(), Map.of("action", "block_ip", "ip", v)).statusCode()).isEqualTo(200);
            assertThat(act(a, app.loginAdmin(), Map.of("action", "block_ip", "ip", g, "scope", "global")).statusCode()).isEqualTo(200);
            assertThat(awaitStatus(second, a.viewer(), v, 403)).isEqualTo(403);
            assertThat(me(second, b.viewer(), v)).isEqualTo(200);
            assertThat(awaitStatus(second, b.viewer(), g, 403)).isEqualTo(403);

            assertThat(act(a, a.admin(), Map.of("action", "unblock_ip", "ip", v)).statusCode()).isEqualTo(200);
            assertThat(act(a, app.loginAdmin(), Map.of("action", "unblock_ip", "ip", g, "scope", "global")).statusCode()).isEqualTo(200);
            assertThat(awaitStatus(second, a.viewer(), v, 200)).isEqualTo(200);
            assertThat(awaitStatus(second, b.viewer(), g, 200)).isEqualTo(200);
        }
    }

    /** Polls GET /v1/me on {@code on} until it answers {@code expected} (at most 5 s, the refresh is 1 s); the last status. */
    static int awaitStatus(TestApp on, String token, String ip, int expected) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(5));
        int status = me(on, token, ip);
        while (status != expected && Instant.now().isBefore(deadline)) {
            Thread.sleep(100);
            status = me(on, token, ip);
        }
        return status;
    }
}
