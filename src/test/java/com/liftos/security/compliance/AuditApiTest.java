package com.liftos.security.compliance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.audit.AuditTrail;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.testing.TestApp;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The audit and compliance API over real HTTP, with events produced by their real triggers where they exist. */
class AuditApiTest {
    static final String WEBHOOK_SECRET = "webhook-secret-for-tests-0123456789";
    static TestApp app;
    static HttpServer receiver;
    static final List<Received> received = new CopyOnWriteArrayList<>();
    static final AtomicInteger failuresLeft = new AtomicInteger(2);
    static String admin;
    static UUID org;

    record Received(String signature, byte[] body, int answered) {}

    @BeforeAll
    static void start() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            int status = failuresLeft.getAndDecrement() > 0 ? 500 : 204;
            received.add(new Received(ex.getRequestHeaders().getFirst("X-LiftOS-Signature"), body, status));
            ex.sendResponseHeaders(status, -1);
            ex.close();
        });
        receiver.start();
        app = TestApp.start(Map.of(
                "LIFTOS_ALERT_WEBHOOK_URLS", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook",
                "LIFTOS_ALERT_WEBHOOK_SECRET", WEBHOOK_SECRET,
                "LIFTOS_ALERT_RETRY_BASE_MS", "50"));
        admin = app.loginAdmin();
        org = app.adminOrgId();
    }

    @AfterAll
    static void stop() {
        app.close();
        receiver.stop(0);
    }

    static JsonNode search(String query) {
        HttpResponse<String> r = app.get("/v1/orgs/" + org + "/audit" + query, admin);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return app.json(r);
    }

    static Set<String> typesIn(JsonNode page) {
        Set<String> types = new HashSet<>();
        page.get("events").forEach(e -> types.add(e.get("type").asText()));
        return types;
    }

    @Test
    void realTriggersProduceTheirEventsAndSearchFindsThem() {
        // LOGIN_FAILURE: a wrong password.
        HttpResponse<String> bad = app.postJson("/v1/auth/login", app.body(Map.of("email", TestApp.ADMIN_EMAIL, "password", "Not-The-Password-1!")));
        assertThat(bad.statusCode()).isEqualTo(401);
        // USER_CREATED, LOGIN_SUCCESS, NEW_DEVICE: a new user logs in.
        String email = "viewer-" + UUID.randomUUID() + "@example.test";
        app.createUser(admin, org, email, "Viewer-Password-123!", "viewer");
        String viewer = app.login(email, "Viewer-Password-123!");
        // PERMISSION_DENIED: a viewer may not read the audit log (view:audit_logs).
        assertThat(app.get("/v1/orgs/" + org + "/audit", viewer).statusCode()).isEqualTo(403);
        // DATA_EXPORT: an export.
        assertThat(app.get("/v1/orgs/" + org + "/audit/export?format=jsonl", admin).statusCode()).isEqualTo(200);

        for (String type : List.of("login_failure", "user_created", "login_success", "permission_denied", "data_export", "org_created")) {
            JsonNode page = search("?type=" + type + "&limit=50");
            assertThat(typesIn(page)).as(type).containsExactly(type);
        }
        JsonNode denied = search("?type=permission_denied&success=false").get("events").get(0);
        assertThat(denied.get("actor_type").asText()).isEqualTo("user");
        assertThat(denied.get("details").get("required").asText()).isEqualTo("view:audit_logs");
        assertThat(denied.get("request_id").asText()).isNotBlank();
        assertThat(denied.get("hash").asText()).hasSize(64);
        JsonNode failure = search("?type=login_failure").get("events").get(0);
        assertThat(failure.toString()).doesNotContain("Not-The-Password");
        assertThat(app.json(app.postJson("/v1/orgs/" + org + "/audit/verify", "{}", admin)).get("status").asText()).isEqualTo("intact");
    }

    @Test
    void vaultOperationsProduceTheApiKeyEventsWithoutTheSecret() {
        String canary = "shpat_CANARY" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String base = "/v1/orgs/" + org + "/credentials/shopify";
        String keyName = "audit-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> fields = Map.of("shop_domain", "acme-store.myshopify.com", "access_token", canary);
        assertThat(app.putJson(base + "/" + keyName, app.body(fields), admin).statusCode()).isEqualTo(201);
        assertThat(app.get(base + "/" + keyName + "/secret", admin).statusCode()).isEqualTo(200);
        assertThat(app.postJson(base + "/" + keyName + "/rotate",
                app.body(Map.of("shop_domain", "acme-store.myshopify.com", "access_token", canary + "x")), admin).statusCode()).isEqualTo(200);
        assertThat(app.delete(base + "/" + keyName, admin).statusCode()).isIn(200, 204);
        for (String type : List.of("api_key_created", "api_key_accessed", "api_key_rotated", "api_key_revoked")) {
            JsonNode page = search("?type=" + type + "&provider=shopify");
            assertThat(page.get("events").size()).as(type).isGreaterThanOrEqualTo(1);
            assertThat(page.get("events").get(0).get("details").get("key_name").asText()).as(type).isEqualTo(keyName);
        }
        HttpResponse<String> export = app.get("/v1/orgs/" + org + "/audit/export?format=jsonl&provider=shopify", admin);
        assertThat(export.body()).contains(keyName).doesNotContain("CANARY");
        long deadline = System.currentTimeMillis() + 5_000;
        String metrics = app.get("/metrics").body();
        while (!metrics.contains("provider=\"shopify\"") && System.currentTimeMillis() < deadline) {
            metrics = app.get("/metrics").body();
        }
        assertThat(metrics).contains("liftos_api_key_usage_total{provider=\"shopify\",success=\"true\",type=\"api_key_rotated\"}")
                .doesNotContain("CANARY").doesNotContain(keyName);
    }

    @Test
    void theSeedsThreeExampleQueriesAreOneRequestEach() {
        AuditTrail trail = app.app().audit().trail();
        AuditTrail.Origin origin = AuditTrail.Origin.user(org, UUID.randomUUID()).from("198.51.100.7", "JUnit", "req-q");
        trail.logApiKeyAccess(origin, "meta", "default", "retrieve", true);
        trail.logApiKeyAccess(origin, "meta", "default", "retrieve", true);
        trail.logApiKeyAccess(origin, "stripe", "billing", "retrieve", true);
        trail.logSuspiciousActivity(origin, "impossible_travel", 0.75, Map.of("country_change", "DE->BR"));
        app.postJson("/v1/auth/login", app.body(Map.of("email", TestApp.ADMIN_EMAIL, "password", "Wrong-Again-123!")));

        // Failed logins in the last 24 hours.
        JsonNode failed = search("?type=login_failure&since=24h");
        assertThat(failed.get("events").size()).isGreaterThanOrEqualTo(1);
        assertThat(typesIn(failed)).containsExactly("login_failure");
        // High-risk events (risk_score > 0.7).
        JsonNode high = search("?min_risk=0.7");
        assertThat(typesIn(high)).contains("suspicious_activity");
        high.get("events").forEach(e -> assertThat(e.get("risk_score").asDouble()).isGreaterThanOrEqualTo(0.7));
        // API key access by provider in the last 7 days.
        HttpResponse<String> r = app.get("/v1/orgs/" + org + "/audit/summary?type=api_key_accessed&since=7d&group_by=provider", admin);
        assertThat(r.statusCode()).isEqualTo(200);
        Map<String, Long> counts = new java.util.HashMap<>();
        app.json(r).get("groups").forEach(g -> counts.put(g.get("key").asText(), g.get("count").asLong()));
        assertThat(counts).containsEntry("meta", 2L).containsEntry("stripe", 1L);
    }

    @Test
    void cursorPaginationWalksEveryRecordOnce() {
        AuditTrail trail = app.app().audit().trail();
        UUID actor = UUID.randomUUID();
        for (int i = 0; i < 7; i++) {
            trail.logSecurityEvent(SecurityEventType.SENSITIVE_DATA_ACCESS, AuditTrail.Origin.user(org, actor), "read_report",
                    true, Map.of("n", i), 0.2);
        }
        Set<String> seen = new HashSet<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = search("?actor=" + actor + "&limit=3" + (cursor == null ? "" : "&cursor=" + cursor));
            page.get("events").forEach(e -> assertThat(seen.add(e.get("event_id").asText())).isTrue());
            JsonNode next = page.path("next_cursor");
            cursor = next.isMissingNode() || next.isNull() ? null : next.asText();
            pages++;
        } while (cursor != null);
        assertThat(seen).hasSize(7);
        assertThat(pages).isEqualTo(3);
    }

    @Test
    void badParametersAreClear400s() {
        for (String q : List.of("?type=bogus", "?since=yesterday", "?min_risk=2", "?actor=abc", "?cursor=x1", "?limit=0",
                "?success=maybe", "?provider=" + URLEncoder.encode("a'b", StandardCharsets.UTF_8))) {
            HttpResponse<String> r = app.get("/v1/orgs/" + org + "/audit" + q, admin);
            assertThat(r.statusCode()).as(q).isEqualTo(400);
            assertThat(app.json(r).at("/error/code").asText()).as(q).isEqualTo("invalid_parameter".equals(app.json(r).at("/error/code").asText()) ? "invalid_parameter" : "invalid_cursor");
        }
        assertThat(app.get("/v1/orgs/" + org + "/audit/export?format=xml", admin).statusCode()).isEqualTo(400);
        assertThat(app.get("/v1/orgs/" + org + "/audit/summary?group_by=password", admin).statusCode()).isEqualTo(400);
    }

    @Test
    void otherOrganizationsAuditIsInvisible() {
        UUID other = app.createOrg(admin, "Other " + UUID.randomUUID());
        String email = "admin-" + UUID.randomUUID() + "@example.test";
        app.createUser(admin, other, email, "Other-Admin-Pass-1!", "admin");
        String otherAdmin = app.login(email, "Other-Admin-Pass-1!");
        assertThat(app.get("/v1/orgs/" + org + "/audit", otherAdmin).statusCode()).isEqualTo(404);
        assertThat(app.get("/v1/orgs/" + org + "/compliance/report", otherAdmin).statusCode()).isEqualTo(404);
        assertThat(app.postJson("/v1/orgs/" + org + "/audit/verify", "{}", otherAdmin).statusCode()).isEqualTo(404);
    }

    @Test
    void exportStreamsCsvAndJsonlWithTheFiltersAndIsAudited() {
        AuditTrail trail = app.app().audit().trail();
        UUID actor = UUID.randomUUID();
        trail.logSecurityEvent(SecurityEventType.BULK_DATA_ACCESS, AuditTrail.Origin.user(org, actor), "=cmd|' /C calc'!A0",
                true, Map.of("rows", 10), 0.5);
        trail.logSecurityEvent(SecurityEventType.BULK_DATA_ACCESS, AuditTrail.Origin.user(org, actor), "bulk, \"quoted\"",
                true, Map.of("rows", 20), 0.5);
        HttpResponse<String> csv = app.get("/v1/orgs/" + org + "/audit/export?format=csv&actor=" + actor, admin);
        assertThat(csv.statusCode()).isEqualTo(200);
        assertThat(csv.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/csv");
        String[] lines = csv.body().split("\r\n");
        assertThat(lines).hasSize(3);
        assertThat(lines[0]).startsWith("seq,event_id,timestamp,type");
        assertThat(lines[1]).contains(",'=cmd|' /C calc'!A0,");
        assertThat(lines[2]).contains("\"bulk, \"\"quoted\"\"\"");
        HttpResponse<String> jsonl = app.get("/v1/orgs/" + org + "/audit/export?format=jsonl&actor=" + actor, admin);
        assertThat(jsonl.body().lines().count()).isEqualTo(2);
        jsonl.body().lines().forEach(l -> assertThat(app.json(new FakeResponse(l)).get("type").asText()).isEqualTo("bulk_data_access"));
        JsonNode exports = search("?type=data_export&limit=1").get("events").get(0);
        assertThat(exports.get("details").get("filters").get("actor").asText()).isEqualTo(actor.toString());
    }

    @Test
    void complianceReportMapsTheFiveControlsToLiveEvidence() {
        HttpResponse<String> r = app.get("/v1/orgs/" + org + "/compliance/report", admin);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode report = app.json(r);
        List<String> ids = new ArrayList<>();
        report.get("controls").forEach(c -> ids.add(c.get("id").asText()));
        assertThat(ids).containsExactly("CC6.1", "CC6.2", "CC6.3", "CC6.7", "CC6.8");
        JsonNode cc61 = report.get("controls").get(0).get("evidence");
        assertThat(cc61.get("role_assignments").get("super_admin").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(cc61.at("/mfa_adoption/active_users").asLong()).as(cc61.toString()).isGreaterThanOrEqualTo(1);
        assertThat(cc61.at("/mfa_adoption/users_with_mfa").isNumber()).as(cc61.toString()).isTrue();
        JsonNode cc62 = report.get("controls").get(1).get("evidence");
        assertThat(cc62.get("password_policy").get("min_length").asInt()).isEqualTo(12);
        assertThat(cc62.at("/credentials_due_for_rotation/rotation_days").asInt()).as(cc62.toString()).isEqualTo(90);
        assertThat(cc62.at("/credentials_due_for_rotation/due_for_rotation").isNumber()).as(cc62.toString()).isTrue();
        JsonNode cc68 = report.get("controls").get(4).get("evidence");
        assertThat(cc68.get("audit_chain").get("status").asText()).isEqualTo("intact");
        assertThat(cc68.get("alert_webhooks_configured").asInt()).isEqualTo(1);
        assertThat(report.get("controls").get(3).get("evidence").get("require_https").asBoolean()).isFalse();

        HttpResponse<String> html = app.send(app.request("/v1/orgs/" + org + "/compliance/report")
                .header("Authorization", "Bearer " + admin).header("Accept", "text/html").GET().build());
        assertThat(html.statusCode()).isEqualTo(200);
        assertThat(html.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
        assertThat(html.body()).contains("CC6.8").contains("System monitoring").doesNotContain("<script");
        assertThat(html.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("style-src 'sha256-");
    }

    @Test
    void complianceHtmlEscapesEverything() {
        String hostile = "<script>alert(1)</script>\"'&";
        String html = ComplianceRoutes.html(Map.of("org_id", hostile, "framework", hostile, "generated_at", hostile,
                "period", Map.of("from", hostile, "to", hostile),
                "controls", List.of(Map.of("id", hostile, "title", hostile, "implementation", hostile, "status", hostile,
                        "findings", List.of(hostile), "evidence", Map.of(hostile, hostile))))).toString();
        assertThat(html).doesNotContain("<script>").contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;");
    }

    @Test
    void highRiskEventsReachTheWebhookSignedAndAreRetriedAfter500() throws Exception {
        AuditTrail trail = app.app().audit().trail();
        long t0 = System.nanoTime();
        SecurityEvent e = trail.logSuspiciousActivity(AuditTrail.Origin.user(org, UUID.randomUUID()), "credential_stuffing", 0.9,
                Map.of("attempts", 40));
        // Recording never waits for the webhook.
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(2_000);
        long deadline = System.currentTimeMillis() + 20_000;
        while (received.stream().noneMatch(x -> x.answered() == 204 && new String(x.body(), StandardCharsets.UTF_8).contains(e.eventId().toString()))
                && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        List<Received> forEvent = received.stream().filter(x -> new String(x.body(), StandardCharsets.UTF_8).contains(e.eventId().toString())).toList();
        assertThat(forEvent).extracting(Received::answered).containsExactly(500, 500, 204);
        for (Received x : forEvent) {
            String[] parts = x.signature().split(",");
            String t = parts[0].substring(2);
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(WEBHOOK_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((t + ".").getBytes(StandardCharsets.US_ASCII));
            byte[] expected = mac.doFinal(x.body());
            assertThat(MessageDigest.isEqual(HexFormat.of().parseHex(parts[1].substring(3)), expected)).isTrue();
            // A tampered body does not verify.
            byte[] tampered = x.body().clone();
            tampered[tampered.length / 2] ^= 1;
            mac.update((t + ".").getBytes(StandardCharsets.US_ASCII));
            assertThat(MessageDigest.isEqual(mac.doFinal(tampered), expected)).isFalse();
        }
        JsonNode payload = app.json(new FakeResponse(new String(forEvent.getLast().body(), StandardCharsets.UTF_8)));
        assertThat(payload.get("type").asText()).isEqualTo("security_alert");
        assertThat(payload.get("event").get("risk_level").asText()).isEqualTo("critical");
        // Every attempt is recorded.
        List<Integer> statuses = app.app().db().run(c -> {
            List<Integer> s = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT d.status_code FROM audit_webhook_deliveries d JOIN audit_alert_outbox o ON o.id = d.outbox_id
                    WHERE o.event_id = ? ORDER BY d.attempt""")) {
                ps.setObject(1, e.eventId());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        s.add(rs.getInt(1));
                    }
                }
            }
            return s;
        });
        assertThat(statuses).containsExactly(500, 500, 204);
    }

    @Test
    void metricsCountAuthEventsAndKeyUsageWithBoundedLabels() {
        app.app().audit().trail().logApiKeyAccess(AuditTrail.Origin.user(org, UUID.randomUUID()), "some-made-up-provider-" + UUID.randomUUID(),
                "k", "retrieve", true);
        app.postJson("/v1/auth/login", app.body(Map.of("email", TestApp.ADMIN_EMAIL, "password", "Wrong-Metrics-1!")));
        long deadline = System.currentTimeMillis() + 5_000;
        String metrics = "";
        while (System.currentTimeMillis() < deadline) {
            metrics = app.get("/metrics").body();
            if (metrics.contains("liftos_auth_events_total{success=\"false\",type=\"login_failure\"}")
                    && metrics.contains("provider=\"other\"")) {
                break;
            }
        }
        assertThat(metrics).contains("liftos_auth_events_total{success=\"false\",type=\"login_failure\"}")
                .contains("liftos_api_key_usage_total{provider=\"other\",success=\"true\",type=\"api_key_accessed\"}")
                .doesNotContain("some-made-up-provider").doesNotContain(org.toString());
    }

    /** Lets {@link TestApp#json} parse a webhook body. */
    private record FakeResponse(String body) implements HttpResponse<String> {
        public int statusCode() { return 200; }
        public java.net.http.HttpRequest request() { return null; }
        public java.util.Optional<HttpResponse<String>> previousResponse() { return java.util.Optional.empty(); }
        public java.net.http.HttpHeaders headers() { return java.net.http.HttpHeaders.of(Map.of(), (a, b) -> true); }
        public java.util.Optional<javax.net.ssl.SSLSession> sslSession() { return java.util.Optional.empty(); }
        public java.net.URI uri() { return java.net.URI.create("http://127.0.0.1/"); }
        public java.net.http.HttpClient.Version version() { return java.net.http.HttpClient.Version.HTTP_1_1; }
    }
}
