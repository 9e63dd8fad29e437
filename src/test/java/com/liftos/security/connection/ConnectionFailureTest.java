package com.liftos.security.connection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.TestApp;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * How connections meet a failing provider, against {@link ProviderFixture}: transient errors retried with backoff,
 * a provider still failing or answering 429 not asked again before its time by anyone (the still-valid token handed
 * out meanwhile, else 503 with Retry-After), a provider's refresh budget (the catalogue's refresh_rate_limit) never
 * overspent, invalid_grant marking the connection relink_needed with a signed webhook, and many failing connections
 * of one provider opening one incident.
 */
class ConnectionFailureTest {
    static final String WEBHOOK_SECRET = "connection-webhook-secret-0123456789";
    static ProviderFixture provider;
    static TestApp app;
    static HttpServer receiver;
    static final List<byte[]> bodies = new CopyOnWriteArrayList<>();
    static final List<String> signatures = new CopyOnWriteArrayList<>();
    static String admin;
    static UUID org;
    static String worker;

    @BeforeAll
    static void start() throws Exception {
        provider = new ProviderFixture();
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", ex -> {
            bodies.add(ex.getRequestBody().readAllBytes());
            signatures.add(ex.getRequestHeaders().getFirst("X-LiftOS-Signature"));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        receiver.start();
        Path dir = Files.createTempDirectory("liftos-connection-failure-test");
        app = TestApp.start(Map.of("LIFTOS_CONNECTION_PROVIDERS_FILE", provider.catalogue(dir).toString(),
                "LIFTOS_CONNECTION_REFRESH_AHEAD_MINUTES", "0",
                "LIFTOS_ALERT_WEBHOOK_URLS", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook",
                "LIFTOS_ALERT_WEBHOOK_SECRET", WEBHOOK_SECRET, "LIFTOS_ALERT_RETRY_BASE_MS", "50"));
        admin = app.loginAdmin();
        org = app.adminOrgId();
        ConnectionSupport.registerApp(app, admin, org, "fixture");
        ConnectionSupport.registerApp(app, admin, org, "fixture_limited");
        worker = ConnectionSupport.workerToken(app, admin, org);
    }

    @AfterAll
    static void stop() {
        app.close();
        receiver.stop(0);
        provider.close();
    }

    private static HttpResponse<String> handOut(String id) {
        return app.get("/v1/orgs/" + org + "/connections/" + id + "/access-token?min_valid_minutes=60", worker);
    }

    @Test
    void transientProviderErrorsAreRetriedAndTheWorkerGetsAFreshToken() {
        String id = ConnectionSupport.connect(app, admin, org, "fixture").get("id").asText();
        int before = provider.refreshCalls.get();
        provider.failNext.set(2); // two 503s, then it answers
        HttpResponse<String> r = handOut(id);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(app.json(r).get("refreshed").asBoolean()).isTrue();
        assertThat(provider.refreshCalls.get() - before).isEqualTo(3);
    }

    @Test
    void aProviderStillFailingIsNotAskedAgainBeforeItsBackoffByAnyCaller() {
        String id = ConnectionSupport.connect(app, admin, org, "fixture").get("id").asText();
        int before = provider.refreshCalls.get();
        provider.failNext.set(1_000);
        try {
            // three tries, then the token the connection has (still valid for most of an hour) is handed out
            HttpResponse<String> first = handOut(id);
            assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
            assertThat(app.json(first).get("refreshed").asBoolean()).isFalse();
            assertThat(provider.refreshCalls.get() - before).isEqualTo(3);
            assertThat(lastFailure(id)).isEqualTo("provider answered 503");
            // within the backoff nobody asks the provider; a token about to end is not handed out: 503 + Retry-After
            sql("UPDATE connections SET access_expires_at = now() + interval '30 seconds', retry_not_before = now() + interval '40 seconds' "
                    + "WHERE id = '" + id + "'");
            HttpResponse<String> second = handOut(id);
            assertThat(second.statusCode()).as(second.body()).isEqualTo(503);
            assertThat(app.json(second).get("error").get("code").asText()).isEqualTo("provider_unavailable");
            assertThat(Long.parseLong(second.headers().firstValue("Retry-After").orElseThrow())).isBetween(30L, 40L);
            assertThat(provider.refreshCalls.get() - before).isEqualTo(3);
        } finally {
            provider.failNext.set(0);
        }
        sql("UPDATE connections SET retry_not_before = now() - interval '1 second' WHERE id = '" + id + "'");
        HttpResponse<String> later = handOut(id);
        assertThat(later.statusCode()).as(later.body()).isEqualTo(200);
        assertThat(app.json(later).get("refreshed").asBoolean()).isTrue();
        assertThat(lastFailure(id)).isNull();
    }

