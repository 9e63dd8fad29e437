package com.liftos.security.fault;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.testing.OwnPostgres;
import com.liftos.security.testing.TcpProxy;
import com.liftos.security.testing.TestApp;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A slow database (a {@link TcpProxy} between the service and a PostgreSQL the test owns): a stall longer than the
 * pool's connection timeout, and a pool too small for the queries that hold it. Either way requests get the clean
 * 503 with {@code Retry-After} within the timeouts instead of hanging, live threads stay bounded, and the service
 * recovers by itself once the database is fast again, without losing an acknowledged write.
 */
class SlowDatabaseTest {
    /** The driver gives up on a silent database after this long (the service default is 30 s). */
    static final int SOCKET_TIMEOUT_SECONDS = 3;
    /** Database.pool's connection timeout. */
    static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(5);
    /** Longest a request may wait for the database before its 503: a connection, then one read. */
    static final Duration FAILS_WITHIN = CONNECTION_TIMEOUT.plusSeconds(2 * SOCKET_TIMEOUT_SECONDS + 2);
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

    @Test
    void aStalledDatabaseGivesClean503sWithoutAThreadPileUpAndRecovers() throws Exception {
        Path dir = Files.createTempDirectory("liftos-fault-stall");
        try (OwnPostgres pg = OwnPostgres.start(dir.resolve("pg"));
             TcpProxy proxy = TcpProxy.to(pg.port());
             TestApp app = TestApp.startOn(pg.schemaVia(proxy.port(), "socketTimeout=" + SOCKET_TIMEOUT_SECONDS),
                     // A rotation whose commit got through but whose answer the stall turned into a 503 is retried by the
                     // client after the stall: only within the reuse interval is that the same grant, not reuse.
                     Map.of("LIFTOS_DB_POOL_SIZE", "4", "LIFTOS_REFRESH_REUSE_INTERVAL_SECONDS", "60"))) {
            String admin = app.loginAdmin();
            UUID org = app.adminOrgId();
            List<FaultLoad.Chain> chains = chains(app, admin, org, 2);
            FaultLoad load = FaultLoad.start(List.of(app.baseUrl()), admin, org, 6, chains, Duration.ofMillis(20));
            int before;
            int during;
            int after;
            Duration recovery;
            long stalledAt;
            long resumedAt;
            try (load) {
                Thread.sleep(1_500);
                before = threads.getThreadCount();
                stalledAt = System.nanoTime();
                proxy.stall();
                during = peakThreads(Duration.ofSeconds(CONNECTION_TIMEOUT.toSeconds() + 3));
                proxy.resume();
                resumedAt = System.nanoTime();
                recovery = PostgresRestartTest.firstOk(HttpClient.newHttpClient(), app.baseUrl() + "/v1/orgs/" + org + "/credentials",
                        admin, resumedAt);
                Thread.sleep(2_000);
            }
            Thread.sleep(1_000);
            after = threads.getThreadCount();
            List<FaultLoad.Call> unavailable = load.calls(c -> c.status() == 503);
            long slowest = unavailable.stream().mapToLong(FaultLoad.Call::millis).max().orElse(0);
            System.out.printf("[faults] stalled database: %d calls during the stall, %d answered 503 (slowest %d ms, median %d ms); "
                            + "live threads before %d, peak during %d, after %d; resumed -> first 200 in %d ms%n",
                    load.calls(c -> c.startNanos() >= stalledAt && c.startNanos() < resumedAt).size(), unavailable.size(), slowest,
                    median(unavailable), before, during, after, recovery.toMillis());
            assertThat(unavailable).as("requests during the stall were refused").isNotEmpty();
            assertThat(load.calls()).as("every answer is a success or the one 503 with Retry-After, within the timeouts")
                    .allSatisfy(c -> {
                        assertThat(c.status() < 300 || c.isServiceUnavailable()).as("%s", c).isTrue();
                        assertThat(c.millis()).as("%s", c).isLessThan(FAILS_WITHIN.toMillis());
                    });
            assertThat(load.lostSessions()).isZero();
            assertThat(during).as("threads during the stall (before: %d)", before).isLessThan(before + 40);
            assertThat(after).as("threads after recovery (before: %d)", before).isLessThan(before + 20);
            assertThat(recovery).isLessThan(Duration.ofSeconds(5));
            try (Connection c = pg.connect()) {
                assertThat(load.lost(c)).isEqualTo(FaultLoad.Lost.NONE);
            }
        }
    }

