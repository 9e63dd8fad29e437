package com.liftos.security.fault;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.testing.TestApp;
import com.liftos.security.testing.ServiceProcess;
import com.liftos.security.testing.TestDatabase;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code kill -9} of one of two service processes on one database in the middle of refresh rotations and audited
 * credential writes: every caller that got a 2xx finds its write, the organization's audit chain verifies intact,
 * and the surviving instance answers every request after the kill as before.
 */
class InstanceKillTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ObjectMapper json = new ObjectMapper();


    @Test
    void killingAnInstanceLosesNoAcknowledgedWriteAndTheOtherCarriesOn() throws Exception {
        TestDatabase.Schema schema = TestDatabase.fresh();
        Path first = Files.createTempDirectory("liftos-fault-kill-a");
        ServiceProcess a = start(schema, first, Optional.empty());
        ServiceProcess b = null;
        try (HikariDataSource ds = schema.dataSource(2)) {
            b = start(schema, Files.createTempDirectory("liftos-fault-kill-b"), Optional.of(first.resolve("keys")));
            String admin = json.readTree(post(a, "/v1/auth/login", Map.of("email", TestApp.ADMIN_EMAIL, "password", TestApp.ADMIN_PASSWORD), "")
                    .body()).get("access_token").asText();
            UUID org = UUID.fromString(json.readTree(get(b, "/v1/me", admin).body()).get("org_id").asText());
            List<FaultLoad.Chain> chains = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String email = "kill-" + i + "@example.test";
                HttpResponse<String> created = post(a, "/v1/orgs/" + org + "/users",
                        Map.of("email", email, "password", "Kill-Password-1!x", "roles", List.of("viewer")), admin);
                assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
                chains.add(FaultLoad.login(http, (i % 2 == 0 ? a : b).baseUrl(), email, "Kill-Password-1!x", "device-" + i));
            }
            long killedAt;
            FaultLoad load = FaultLoad.start(List.of(a.baseUrl(), b.baseUrl()), admin, org, 4, chains, Duration.ofMillis(10));
            try (load) {
                Thread.sleep(2_000);
                killedAt = System.nanoTime();
                a.process().destroyForcibly();
                assertThat(a.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
                Thread.sleep(3_000);
            }
            String survivor = b.baseUrl();
            List<FaultLoad.Call> afterKill = load.calls(c -> c.base().equals(survivor) && c.startNanos() > killedAt);
            System.out.printf("[faults] kill -9: %d credential writes and %d rotations acknowledged by two instances; "
                            + "%d calls to the survivor after the kill%n", load.acknowledgedCredentials(), load.acknowledgedRotations(),
                    afterKill.size());
            assertThat(afterKill).as("the other instance carries on").isNotEmpty()
                    .allSatisfy(c -> assertThat(c.status()).as("%s", c).isBetween(200, 299));
            assertThat(load.lostSessions()).as("refresh families ended by the kill").isZero();
            try (Connection c = ds.getConnection()) {
                assertThat(load.lost(c)).as("acknowledged writes missing after the kill").isEqualTo(FaultLoad.Lost.NONE);
            }
            HttpResponse<String> verify = post(b, "/v1/orgs/" + org + "/audit/verify", Map.of(), admin);
            assertThat(verify.statusCode()).as(verify.body()).isEqualTo(200);
            assertThat(json.readTree(verify.body()).get("status").asText()).as(verify.body()).isEqualTo("intact");
        } finally {
            a.process().destroyForcibly();
            if (b != null) {
                b.process().destroyForcibly();
            }
        }
    }

    /** A service process; {@code sharedKeys}: the first instance's key directory. */
    private static ServiceProcess start(TestDatabase.Schema schema, Path data, Optional<Path> sharedKeys) throws IOException {
        // a rotation that committed on the killed instance is retried on the survivor: the same grant within the interval
        return ServiceProcess.start(schema, data, sharedKeys, Map.of("LIFTOS_REFRESH_REUSE_INTERVAL_SECONDS", "30"));
    }

    private HttpResponse<String> post(ServiceProcess s, String path, Map<String, ?> body, String bearer) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(s.baseUrl() + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
        if (!bearer.isEmpty()) {
            r.header("Authorization", "Bearer " + bearer);
        }
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(ServiceProcess s, String path, String bearer) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + bearer).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