    @Test
    void a429sRetryAfterHoldsEveryCallerBackWithoutCallingTheProvider() {
        String id = ConnectionSupport.connect(app, admin, org, "fixture").get("id").asText();
        sql("UPDATE connections SET access_expires_at = now() + interval '30 seconds' WHERE id = '" + id + "'");
        int before = provider.refreshCalls.get();
        provider.failRefreshWith = 429;
        try {
            HttpResponse<String> limited = handOut(id);
            assertThat(limited.statusCode()).as(limited.body()).isEqualTo(503);
            assertThat(app.json(limited).get("error").get("code").asText()).isEqualTo("provider_rate_limited");
            assertThat(limited.headers().firstValue("Retry-After")).contains("7");
            assertThat(provider.refreshCalls.get() - before).isEqualTo(1); // a 429 is not retried at once
            HttpResponse<String> again = handOut(id);
            assertThat(again.statusCode()).isEqualTo(503);
            assertThat(Long.parseLong(again.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 7L);
            assertThat(provider.refreshCalls.get() - before).isEqualTo(1);
        } finally {
            provider.failRefreshWith = 0;
        }
    }

    @Test
    void theProvidersRefreshBudgetIsNeverOverspent() {
        provider.expiresIn = 600;
        String id;
        try {
            id = ConnectionSupport.connect(app, admin, org, "fixture_limited").get("id").asText();
            int before = provider.refreshCalls.get();
            for (int i = 0; i < 2; i++) {
                sql("UPDATE connections SET last_refreshed_at = now() - interval '1 minute' WHERE id = '" + id + "'");
                HttpResponse<String> r = handOut(id);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                assertThat(app.json(r).get("refreshed").asBoolean()).isTrue();
            }
            assertThat(provider.refreshCalls.get() - before).isEqualTo(2);
            // budget (2 per 10 minutes) spent: the token it has (10 minutes left) is handed out, the provider not asked
            sql("UPDATE connections SET last_refreshed_at = now() - interval '1 minute' WHERE id = '" + id + "'");
            HttpResponse<String> cached = handOut(id);
            assertThat(cached.statusCode()).as(cached.body()).isEqualTo(200);
            assertThat(app.json(cached).get("refreshed").asBoolean()).isFalse();
            // and when that token is about to end: 503 until the budget's window ends
            sql("UPDATE connections SET access_expires_at = now() + interval '30 seconds' WHERE id = '" + id + "'");
            HttpResponse<String> spent = handOut(id);
            assertThat(spent.statusCode()).as(spent.body()).isEqualTo(503);
            assertThat(app.json(spent).get("error").get("code").asText()).isEqualTo("provider_rate_limited");
            assertThat(Long.parseLong(spent.headers().firstValue("Retry-After").orElseThrow())).isBetween(500L, 600L);
            assertThat(provider.refreshCalls.get() - before).isEqualTo(2);
        } finally {
            provider.expiresIn = 3600;
        }
    }

    @Test
    void connectingAndDisconnectingAreSentToTheWebhooksAsSignedEvents() throws Exception {
        String id = ConnectionSupport.connect(app, admin, org, "fixture").get("id").asText();
        HttpResponse<String> gone = app.delete("/v1/orgs/" + org + "/connections/" + id, admin);
        assertThat(gone.statusCode()).as(gone.body()).isLessThan(300);
        for (String action : List.of("\"connect\"", "\"disconnect\"")) {
            long deadline = System.currentTimeMillis() + 15_000;
            int found = -1;
            while (found < 0 && System.currentTimeMillis() < deadline) {
                for (int i = 0; i < bodies.size(); i++) {
                    String body = new String(bodies.get(i), StandardCharsets.UTF_8);
                    if (body.contains("connection:" + id) && body.contains(action)) {
                        found = i;
                    }
                }
                Thread.sleep(100);
            }
            assertThat(found).as("a webhook for " + action).isNotNegative();
            JsonNode payload = new com.fasterxml.jackson.databind.ObjectMapper().readTree(bodies.get(found));
            assertThat(payload.get("type").asText()).as("below high risk").isEqualTo("security_event");
            String[] parts = signatures.get(found).split(",");
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(WEBHOOK_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((parts[0].substring(2) + ".").getBytes(StandardCharsets.US_ASCII));
            assertThat(MessageDigest.isEqual(HexFormat.of().parseHex(parts[1].substring(3)), mac.doFinal(bodies.get(found)))).isTrue();
            assertThat(new String(bodies.get(found), StandardCharsets.UTF_8)).doesNotContain("fixture-refresh-").doesNotContain("fixture-access-");
        }
    }

    /**
     * Revoked consent at the provider for many connections at once: each is relink_needed (audited, a signed webhook),
     * and the provider gets one org-less incident.
     */
    @Test
    void revokedConsentMarksRelinkSendsASignedWebhookAndManyAtOnceOpenAProviderIncident() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < TokenHandOut.PROVIDER_FAILURES; i++) {
            ids.add(ConnectionSupport.connect(app, admin, org, "fixture").get("id").asText());
        }
        provider.revokeConsent();
        for (String id : ids) {
            HttpResponse<String> r = handOut(id);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
            assertThat(app.json(r).get("error").get("code").asText()).isEqualTo("relink_needed");
        }
        assertThat(sqlText("SELECT status FROM connections WHERE id = '" + ids.get(0) + "'")).isEqualTo("relink_needed");
        // the signed webhook of the first one
        String wanted = "connection:" + ids.get(0);
        long deadline = System.currentTimeMillis() + 15_000;
        int found = -1;
        while (found < 0 && System.currentTimeMillis() < deadline) {
            for (int i = 0; i < bodies.size(); i++) {
                String body = new String(bodies.get(i), StandardCharsets.UTF_8);
                if (body.contains(wanted) && body.contains("connection_relink_needed")) {
                    found = i;
                }
            }
            Thread.sleep(100);
        }
        assertThat(found).as("a webhook for the relink").isNotNegative();
        byte[] body = bodies.get(found);
        String[] parts = signatures.get(found).split(",");
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(WEBHOOK_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        mac.update((parts[0].substring(2) + ".").getBytes(StandardCharsets.US_ASCII));
        assertThat(MessageDigest.isEqual(HexFormat.of().parseHex(parts[1].substring(3)), mac.doFinal(body))).isTrue();
        JsonNode event = app.json(app.get("/v1/orgs/" + org + "/connections/" + ids.get(0), admin));
        assertThat(event.get("status").asText()).isEqualTo("relink_needed");
        assertThat(new String(body, StandardCharsets.UTF_8)).doesNotContain("fixture-refresh-").doesNotContain("fixture-access-");
        // one incident for the provider, whatever the number of failures
        long deadlineIncident = System.currentTimeMillis() + 10_000;
        while (sqlCount("SELECT count(*) FROM incidents WHERE type = 'connection_provider_failures' AND subject = 'provider:fixture' "
                + "AND org_id IS NULL") == 0 && System.currentTimeMillis() < deadlineIncident) {
            Thread.sleep(100);
        }
        assertThat(sqlCount("SELECT count(*) FROM incidents WHERE type = 'connection_provider_failures' AND subject = 'provider:fixture' "
                + "AND org_id IS NULL")).isEqualTo(1);
    }

    private static String lastFailure(String id) {
        return sqlText("SELECT last_failure FROM connections WHERE id = '" + id + "'");
    }

    private static void sql(String statement) {
        int n = app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement(statement)) {
                return ps.executeUpdate();
            }
        });
        assertThat(n).isEqualTo(1);
    }

    private static String sqlText(String query) {
        return app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement(query); ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        });
    }

    private static long sqlCount(String query) {
        return app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement(query); ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }
}
