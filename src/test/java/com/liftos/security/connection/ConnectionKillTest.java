package com.liftos.security.connection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.testing.ServiceProcess;
import com.liftos.security.testing.TestApp;
import com.liftos.security.testing.TestDatabase;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The crash the issue names, with a real {@code kill -9}: the service (a child JVM) refreshes two connections of a
 * provider that rotates the refresh token and then holds its answer; the service is killed after the provider
 * rotated and before our commit, then started again on the same database. The connection whose old refresh token the
 * provider still accepts (a grace) recovers: the next hand-out refreshes and returns a valid token. The one whose old
 * refresh token died is marked {@code relink_needed} at its next hand-out, a clear 409: never silently broken.
 */
class ConnectionKillTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void aKillBetweenTheProvidersRotationAndOurCommitIsRecoveredOrMarkedForRelink() throws Exception {
        TestDatabase.Schema schema = TestDatabase.fresh();
        Path first = Files.createTempDirectory("liftos-connection-kill-a");
        try (ProviderFixture provider = new ProviderFixture()) {
            Map<String, String> env = Map.of("LIFTOS_CONNECTION_PROVIDERS_FILE", provider.catalogue(first).toString(),
                    "LIFTOS_CONNECTION_REFRESH_AHEAD_MINUTES", "0", "LIFTOS_PUBLIC_URL", "http://127.0.0.1:18999");
            ServiceProcess a = ServiceProcess.start(schema, first, Optional.empty(), env);
            ServiceProcess b = null;
            try {
                String admin = json.readTree(send(a, "POST", "/v1/auth/login",
                        Map.of("email", TestApp.ADMIN_EMAIL, "password", TestApp.ADMIN_PASSWORD), "").body()).get("access_token").asText();
                UUID org = UUID.fromString(json.readTree(send(a, "GET", "/v1/me", null, admin).body()).get("org_id").asText());
                HttpResponse<String> app = send(a, "PUT", "/v1/orgs/" + org + "/connection-apps/fixture",
                        Map.of("client_id", ProviderFixture.CLIENT_ID, "client_secret", ProviderFixture.CLIENT_SECRET), admin);
                assertThat(app.statusCode()).as(app.body()).isEqualTo(200);
                String lost = connect(a, admin, org);
                String graced = connect(a, admin, org);
                String worker = workerToken(a, admin, org);

                // Both refreshes reach the provider, which rotates and then holds its answers.
                CountDownLatch hold = new CountDownLatch(1);
                provider.holdAfterRotate = hold;
                for (String id : List.of(lost, graced)) {
                    int held = provider.heldPresented.size();
                    Thread.ofPlatform().daemon(true).start(() -> {
                        try {
                            send(a, "GET", tokenPath(org, id), null, worker);
                        } catch (IOException | InterruptedException expected) {
                            // the service dies under this request
                        }
                    });
                    long deadline = System.currentTimeMillis() + 10_000;
                    while (provider.heldPresented.size() == held && System.currentTimeMillis() < deadline) {
                        Thread.sleep(20);
                    }
                    assertThat(provider.heldPresented).as("the provider rotated for " + id).hasSize(held + 1);
                }
                a.process().destroyForcibly(); // SIGKILL: no shutdown hook, no commit
                assertThat(a.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
                provider.holdAfterRotate = null;
                hold.countDown(); // the answers go to a dead socket
                // The provider keeps the second connection's old refresh token for a grace; the first one's died.
                provider.liveRefresh.add(provider.heldPresented.get(1));

                b = ServiceProcess.start(schema, Files.createTempDirectory("liftos-connection-kill-b"), Optional.of(first.resolve("keys")), env);
                HttpResponse<String> marked = afterTheDeadLease(b, tokenPath(org, lost), worker);
                assertThat(marked.statusCode()).as(marked.body()).isEqualTo(409);
                assertThat(json.readTree(marked.body()).get("error").get("code").asText()).isEqualTo("relink_needed");
                assertThat(status(b, admin, org, lost)).isEqualTo("relink_needed");

                HttpResponse<String> recovered = afterTheDeadLease(b, tokenPath(org, graced), worker);
                assertThat(recovered.statusCode()).as(recovered.body()).isEqualTo(200);
                JsonNode token = json.readTree(recovered.body());
                assertThat(token.get("refreshed").asBoolean()).isTrue();
                assertThat(provider.issuedAccess).contains(token.get("access_token").asText());
                assertThat(status(b, admin, org, graced)).isEqualTo("active");
                // the refresh token the provider rotated to is the one stored: the graced one is no longer live
                assertThat(provider.liveRefresh).doesNotContain(provider.heldPresented.get(1));
                HttpResponse<String> next = send(b, "GET", tokenPath(org, graced), null, worker);
                assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
                assertThat(json.readTree(next.body()).get("access_token").asText()).isEqualTo(token.get("access_token").asText());
            } finally {
                a.process().destroyForcibly();
                if (b != null) {
                    b.process().destroyForcibly();
                }
            }
        }
    }

