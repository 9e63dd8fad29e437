package com.liftos.security.compliance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.TestApp;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/orgs/{orgId}/audit/events}: services write events into their organization's chain, which then
 * verifies; a retry under one Idempotency-Key writes once; other organizations, users and accounts without the
 * permission are refused; bad input is named by its place and nothing of the batch is written.
 */
class AuditIngestionTest {
    static TestApp app;
    static UUID org;
    static String writer;
    static UUID writerId;

    @BeforeAll
    static void start() {
        app = TestApp.start();
        org = app.adminOrgId();
        JsonNode sa = account(org, "event-writer", List.of("write:audit_events"));
        writerId = UUID.fromString(sa.get("id").asText());
        writer = token(sa);
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    static JsonNode account(UUID orgId, String name, List<String> permissions) {
        return app.createServiceAccount(orgId, name, permissions);
    }

    static String token(JsonNode sa) {
        return app.clientCredentialsToken(sa);
    }

    static HttpResponse<String> post(UUID orgId, String body, String bearer, String idempotencyKey) {
        HttpRequest.Builder b = app.request("/v1/orgs/" + orgId + "/audit/events").header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + bearer);
        if (idempotencyKey != null) {
            b.header("Idempotency-Key", idempotencyKey);
        }
        return app.send(b.POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    static String batch(String marker, int n) {
        List<Map<String, Object>> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            events.add(Map.of("event_type", "api_key_accessed", "action", "sync_fetch", "resource", "meta:" + marker + ":" + i,
                    "user_id", UUID.randomUUID().toString(), "ip_address", "198.51.100.7", "risk_level", "low",
                    "details", Map.of("provider", "meta", "job", marker)));
        }
        return app.body(Map.of("events", events));
    }

    static List<JsonNode> eventsOf(String marker) {
        HttpResponse<String> r = app.get("/v1/orgs/" + org + "/audit?type=api_key_accessed&actor=" + writerId + "&limit=1000", app.loginAdmin());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<JsonNode> out = new ArrayList<>();
        app.json(r).get("events").forEach(e -> {
            if (marker.equals(e.get("details").path("job").asText())) {
                out.add(e);
            }
        });
        return out;
    }

    @Test
    void eventsLandInTheOrganizationsChainWithTheServiceAccountAsActorAndTheChainVerifies() {
        HttpResponse<String> r = post(org, batch("first", 3), writer, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode body = app.json(r);
        assertThat(body.get("accepted").asInt()).isEqualTo(3);
        assertThat(body.get("replayed").asBoolean()).isFalse();

        List<JsonNode> stored = eventsOf("first");
        assertThat(stored).hasSize(3);
        for (JsonNode e : stored) {
            assertThat(e.get("actor_id").asText()).isEqualTo(writerId.toString());
            assertThat(e.get("actor_type").asText()).isEqualTo("service_account");
            assertThat(e.get("org_id").asText()).isEqualTo(org.toString());
            assertThat(e.get("details").get("source").asText()).isEqualTo("service");
            // The end user's address is a personal detail, never the record's client_ip the detectors count by.
            assertThat(e.path("client_ip").isMissingNode() || e.path("client_ip").isNull()).isTrue();
            assertThat(e.get("details").get("ip_address").asText()).isEqualTo("198.51.100.7");
        }
        JsonNode verified = app.json(app.postJson("/v1/orgs/" + org + "/audit/verify", "", app.loginAdmin()));
        assertThat(verified.get("status").asText()).as(verified.toString()).isEqualTo("intact");
    }

    @Test
    void aRetryUnderTheSameKeyWritesNothingAndAnotherBodyUnderItIsRefused() {
        String key = "batch-" + UUID.randomUUID();
        String body = batch("retry", 4);
        HttpResponse<String> first = post(org, body, writer, key);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        HttpResponse<String> again = post(org, body, writer, key);
        assertThat(again.statusCode()).as(again.body()).isEqualTo(201);
        assertThat(again.headers().firstValue("Idempotent-Replayed")).contains("true");
        assertThat(app.json(again).get("replayed").asBoolean()).isTrue();
        assertThat(app.json(again).get("event_ids")).isEqualTo(app.json(first).get("event_ids"));
        assertThat(eventsOf("retry")).hasSize(4);

        HttpResponse<String> other = post(org, batch("retry", 1), writer, key);
        assertThat(other.statusCode()).as(other.body()).isEqualTo(409);
        assertThat(other.body()).contains("idempotency_key_reused");
        assertThat(eventsOf("retry")).hasSize(4);
    }

    @Test
    void concurrentRetriesUnderOneKeyWriteOnce() throws Exception {
        String key = "race-" + UUID.randomUUID();
        String body = batch("race", 5);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Callable<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                calls.add(() -> post(org, body, writer, key));
            }
            Set<String> answers = new HashSet<>();
            for (Future<HttpResponse<String>> f : pool.invokeAll(calls)) {
                HttpResponse<String> r = f.get();
                assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
                answers.add(app.json(r).get("event_ids").toString());
            }
            assertThat(answers).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
        assertThat(eventsOf("race")).hasSize(5);
    }

    @Test
    void anotherOrganizationIsNotFound() {
        UUID other = app.createOrg(app.loginAdmin(), "Ingest Other " + UUID.randomUUID());
        HttpResponse<String> r = post(other, batch("elsewhere", 1), writer, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
        assertThat(post(UUID.randomUUID(), batch("elsewhere", 1), writer, null).statusCode()).isEqualTo(404);
    }

    @Test
    void usersAndAccountsWithoutThePermissionAreRefused() {
        HttpResponse<String> admin = post(org, batch("admin", 1), app.loginAdmin(), null);
        assertThat(admin.statusCode()).as(admin.body()).isEqualTo(403);
        assertThat(admin.body()).contains("service_account_required");
        String reader = token(account(org, "reader-" + UUID.randomUUID(), List.of("view:audit_logs")));
        HttpResponse<String> r = post(org, batch("reader", 1), reader, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
        assertThat(r.body()).contains("forbidden");
        assertThat(post(org, batch("anonymous", 1), "not-a-token", null).statusCode()).isEqualTo(401);
    }

    @Test
    void badInputIsNamedByItsPlaceAndNothingOfTheBatchIsWritten() {
        String body = app.body(Map.of("events", List.of(
                Map.of("event_type", "api_key_accessed", "details", Map.of("job", "bad")),
                Map.of("event_type", "org_created", "details", Map.of("job", "bad")),
                Map.of("event_type", "login_failure", "risk_level", "extreme"),
                Map.of("event_type", "login_failure", "ip_address", "example.com"),
                Map.of("event_type", "login_failure", "details", Map.of("source", "forged")),
                Map.of("event_type", "login_failure", "user_id", "not-a-uuid", "color", "blue"))));
        HttpResponse<String> r = post(org, body, writer, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(r.body()).contains("validation_failed", "events[1].event_type", "events[2].risk_level",
                "events[3].ip_address", "events[4].details", "events[5].");
        assertThat(eventsOf("bad")).isEmpty();

        assertThat(post(org, "{\"events\":[]}", writer, null).body()).contains("events: an array of 1 to 500");
        assertThat(post(org, batch("many", 501), writer, null).statusCode()).isEqualTo(400);
        assertThat(post(org, "[{\"event_type\":\"login_failure\"}]", writer, null).statusCode()).isEqualTo(400);
        assertThat(post(org, "{\"events\":[{\"event_type\":7}]}", writer, null).body()).contains("events[0].event_type");
        HttpResponse<String> badKey = post(org, batch("key", 1), writer, "spaces are not allowed");
        assertThat(badKey.statusCode()).isEqualTo(400);
        assertThat(badKey.body()).contains("Idempotency-Key");
        String big = "x".repeat(5000);
        assertThat(post(org, app.body(Map.of("events", List.of(Map.of("event_type", "login_failure", "details", Map.of("note", big))))),
                writer, null).body()).contains("events[0].details");
    }

    @Test
    void secretsInDetailsAreRedactedAndHighRiskIsStoredAsSuch() {
        String body = app.body(Map.of("events", List.of(Map.of("event_type", "suspicious_activity", "risk_level", "high",
                "action", "token_replay", "details", Map.of("job", "redact", "access_token", "eyJ-canary-token-value")))));
        HttpResponse<String> r = post(org, body, writer, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        HttpResponse<String> found = app.get("/v1/orgs/" + org + "/audit?type=suspicious_activity&actor=" + writerId, app.loginAdmin());
        assertThat(found.body()).doesNotContain("eyJ-canary-token-value").contains("[redacted]", "token_replay");
        JsonNode e = app.json(found).get("events").get(0);
        assertThat(e.get("risk_level").asText()).isEqualTo("high");
        assertThat(e.get("risk_score").asDouble()).isEqualTo(0.6);
    }
}
