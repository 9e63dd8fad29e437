package com.liftos.security.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.testing.TestApp;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /v1/revocations/stream}: a subscribed verifier sees a logout, a revoked access token and a disabled
 * service account within a second; it resumes from its last event id without a snapshot and misses nothing that
 * happened while it was away; a position it cannot resume from gets a snapshot that holds the revocation; callers
 * other than service accounts holding {@code subscribe:revocations} are refused.
 */
class RevocationFeedTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static TestApp app;
    static String subscriber;
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    record Event(String id, String name, JsonNode data, long receivedNanos) {}

    /** One open stream, its events read by a thread into a queue. */
    static final class Stream implements AutoCloseable {
        final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        final InputStream body;
        final int status;

        Stream(String token, String lastEventId) throws Exception {
            HttpRequest.Builder b = app.request("/v1/revocations/stream").header("Authorization", "Bearer " + token)
                    .header("Accept", "text/event-stream").timeout(Duration.ofMinutes(2));
            if (lastEventId != null) {
                b.header("Last-Event-ID", lastEventId);
            }
            HttpResponse<InputStream> r = HTTP.send(b.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            this.status = r.statusCode();
            this.body = r.body();
            if (status == 200) {
                assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
                Thread.ofVirtual().start(this::read);
            }
        }

        private void read() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                String id = null;
                String name = null;
                StringBuilder data = new StringBuilder();
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.isEmpty()) {
                        if (name != null) {
                            events.add(new Event(id, name, JSON.readTree(data.toString()), System.nanoTime()));
                        }
                        id = null;
                        name = null;
                        data.setLength(0);
                    } else if (line.startsWith("id: ")) {
                        id = line.substring(4);
                    } else if (line.startsWith("event: ")) {
                        name = line.substring(7);
                    } else if (line.startsWith("data: ")) {
                        data.append(line.substring(6));
                    }
                }
            } catch (Exception e) {
                // closed by the test
            }
        }

        Event next() throws InterruptedException {
            Event e = events.poll(5, TimeUnit.SECONDS);
            assertThat(e).as("an event within 5 s").isNotNull();
            return e;
        }

        /** The next event about {@code id}, skipping others (other tests' revocations). */
        Event nextAbout(String id) throws InterruptedException {
            while (true) {
                Event e = next();
                if (!e.name().equals("snapshot") && e.data().get("id").asText().equals(id)) {
                    return e;
                }
            }
        }

        @Override
        public void close() throws Exception {
            body.close();
        }
    }

    @BeforeAll
    static void start() {
        app = TestApp.start();
        subscriber = serviceToken(app.adminOrgId(), "verifier", List.of("subscribe:revocations"));
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    static JsonNode account(UUID org, String name, List<String> permissions) {
        return app.createServiceAccount(org, name, permissions);
    }

    static String token(JsonNode sa) {
        return app.clientCredentialsToken(sa);
    }

    static String serviceToken(UUID org, String name, List<String> permissions) {
        return token(account(org, name + "-" + UUID.randomUUID(), permissions));
    }

    static JsonNode claims(String jwt) throws Exception {
        return JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
    }

    static String newUserSession() {
        String email = "feed-" + UUID.randomUUID() + "@example.test";
        app.createUser(app.loginAdmin(), app.adminOrgId(), email, "Feed-Password-123!", "viewer");
        return app.login(email, "Feed-Password-123!");
    }

    @Test
    void aLogoutReachesTheSubscriberWithinASecond() throws Exception {
        try (Stream s = new Stream(subscriber, null)) {
            assertThat(s.status).isEqualTo(200);
            Event snapshot = s.next();
            assertThat(snapshot.name()).isEqualTo("snapshot");
            assertThat(snapshot.data().has("revoked_jtis")).isTrue();
            assertThat(snapshot.data().has("ended_sessions")).isTrue();

            String user = newUserSession();
            String sid = claims(user).get("sid").asText();
            long before = System.nanoTime();
            assertThat(app.postJson("/v1/auth/logout", "", user).statusCode()).isIn(200, 204);
            Event ended = s.nextAbout(sid);
            assertThat(ended.name()).isEqualTo("session_ended");
            assertThat(Duration.ofNanos(ended.receivedNanos() - before)).isLessThan(Duration.ofSeconds(1));
        }
    }

    @Test
    void aRevokedAccessTokenAndADisabledServiceAccountReachTheSubscriber() throws Exception {
        try (Stream s = new Stream(subscriber, null)) {
            assertThat(s.next().name()).isEqualTo("snapshot");
            String user = newUserSession();
            String jti = claims(user).get("jti").asText();
            HttpResponse<String> revoked = app.send(app.request("/oauth2/revoke").header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("token=" + user)).build());
            assertThat(revoked.statusCode()).isEqualTo(200);
            assertThat(s.nextAbout(jti).name()).isEqualTo("token_revoked");

            JsonNode other = account(app.adminOrgId(), "doomed-" + UUID.randomUUID(), List.of("view:audit_logs"));
            String id = other.get("id").asText();
            HttpResponse<String> disabled = app.send(app.request("/v1/orgs/" + app.adminOrgId() + "/service-accounts/" + id)
                    .header("Authorization", "Bearer " + app.loginAdmin()).DELETE().build());
            assertThat(disabled.statusCode()).as(disabled.body()).isIn(200, 204);
            assertThat(s.nextAbout(id).name()).isEqualTo("service_account_disabled");
        }
    }

    @Test
    void aSubscriberResumesFromItsLastEventAndMissesNothingWhileAway() throws Exception {
        String lastId;
        String first = newUserSession();
        try (Stream s = new Stream(subscriber, null)) {
            assertThat(s.next().name()).isEqualTo("snapshot");
            app.postJson("/v1/auth/logout", "", first);
            lastId = s.nextAbout(claims(first).get("sid").asText()).id();
        }
        String away = newUserSession();
        app.postJson("/v1/auth/logout", "", away);
        try (Stream s = new Stream(subscriber, lastId)) {
            Event e = s.next();
            assertThat(e.name()).as("resumed without a snapshot").isNotEqualTo("snapshot");
            List<String> seen = new ArrayList<>();
            seen.add(e.data().get("id").asText());
            String sid = claims(away).get("sid").asText();
            while (!seen.contains(sid)) {
                Event n = s.next();
                assertThat(n.name()).isNotEqualTo("snapshot");
                seen.add(n.data().get("id").asText());
            }
        }
        // A position of another epoch (another instance, a restart): a snapshot, which holds what happened, or is
        // one taken moments earlier (shared by subscribers arriving together) and followed by what happened since.
        String gone = newUserSession();
        app.postJson("/v1/auth/logout", "", gone);
        String sid = claims(gone).get("sid").asText();
        try (Stream s = new Stream(subscriber, UUID.randomUUID() + ":5")) {
            Event snapshot = s.next();
            assertThat(snapshot.name()).isEqualTo("snapshot");
            if (!snapshot.data().get("ended_sessions").toString().contains(sid)) {
                assertThat(s.nextAbout(sid).name()).isEqualTo("session_ended");
            }
        }
        Thread.sleep(1100);
        try (Stream s = new Stream(subscriber, null)) {
            assertThat(s.next().data().get("ended_sessions").toString()).contains(sid);
        }
    }

    /** Introspection carries what require_low_risk needs downstream: the request-independent score and the login network. */
    @Test
    void introspectionCarriesTheRiskInputs() throws Exception {
        String email = "risky-" + UUID.randomUUID() + "@example.test";
        app.createUser(app.loginAdmin(), app.adminOrgId(), email, "Risky-Password-123!", "viewer");
        assertThat(app.postJson("/v1/auth/login", app.body(Map.of("email", email, "password", "wrong-password-1!"))).statusCode()).isEqualTo(401);
        String user = app.login(email, "Risky-Password-123!");
        JsonNode sa = account(app.adminOrgId(), "introspector-" + UUID.randomUUID(), List.of("view:audit_logs"));
        String creds = URLEncoder.encode(sa.get("client_id").asText(), StandardCharsets.UTF_8) + ":"
                + URLEncoder.encode(sa.get("client_secret").asText(), StandardCharsets.UTF_8);
        HttpResponse<String> r = app.send(app.request("/oauth2/introspect").header("Content-Type", "application/x-www-form-urlencoded")
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(creds.getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString("token=" + user)).build());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = app.json(r);
        assertThat(body.get("active").asBoolean()).isTrue();
        assertThat(body.get("risk_signals").toString()).contains("failed_logins");
        assertThat(body.get("risk_score").asDouble()).isGreaterThanOrEqualTo(0.1);
        assertThat(body.get("login_network").asText()).isEqualTo("127.0.0.0/24");
        assertThat(body.get("amr").toString()).contains("pwd");
        assertThat(body.get("auth_time").asLong()).isPositive();
    }

    @Test
    void onlyServiceAccountsHoldingThePermissionSubscribe() throws Exception {
        try (Stream admin = new Stream(app.loginAdmin(), null)) {
            assertThat(admin.status).isEqualTo(403);
        }
        try (Stream reader = new Stream(serviceToken(app.adminOrgId(), "reader", List.of("view:audit_logs")), null)) {
            assertThat(reader.status).isEqualTo(403);
        }
        try (Stream none = new Stream("not-a-token", null)) {
            assertThat(none.status).isEqualTo(401);
        }
        HttpResponse<String> bad = app.send(app.request("/v1/revocations/stream?after=nonsense")
                .header("Authorization", "Bearer " + subscriber).GET().build());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("invalid_parameter");
        // An org admin cannot hand the feed to a service account: it is a platform permission.
        UUID org = app.createOrg(app.loginAdmin(), "Feed Org " + UUID.randomUUID());
        String email = "feed-admin-" + UUID.randomUUID() + "@example.test";
        app.createUser(app.loginAdmin(), org, email, "Feed-Admin-Password-1!", "admin");
        HttpResponse<String> refused = app.postJson("/v1/orgs/" + org + "/service-accounts",
                app.body(Map.of("name", "sneaky", "permissions", List.of("subscribe:revocations"))), app.login(email, "Feed-Admin-Password-1!"));
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
    }
}