    private static String tokenPath(UUID org, String id) {
        return "/v1/orgs/" + org + "/connections/" + id + "/access-token?min_valid_minutes=60";
    }

    /** The dead holder's lease lapses within 30 s; until then callers are told a refresh is in progress (503). */
    private HttpResponse<String> afterTheDeadLease(ServiceProcess s, String path, String worker) throws Exception {
        long deadline = System.currentTimeMillis() + 90_000;
        HttpResponse<String> r = send(s, "GET", path, null, worker);
        while (r.statusCode() == 503 && System.currentTimeMillis() < deadline) {
            assertThat(json.readTree(r.body()).get("error").get("code").asText()).isEqualTo("refresh_in_progress");
            Thread.sleep(500);
            r = send(s, "GET", path, null, worker);
        }
        return r;
    }

    private String status(ServiceProcess s, String admin, UUID org, String id) throws Exception {
        return json.readTree(send(s, "GET", "/v1/orgs/" + org + "/connections/" + id, null, admin).body()).get("status").asText();
    }

    private String connect(ServiceProcess s, String admin, UUID org) throws Exception {
        HttpResponse<String> started = send(s, "POST", "/v1/orgs/" + org + "/connections/fixture/connect", Map.of(), admin);
        assertThat(started.statusCode()).as(started.body()).isEqualTo(201);
        Map<String, String> back = ConnectionSupport.consent(json.readTree(started.body()).get("authorize_url").asText());
        HttpResponse<String> done = send(s, "GET", "/v1/connections/callback?code=" + ConnectionSupport.enc(back.get("code"))
                + "&state=" + ConnectionSupport.enc(back.get("state")), null, "");
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        return json.readTree(done.body()).get("id").asText();
    }

    private String workerToken(ServiceProcess s, String admin, UUID org) throws Exception {
        HttpResponse<String> created = send(s, "POST", "/v1/orgs/" + org + "/service-accounts",
                Map.of("name", "kill-worker", "permissions", List.of("use:connections")), admin);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode sa = json.readTree(created.body());
        String creds = ConnectionSupport.enc(sa.get("client_id").asText()) + ":" + ConnectionSupport.enc(sa.get("client_secret").asText());
        HttpResponse<String> token = http.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + "/oauth2/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(creds.getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(token.statusCode()).as(token.body()).isEqualTo(200);
        return json.readTree(token.body()).get("access_token").asText();
    }

    private HttpResponse<String> send(ServiceProcess s, String method, String path, Object body, String bearer)
            throws IOException, InterruptedException {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(s.baseUrl() + path)).timeout(Duration.ofSeconds(60));
        r.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
        if (body != null) {
            r.header("Content-Type", "application/json");
        }
        if (!bearer.isEmpty()) {
            r.header("Authorization", "Bearer " + bearer);
        }
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }
}
