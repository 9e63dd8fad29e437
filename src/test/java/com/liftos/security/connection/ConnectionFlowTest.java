package com.liftos.security.connection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.LogCapture;
import com.liftos.security.testing.TestApp;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Connect, callback, hand-out, refresh, relink and disconnect through HTTP against {@link ProviderFixture}; the
 * attacks on the connect (forged, replayed, expired state; a code delivered to another session's state, which PKCE
 * refuses); tokens sealed at rest; no token in a log line or the audit trail.
 */
class ConnectionFlowTest {
    static ProviderFixture provider;
    static TestApp app;
    static String admin;
    static UUID org;
    static LogCapture logs;

    @BeforeAll
    static void start() throws Exception {
        provider = new ProviderFixture();
        Path dir = Files.createTempDirectory("liftos-connection-test");
        logs = new LogCapture();
        app = TestApp.start(Map.of("LIFTOS_CONNECTION_PROVIDERS_FILE", provider.catalogue(dir).toString(),
                "LIFTOS_CONNECTION_REFRESH_AHEAD_MINUTES", "0")); // the proactive pass runs when a test says so
        admin = app.loginAdmin();
        org = app.adminOrgId();
        ConnectionSupport.registerApp(app, admin, org, "fixture");
        ConnectionSupport.registerApp(app, admin, org, "fixture_plain");
        ConnectionSupport.registerApp(app, admin, org, "fixture_x");
        ConnectionSupport.registerApp(app, admin, org, "fixture_cc");
    }

    @AfterAll
    static void stop() {
        logs.close();
        app.close();
        provider.close();
    }

    @Test
    void theConsentUrlCarriesStateAndAnS256Challenge() {
        String url = ConnectionSupport.start(app, admin, org, "fixture", "{}");
        Map<String, String> q = ProviderFixture.parse(url.substring(url.indexOf('?') + 1));
        assertThat(q).containsKeys("state", "code_challenge", "redirect_uri").containsEntry("code_challenge_method", "S256")
                .containsEntry("client_id", ProviderFixture.CLIENT_ID).containsEntry("response_type", "code");
        assertThat(q.get("state")).hasSizeGreaterThanOrEqualTo(43);
        String plain = ConnectionSupport.start(app, admin, org, "fixture_plain", "");
        assertThat(plain).doesNotContain("code_challenge");
    }