    @Test
    void anExhaustedPoolGivesClean503sAndRecovers() throws Exception {
        Path dir = Files.createTempDirectory("liftos-fault-pool");
        try (OwnPostgres pg = OwnPostgres.start(dir.resolve("pg"));
             TcpProxy proxy = TcpProxy.to(pg.port());
             TestApp app = TestApp.startOn(pg.schemaVia(proxy.port(), "socketTimeout=" + SOCKET_TIMEOUT_SECONDS),
                     Map.of("LIFTOS_DB_POOL_SIZE", "2"))) {
            String admin = app.loginAdmin();
            UUID org = app.adminOrgId();
            FaultLoad load = FaultLoad.start(List.of(app.baseUrl()), admin, org, 16, List.of(), Duration.ofMillis(5));
            int before;
            Duration recovery;
            long resumedAt;
            try (load) {
                Thread.sleep(1_000);
                before = threads.getThreadCount();
                // every round trip slow: the two connections are held far longer than the connection timeout allows the others to wait
                proxy.latency(Duration.ofMillis(400));
                Thread.sleep(CONNECTION_TIMEOUT.toMillis() + 4_000);
                proxy.resume();
                resumedAt = System.nanoTime();
                recovery = PostgresRestartTest.firstOk(HttpClient.newHttpClient(), app.baseUrl() + "/v1/orgs/" + org + "/credentials",
                        admin, resumedAt);
                Thread.sleep(1_500);
            }
            List<FaultLoad.Call> unavailable = load.calls(c -> c.status() == 503);
            System.out.printf("[faults] exhausted pool (2 connections, 400 ms a round trip, 16 writers): %d of %d calls answered 503 "
                            + "(slowest %d ms); live threads before %d, after %d; fast again -> first 200 in %d ms%n",
                    unavailable.size(), load.calls().size(), unavailable.stream().mapToLong(FaultLoad.Call::millis).max().orElse(0),
                    before, threads.getThreadCount(), recovery.toMillis());
            assertThat(unavailable).as("a starved pool refuses instead of queueing without end").isNotEmpty();
            // a write that got a connection makes many slow round trips: only the refusals are bounded by the pool's timeout
            assertThat(load.calls()).allSatisfy(c -> assertThat(c.status() < 300 || c.isServiceUnavailable()).as("%s", c).isTrue());
            assertThat(unavailable).allSatisfy(c -> assertThat(c.millis()).as("%s", c).isLessThan(FAILS_WITHIN.toMillis()));
            assertThat(recovery).isLessThan(Duration.ofSeconds(5));
            assertThat(load.calls(c -> c.startNanos() > resumedAt + Duration.ofSeconds(1).toNanos() && c.status() == 201))
                    .as("writes succeed again").isNotEmpty();
            try (Connection c = pg.connect()) {
                assertThat(load.lost(c)).isEqualTo(FaultLoad.Lost.NONE);
            }
        }
    }

    private int peakThreads(Duration span) throws InterruptedException {
        int peak = 0;
        long end = System.nanoTime() + span.toNanos();
        while (System.nanoTime() < end) {
            peak = Math.max(peak, threads.getThreadCount());
            Thread.sleep(100);
        }
        return peak;
    }

    private static long median(List<FaultLoad.Call> calls) {
        long[] ms = calls.stream().mapToLong(FaultLoad.Call::millis).sorted().toArray();
        return ms.length == 0 ? 0 : ms[ms.length / 2];
    }

    static List<FaultLoad.Chain> chains(TestApp app, String admin, UUID org, int n) throws Exception {
        AtomicInteger i = new AtomicInteger();
        List<FaultLoad.Chain> chains = new ArrayList<>();
        HttpClient http = HttpClient.newHttpClient();
        for (int k = 0; k < n; k++) {
            String email = "chain-" + i.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 6) + "@example.test";
            app.createUser(admin, org, email, "Chain-Password-1!x");
            chains.add(FaultLoad.login(http, app.baseUrl(), email, "Chain-Password-1!x", "device-" + k));
        }
        return chains;
    }
}
