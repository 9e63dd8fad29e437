package com.liftos.security.fault;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.testing.OwnPostgres;
import com.liftos.security.testing.TestApp;
import java.net.Socket;
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
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL restarted under load (a server the test owns, never the machine's): while it is down every request is
 * answered, within the request timeout, with the one JSON error and {@code Retry-After}; once it is back the
 * service answers 200 again by itself within seconds (the time is printed: docs/perf/faults.md); and every write
 * that was acknowledged — credentials, their audit events, refresh rotations — is in the database afterwards.
 */
class PostgresRestartTest {
    /** The figure issue 17 asks for (measured: tens of milliseconds; docs/perf/faults.md). */
    static final Duration RECOVERY_BOUND = Duration.ofSeconds(2);
    /**
     * Longer than the pool's backoff needs to grow past the bound: before the pool's connections came from a
     * PatientDataSource, the first 200 came up to 5 s after the database.
     */
    static final Duration OUTAGE = Duration.ofSeconds(6);

    @Test
    void aRestartedDatabaseCostsOnly503sWithRetryAfterAndNoAcknowledgedWrite() throws Exception {
        Path dir = Files.createTempDirectory("liftos-fault-pg-restart");
        try (OwnPostgres pg = OwnPostgres.start(dir.resolve("pg"));
             TestApp app = TestApp.startOn(pg.schema(""), // a rotation committed just as the database stopped, its answer lost, is retried after the outage:
             // the same grant only within the reuse interval
             Map.of("LIFTOS_DB_POOL_SIZE", "6", "LIFTOS_REFRESH_REUSE_INTERVAL_SECONDS", "60"))) {
            String admin = app.loginAdmin();
            UUID org = app.adminOrgId();
            HttpClient http = HttpClient.newHttpClient();
            List<FaultLoad.Chain> chains = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                String email = "restart-" + i + "@example.test";
                app.createUser(admin, org, email, "Restart-Password-" + i + "!x");
                chains.add(FaultLoad.login(http, app.baseUrl(), email, "Restart-Password-" + i + "!x", "device-" + i));
            }
            long back;
            Duration recovery;
            try (FaultLoad load = FaultLoad.start(List.of(app.baseUrl()), admin, org, 3, chains, Duration.ofMillis(20))) {
                Thread.sleep(1_500);
                long down = System.nanoTime();
                pg.stop();
                Thread.sleep(OUTAGE);
                // The manifest's probes while the database is down: readiness (GET /health) says 503 within the
                // probe's 3 s timeout, liveness (a TCP connect) still succeeds, so the pod leaves the Service but
                // is not restarted.
                HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/health"))
                        .timeout(Duration.ofSeconds(3)).GET().build(), HttpResponse.BodyHandlers.ofString());
                assertThat(ready.statusCode()).as("readiness while the database is down: %s", ready.body()).isEqualTo(503);
                URI base = URI.create(app.baseUrl());
                try (Socket live = new Socket(base.getHost(), base.getPort())) {
                    assertThat(live.isConnected()).as("liveness while the database is down").isTrue();
                }
                pg.start();
                back = System.nanoTime();
                recovery = firstOk(http, app.baseUrl() + "/v1/orgs/" + org + "/credentials", admin, back);
                Thread.sleep(1_500);
                load.close();

                System.out.printf("[faults] PostgreSQL restart: back -> first 200 in %d ms; %d credential writes and %d rotations acknowledged%n",
                        recovery.toMillis(), load.acknowledgedCredentials(), load.acknowledgedRotations());
                List<FaultLoad.Call> duringOutage = load.calls(c -> c.startNanos() >= down && c.startNanos() < back);
                assertThat(duringOutage).as("calls were made while the database was down").isNotEmpty();
                assertThat(load.calls()).as("every answer is a success or the one 503 with Retry-After; nothing else")
                        .allSatisfy(c -> assertThat(c.status() < 300 || c.isServiceUnavailable()).as("%s", c).isTrue());
                assertThat(load.calls()).as("no request hangs past the request timeout")
                        .allSatisfy(c -> assertThat(c.millis()).isLessThan(FaultLoad.REQUEST_TIMEOUT.toMillis()));
                assertThat(load.lostSessions()).as("no refresh family ended by the outage").isZero();
                assertThat(load.acknowledgedCredentials()).isPositive();
                assertThat(load.acknowledgedRotations()).isPositive();
                try (Connection c = pg.connect()) {
                    assertThat(load.lost(c)).as("acknowledged writes missing after the restart").isEqualTo(FaultLoad.Lost.NONE);
                }
            }
            assertThat(recovery).as("time from the database back to the first 200").isLessThan(RECOVERY_BOUND);
            assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/health")).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).as("ready again").isEqualTo(200);
        }
    }

    /** Polls {@code url} until it answers 200; the time from {@code fromNanos}. */
    static Duration firstOk(HttpClient http, String url, String bearer, long fromNanos) throws Exception {
        long deadline = fromNanos + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                    .header("Authorization", "Bearer " + bearer).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                return Duration.ofNanos(System.nanoTime() - fromNanos);
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no 200 within 30 s of the database coming back");
    }
}