    @Test
    void aWholeConnectStoresAnActiveConnectionWithoutShowingItsTokens() {
        JsonNode c = ConnectionSupport.connect(app, admin, org, "fixture");
        assertThat(c.get("status").asText()).isEqualTo("active");
        assertThat(c.get("metadata").get("account_name").asText()).isEqualTo("Acme");
        assertThat(c.toString()).doesNotContain("fixture-access-").doesNotContain("fixture-refresh-");
        HttpResponse<String> listed = app.get("/v1/orgs/" + org + "/connections?limit=1", admin);
        assertThat(listed.statusCode()).isEqualTo(200);
        assertThat(listed.body()).doesNotContain("fixture-access-").doesNotContain("fixture-refresh-");
        HttpResponse<String> one = app.get("/v1/orgs/" + org + "/connections/" + c.get("id").asText(), admin);
        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(app.json(one).get("provider").asText()).isEqualTo("fixture");
        // cursor paging walks every connection once
        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = app.json(app.get("/v1/orgs/" + org + "/connections?limit=1" + (cursor == null ? "" : "&cursor=" + cursor), admin));
            page.get("items").forEach(i -> seen.add(i.get("id").asText()));
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
        } while (cursor != null);
        assertThat(seen).doesNotHaveDuplicates().contains(c.get("id").asText());
    }

    @Test
    void aReplayedForgedOrMissingStateIsRefused() {
        Map<String, String> back = ConnectionSupport.consent(ConnectionSupport.start(app, admin, org, "fixture", "{}"));
        HttpResponse<String> forged = ConnectionSupport.callback(app, back.get("code"), back.get("state") + "x");
        assertThat(forged.statusCode()).isEqualTo(400);
        assertThat(app.json(forged).get("error").get("code").asText()).isEqualTo("invalid_state");
        assertThat(ConnectionSupport.callback(app, back.get("code"), back.get("state")).statusCode()).isEqualTo(200);
        HttpResponse<String> replay = ConnectionSupport.callback(app, back.get("code"), back.get("state"));
        assertThat(replay.statusCode()).isEqualTo(400);
        assertThat(app.json(replay).get("error").get("code").asText()).isEqualTo("invalid_state");
        HttpResponse<String> none = app.get("/v1/connections/callback?code=abc");
        assertThat(none.statusCode()).isEqualTo(400);
    }

    @Test
    void aCodeDeliveredWithAnotherSessionsStateFailsPkce() {
        Map<String, String> a = ConnectionSupport.consent(ConnectionSupport.start(app, admin, org, "fixture", "{}"));
        Map<String, String> b = ConnectionSupport.consent(ConnectionSupport.start(app, admin, org, "fixture", "{}"));
        // The attacker's code (issued for session a's challenge) injected into the victim's session b.
        HttpResponse<String> injected = ConnectionSupport.callback(app, a.get("code"), b.get("state"));
        assertThat(injected.statusCode()).isEqualTo(400);
        assertThat(app.json(injected).get("error").get("code").asText()).isEqualTo("code_exchange_failed");
        // session b is used up by the attempt; a still works with its own code
        assertThat(ConnectionSupport.callback(app, b.get("code"), b.get("state")).statusCode()).isEqualTo(400);
        assertThat(ConnectionSupport.callback(app, a.get("code"), a.get("state")).statusCode()).isEqualTo(200);
    }

    @Test
    void aDeniedConsentUsesTheSessionUp() {
        String url = ConnectionSupport.start(app, admin, org, "fixture", "{}");
        String state = ProviderFixture.parse(url.substring(url.indexOf('?') + 1)).get("state");
        HttpResponse<String> denied = app.get("/v1/connections/callback?error=access_denied&state=" + ConnectionSupport.enc(state));
        assertThat(denied.statusCode()).isEqualTo(400);
        assertThat(app.json(denied).get("error").get("code").asText()).isEqualTo("consent_denied");
    }

    @Test
    void badConnectRequestsAreRefusedClearly() {
        HttpResponse<String> unknown = app.postJson("/v1/orgs/" + org + "/connections/nope/connect", "{}", admin);
        assertThat(unknown.statusCode()).isEqualTo(404);
        HttpResponse<String> param = app.postJson("/v1/orgs/" + org + "/connections/fixture/connect", "{\"params\":{\"shop\":\"x\"}}", admin);
        assertThat(param.statusCode()).isEqualTo(400);
        assertThat(param.body()).contains("params.shop");
        HttpResponse<String> other = app.postJson("/v1/orgs/" + org + "/connections/fixture/connect",
                "{\"connection_id\":\"" + UUID.randomUUID() + "\"}", admin);
        assertThat(other.statusCode()).isEqualTo(404);
    }

    @Test
    void workersGetFreshTokensRefreshedWhenNeededAndRotatedDurably() throws Exception {
        JsonNode c = ConnectionSupport.connect(app, admin, org, "fixture");
        String path = "/v1/orgs/" + org + "/connections/" + c.get("id").asText() + "/access-token";
        String worker = ConnectionSupport.workerToken(app, admin, org);
        HttpResponse<String> first = app.get(path, worker);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        JsonNode t1 = app.json(first);
        assertThat(t1.get("refreshed").asBoolean()).isFalse();
        assertThat(provider.issuedAccess).contains(t1.get("access_token").asText());
        assertThat(first.headers().firstValue("Cache-Control")).contains("no-store");
        // Asking for more than the token has left refreshes it; the provider rotates the refresh token.
        int before = provider.refreshCalls.get();
        provider.expiresIn = null; // the refresh answer leaves expires_in out: the catalogue's default applies
        JsonNode t2 = app.json(app.get(path + "?min_valid_minutes=60", worker));
        provider.expiresIn = 3600;
        assertThat(t2.get("refreshed").asBoolean()).isTrue();
        assertThat(provider.refreshCalls.get()).isEqualTo(before + 1);
        assertThat(t2.get("access_token").asText()).isNotEqualTo(t1.get("access_token").asText()).isEqualTo(provider.latestAccess);
        Instant expires = Instant.parse(t2.get("expires_at").asText());
        assertThat(expires).isBetween(Instant.now().plus(Duration.ofMinutes(29)), Instant.now().plus(Duration.ofMinutes(31)));
        // 30 minutes < 60 asked, but just refreshed: handed out again, no second refresh
        JsonNode t3 = app.json(app.get(path + "?min_valid_minutes=60", worker));
        assertThat(t3.get("access_token").asText()).isEqualTo(t2.get("access_token").asText());
        assertThat(provider.refreshCalls.get()).isEqualTo(before + 1);
        // the rotated refresh token was stored: a later refresh presents it successfully
        assertThat(app.json(app.get("/v1/orgs/" + org + "/connections/" + c.get("id").asText(), admin)).get("refresh_count").asInt()).isEqualTo(1);
        assertThat(app.get(path + "?min_valid_minutes=0", worker).statusCode()).isEqualTo(400);
        assertThat(app.get(path + "?min_valid_minutes=x", worker).statusCode()).isEqualTo(400);
        // an admin without the worker's permission is not a worker: use:connections is needed
        HttpResponse<String> viewer = app.get(path, app.login(userWithRole("viewer"), "Viewer-Password-123!"));
        assertThat(viewer.statusCode()).isEqualTo(403);
    }

    @Test
    void theProactivePassRefreshesTokensAboutToEndOnceAndWorkersThenGetThemWithoutWaiting() {
        provider.expiresIn = 120;
        JsonNode c = ConnectionSupport.connect(app, admin, org, "fixture");
        provider.expiresIn = 3600;
        String id = c.get("id").asText();
        int before = provider.refreshCalls.get();
        // a token of 2 minutes is refreshed past half its life, not at once
        assertThat(app.app().connections().refreshDue(Duration.ofMinutes(15))).isZero();
        assertThat(provider.refreshCalls.get() - before).isZero();
        app.app().db().run(conn -> {
            try (PreparedStatement ps = conn.prepareStatement("UPDATE connections SET updated_at = now() - interval '2 minutes' WHERE id = ?::uuid")) {
                ps.setString(1, id);
                return ps.executeUpdate();
            }
        });
        assertThat(app.app().connections().refreshDue(Duration.ofMinutes(15))).isGreaterThanOrEqualTo(1);
        assertThat(provider.refreshCalls.get() - before).isEqualTo(1);
        assertThat(app.app().connections().refreshDue(Duration.ofMinutes(15))).isZero();
        assertThat(provider.refreshCalls.get() - before).isEqualTo(1);
        assertThat(auditActions(id)).contains("refresh_connection");
        JsonNode t = app.json(app.get("/v1/orgs/" + org + "/connections/" + id + "/access-token", ConnectionSupport.workerToken(app, admin, org)));
        assertThat(t.get("refreshed").asBoolean()).isFalse();
        assertThat(t.get("access_token").asText()).isEqualTo(provider.latestAccess);
    }

    @Test
    void aRateLimitedProviderLeavesTheConnectionWorkingWithTheTokenItHas() {
        JsonNode c = ConnectionSupport.connect(app, admin, org, "fixture");
        String id = c.get("id").asText();
        String path = "/v1/orgs/" + org + "/connections/" + id + "/access-token?min_valid_minutes=60";
        String worker = ConnectionSupport.workerToken(app, admin, org);
        provider.failRefreshWith = 429;
        HttpResponse<String> limited;
        try {
            limited = app.get(path, worker);
        } finally {
            provider.failRefreshWith = 0;
        }
        // the token it has is still valid for most of an hour: handed out as it is, with its real expiry
        assertThat(limited.statusCode()).as(limited.body()).isEqualTo(200);
        assertThat(app.json(limited).get("refreshed").asBoolean()).isFalse();
        int calls = provider.refreshCalls.get();
        assertThat(app.json(app.get(path, worker)).get("refreshed").asBoolean()).isFalse(); // within Retry-After: not asked
        assertThat(provider.refreshCalls.get()).isEqualTo(calls);
        app.app().db().run(conn -> {
            try (PreparedStatement ps = conn.prepareStatement("UPDATE connections SET retry_not_before = now() WHERE id = ?::uuid")) {
                ps.setString(1, id);
                return ps.executeUpdate();
            }
        });
        HttpResponse<String> later = app.get(path, worker);
        assertThat(later.statusCode()).as(later.body()).isEqualTo(200);
        assertThat(app.json(later).get("refreshed").asBoolean()).isTrue();
    }

    /**
     * The crash between the provider's answer and our commit, without the kill: a holder took the lease, the provider
     * rotated the refresh token for it, and it died before storing (its lease lapsed). A rotating provider then refuses
     * the stored refresh token: the connection is marked relink_needed, not left silently broken; a provider that does
     * not rotate answers the old one and the connection simply goes on.
     */
    @Test
    void aHolderThatDiedAfterTheProviderAnsweredLeavesTheConnectionWorkingOrMarked() {
        String worker = ConnectionSupport.workerToken(app, admin, org);
        Set<String> before = Set.copyOf(provider.liveRefresh);
        String rotated = ConnectionSupport.connect(app, admin, org, "fixture").get("id").asText();
        Set<String> issued = new HashSet<>(provider.liveRefresh);
        issued.removeAll(before);
        assertThat(issued).hasSize(1);
        diedHoldingTheLease(rotated);
        provider.liveRefresh.removeAll(issued); // the provider rotated it for the holder that died
        HttpResponse<String> marked = app.get("/v1/orgs/" + org + "/connections/" + rotated + "/access-token?min_valid_minutes=60", worker);
        assertThat(marked.statusCode()).as(marked.body()).isEqualTo(409);
        assertThat(app.json(app.get("/v1/orgs/" + org + "/connections/" + rotated, admin)).get("status").asText()).isEqualTo("relink_needed");

        String kept = ConnectionSupport.connect(app, admin, org, "fixture").get("id").asText();
        diedHoldingTheLease(kept);
        provider.rotate = false;
        try {
            HttpResponse<String> fine = app.get("/v1/orgs/" + org + "/connections/" + kept + "/access-token?min_valid_minutes=60", worker);
            assertThat(fine.statusCode()).as(fine.body()).isEqualTo(200);
            assertThat(app.json(fine).get("refreshed").asBoolean()).isTrue();
        } finally {
            provider.rotate = true;
        }
    }

    /** An older sealed blob copied back over the current one (a rollback by someone with the database) does not open. */
    @Test
    void anOlderSealedTokenPutBackIsRefusedNotHandedOut() {
        JsonNode c = ConnectionSupport.connect(app, admin, org, "fixture");
        String id = c.get("id").asText();
        String worker = ConnectionSupport.workerToken(app, admin, org);
        byte[] first = sealedTokens(id);
        assertThat(app.get("/v1/orgs/" + org + "/connections/" + id + "/access-token?min_valid_minutes=60", worker).statusCode()).isEqualTo(200);
        int swapped = app.app().db().run(conn -> {
            try (PreparedStatement ps = conn.prepareStatement("UPDATE connections SET sealed_tokens = ? WHERE id = ?::uuid")) {
                ps.setBytes(1, first);
                ps.setString(2, id);
                return ps.executeUpdate();
            }
        });
        assertThat(swapped).isEqualTo(1);
        HttpResponse<String> refused = app.get("/v1/orgs/" + org + "/connections/" + id + "/access-token", worker);
        assertThat(refused.statusCode()).isEqualTo(500);
        assertThat(app.json(refused).get("error").get("code").asText()).isEqualTo("decryption_failed");
        assertThat(refused.body()).doesNotContain("fixture-access-");
    }

    private static byte[] sealedTokens(String connectionId) {
        return app.app().db().run(conn -> {
            try (PreparedStatement ps = conn.prepareStatement("SELECT sealed_tokens FROM connections WHERE id = ?::uuid")) {
                ps.setString(1, connectionId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getBytes(1);
                }
            }
        });
    }

    /** A holder took the lease (the fence moved) and never came back: its lease has lapsed. */
    private static void diedHoldingTheLease(String connectionId) {
        int updated = app.app().db().run(conn -> {
            try (PreparedStatement ps = conn.prepareStatement(
                    "UPDATE connections SET fence = fence + 1, lease_until = now() - interval '1 second' WHERE id = ?::uuid")) {
                ps.setString(1, connectionId);
                return ps.executeUpdate();
            }
        });
        assertThat(updated).isEqualTo(1);
    }

    @Test
    void invalidGrantMarksTheConnectionForRelinkAndAReconnectKeepsItsId() {
        JsonNode c = ConnectionSupport.connect(app, admin, org, "fixture");
        String id = c.get("id").asText();
        String worker = ConnectionSupport.workerToken(app, admin, org);
        provider.revokeConsent();
        HttpResponse<String> refused = app.get("/v1/orgs/" + org + "/connections/" + id + "/access-token?min_valid_minutes=60", worker);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(409);
        assertThat(app.json(refused).get("error").get("code").asText()).isEqualTo("relink_needed");
        assertThat(app.json(app.get("/v1/orgs/" + org + "/connections/" + id, admin)).get("status").asText()).isEqualTo("relink_needed");
        assertThat(auditActions(id)).contains("connection_relink_needed");
        Map<String, String> back = ConnectionSupport.consent(ConnectionSupport.start(app, admin, org, "fixture",
                "{\"connection_id\":\"" + id + "\"}"));
        JsonNode again = app.json(ConnectionSupport.callback(app, back.get("code"), back.get("state")));
        assertThat(again.get("id").asText()).isEqualTo(id);
        assertThat(again.get("status").asText()).isEqualTo("active");
        assertThat(app.get("/v1/orgs/" + org + "/connections/" + id + "/access-token", worker).statusCode()).isEqualTo(200);
    }

    /**
     * OAuth 1.0a (X Ads): the three-legged connect against the fixture, then workers get signed Authorization headers
     * that the provider accepts for exactly the request described; the token secret and the consumer secret never
     * leave, and such a connection hands out no bearer token.
     */
    @Test
    void anOAuth1ConnectionSignsRequestsForWorkersWithoutGivingAwayItsSecrets() throws Exception {
        String consent = ConnectionSupport.start(app, admin, org, "fixture_x", "{}");
        assertThat(consent).contains("/oauth1/authorize?oauth_token=temp-");
        Map<String, String> back;
        try (java.net.http.HttpClient plain = java.net.http.HttpClient.newBuilder().followRedirects(java.net.http.HttpClient.Redirect.NEVER).build()) {
            HttpResponse<String> r = plain.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(consent)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(302);
            back = ProviderFixture.parse(java.net.URI.create(r.headers().firstValue("Location").orElseThrow()).getRawQuery());
        }
        HttpResponse<String> done = app.get("/v1/connections/callback?oauth_token=" + ConnectionSupport.enc(back.get("oauth_token"))
                + "&oauth_verifier=" + ConnectionSupport.enc(back.get("oauth_verifier")));
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        JsonNode c = app.json(done);
        assertThat(c.get("status").asText()).isEqualTo("active");
        assertThat(c.get("metadata").get("screen_name").asText()).isEqualTo("acme");
        String id = c.get("id").asText();
        // the same temporary credential again: used up
        assertThat(app.get("/v1/connections/callback?oauth_token=" + ConnectionSupport.enc(back.get("oauth_token"))
                + "&oauth_verifier=" + ConnectionSupport.enc(back.get("oauth_verifier"))).statusCode()).isEqualTo(400);

        String worker = ConnectionSupport.workerToken(app, admin, org);
        String api = provider.base() + "/oauth1/api/12/accounts?count=5&q=a%20b";
        HttpResponse<String> signed = app.postJson("/v1/orgs/" + org + "/connections/" + id + "/sign",
                app.body(Map.of("method", "POST", "url", api, "params", Map.of("name", "Spring sale*"))), worker);
        assertThat(signed.statusCode()).as(signed.body()).isEqualTo(200);
        String authorization = app.json(signed).get("authorization").asText();
        assertThat(authorization).startsWith("OAuth ").contains("oauth_signature_method=\"HMAC-SHA1\"");
        for (String secret : provider.tokenSecrets.values()) {
            assertThat(signed.body()).doesNotContain(secret);
        }
        assertThat(signed.body()).doesNotContain(ProviderFixture.CLIENT_SECRET);
        try (java.net.http.HttpClient plain = java.net.http.HttpClient.newHttpClient()) {
            java.util.function.BiFunction<String, String, Integer> call = (url, form) -> {
                try {
                    return plain.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).header("Authorization", authorization)
                            .header("Content-Type", "application/x-www-form-urlencoded")
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            assertThat(call.apply(api, "name=Spring%20sale%2A")).as("the provider accepts the signed request").isEqualTo(200);
            assertThat(call.apply(api.replace("count=5", "count=6"), "name=Spring%20sale%2A")).as("another query").isEqualTo(401);
            assertThat(call.apply(api, "name=Autumn")).as("another body").isEqualTo(401);
        }
        // no bearer token from a signing connection, no signature from a bearer one, bad descriptions refused
        HttpResponse<String> bearer = app.get("/v1/orgs/" + org + "/connections/" + id + "/access-token", worker);
        assertThat(bearer.statusCode()).isEqualTo(409);
        assertThat(app.json(bearer).get("error").get("code").asText()).isEqualTo("unsupported_auth_mode");
        String oauth2 = ConnectionSupport.connect(app, admin, org, "fixture").get("id").asText();
        assertThat(app.postJson("/v1/orgs/" + org + "/connections/" + oauth2 + "/sign",
                app.body(Map.of("method", "GET", "url", api)), worker).statusCode()).isEqualTo(409);
        assertThat(app.postJson("/v1/orgs/" + org + "/connections/" + id + "/sign",
                app.body(Map.of("method", "TRACE", "url", api)), worker).statusCode()).isEqualTo(400);
        assertThat(app.postJson("/v1/orgs/" + org + "/connections/" + id + "/sign",
                app.body(Map.of("method", "GET", "url", "ftp://example.com/x")), worker).statusCode()).isEqualTo(400);
        assertThat(app.postJson("/v1/orgs/" + org + "/connections/" + id + "/sign",
                app.body(Map.of("method", "GET", "url", api)), app.login(userWithRole("viewer"), "Viewer-Password-123!")).statusCode())
                .as("use:connections needed").isEqualTo(403);
        assertThat(auditActions(id)).contains("connect", "connection_sign");
        assertThat(provider.tokenSecrets).isNotEmpty();
        // sealed at rest: neither the token nor its secret in the row
        String stored = new String(sealedTokens(id), StandardCharsets.ISO_8859_1);
        for (String secret : provider.tokenSecrets.values()) {
            assertThat(stored).doesNotContain(secret);
        }
        for (String token : provider.tokenSecrets.keySet()) {
            assertThat(stored).doesNotContain(token);
        }
        // never logged, never audited
        String audited = app.app().db().run(conn -> {
            StringBuilder all = new StringBuilder();
            try (PreparedStatement ps = conn.prepareStatement("SELECT t::text FROM audit_events t"); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    all.append(rs.getString(1)).append('\n');
                }
            }
            return all.toString();
        });
        for (String secret : provider.tokenSecrets.values()) {
            assertThat(logs.text()).doesNotContain(secret);
            assertThat(audited).doesNotContain(secret);
        }
        assertThat(audited).doesNotContain("temp-secret-").doesNotContain(ProviderFixture.CLIENT_SECRET);
        assertThat(logs.text()).doesNotContain("temp-secret-").doesNotContain(ProviderFixture.CLIENT_SECRET);
    }

    /** A client-credentials provider: connected at once, no consent; new tokens come from the org's client, through the lease. */
    @Test
    void aClientCredentialsProviderIsConnectedAtOnceAndItsTokensRenewed() {
        int before = provider.clientCredentialsCalls.get();
        HttpResponse<String> made = app.postJson("/v1/orgs/" + org + "/connections/fixture_cc/connect", "{}", admin);
        assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
        JsonNode m = app.json(made);
        assertThat(m.has("authorize_url")).isFalse();
        String id = m.get("connection_id").asText();
        assertThat(provider.clientCredentialsCalls.get() - before).isEqualTo(1);
        assertThat(app.json(app.get("/v1/orgs/" + org + "/connections/" + id, admin)).get("status").asText()).isEqualTo("active");
        String worker = ConnectionSupport.workerToken(app, admin, org);
        JsonNode cached = app.json(app.get("/v1/orgs/" + org + "/connections/" + id + "/access-token", worker));
        assertThat(cached.get("refreshed").asBoolean()).isFalse();
        assertThat(provider.issuedAccess).contains(cached.get("access_token").asText());
        // more than it has left (1 hour asked, 1 hour issued minus the time since): a new token from the client
        JsonNode renewed = app.json(app.get("/v1/orgs/" + org + "/connections/" + id + "/access-token?min_valid_minutes=60", worker));
        assertThat(renewed.get("refreshed").asBoolean()).isTrue();
        assertThat(renewed.get("access_token").asText()).isNotEqualTo(cached.get("access_token").asText());
        assertThat(provider.clientCredentialsCalls.get() - before).isEqualTo(2);
        assertThat(auditActions(id)).contains("connect", "refresh_connection", "connection_access_token");
    }

    @Test
    void disconnectRevokesAtTheProviderAndForgetsTheTokens() {
        JsonNode c = ConnectionSupport.connect(app, admin, org, "fixture");
        String id = c.get("id").asText();
        int revokedBefore = provider.revoked.size();
        HttpResponse<String> gone = app.delete("/v1/orgs/" + org + "/connections/" + id, admin);
        assertThat(gone.statusCode()).as(gone.body()).isEqualTo(200);
        assertThat(app.json(gone).get("status").asText()).isEqualTo("disconnected");
        assertThat(provider.revoked.size()).isEqualTo(revokedBefore + 1);
        assertThat(app.delete("/v1/orgs/" + org + "/connections/" + id, admin).statusCode()).isEqualTo(200);
        String worker = ConnectionSupport.workerToken(app, admin, org);
        assertThat(app.get("/v1/orgs/" + org + "/connections/" + id + "/access-token", worker).statusCode()).isEqualTo(409);
        boolean forgotten = app.app().db().run(conn -> {
            try (PreparedStatement ps = conn.prepareStatement("SELECT sealed_tokens IS NULL FROM connections WHERE id = ?::uuid")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getBoolean(1);
                }
            }
        });
        assertThat(forgotten).isTrue();
    }

    /** Read the tables: no token, client secret or state in any column; and no token in logs or the audit trail. */
    @Test
    void secretsAreSealedAtRestAndNeverLoggedOrAudited() {
        JsonNode c = ConnectionSupport.connect(app, admin, org, "fixture");
        String worker = ConnectionSupport.workerToken(app, admin, org);
        String token = app.json(app.get("/v1/orgs/" + org + "/connections/" + c.get("id").asText() + "/access-token", worker))
                .get("access_token").asText();
        List<String> secrets = new ArrayList<>(provider.issuedAccess);
        secrets.addAll(provider.liveRefresh);
        secrets.add(ProviderFixture.CLIENT_SECRET);
        assertThat(secrets).contains(token);
        String tables = app.app().db().run(conn -> {
            StringBuilder all = new StringBuilder();
            for (String table : List.of("connections", "connection_apps", "connection_sessions", "audit_events")) {
                try (PreparedStatement ps = conn.prepareStatement("SELECT t::text FROM " + table + " t");
                     ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        all.append(rs.getString(1)).append('\n');
                    }
                }
            }
            try (PreparedStatement ps = conn.prepareStatement("SELECT sealed_tokens FROM connections WHERE sealed_tokens IS NOT NULL");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    all.append(new String(rs.getBytes(1), StandardCharsets.ISO_8859_1)).append('\n');
                }
            }
            return all.toString();
        });
        assertThat(tables).contains(c.get("id").asText());
        for (String s : secrets) {
            assertThat(tables).doesNotContain(s);
            assertThat(logs.text()).doesNotContain(s);
        }
        assertThat(tables).doesNotContain("fixture-access-").doesNotContain("fixture-refresh-");
    }

    private static String userWithRole(String role) {
        String email = role + "-" + UUID.randomUUID() + "@example.test";
        app.createUser(admin, org, email, "Viewer-Password-123!", role);
        return email;
    }

    private static List<String> auditActions(String connectionId) {
        return app.app().db().run(conn -> {
            try (PreparedStatement ps = conn.prepareStatement("SELECT action FROM audit_events WHERE resource = ? ORDER BY id")) {
                ps.setString(1, "connection:" + connectionId);
                List<String> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
                return out;
            }
        });
    }
}
