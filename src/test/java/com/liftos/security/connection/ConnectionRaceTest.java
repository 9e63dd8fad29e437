package com.liftos.security.connection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.TestApp;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Single flight across a fleet: three instances on one database, 100 workers asking at once for a connection whose
 * token is about to expire, a provider that rotates refresh tokens (two refreshes would kill the connection) and
 * answers slowly. Exactly one refresh reaches the provider and every worker gets the new, valid token. And the
 * fence: a lease holder that lost its lease cannot store its tokens over a later holder's.
 */
class ConnectionRaceTest {
    static ProviderFixture provider;
    static List<TestApp> fleet = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        provider = new ProviderFixture();
        // No background refresh: the workers' requests must be what refreshes.
        Map<String, String> env = Map.of("LIFTOS_CONNECTION_PROVIDERS_FILE",
                provider.catalogue(Files.createTempDirectory("liftos-connection-race")).toString(),
                "LIFTOS_CONNECTION_REFRESH_AHEAD_MINUTES", "0");
        TestApp first = TestApp.start(env);
        fleet.add(first);
        fleet.add(TestApp.startSharing(first, env, Clock.systemUTC()));
        fleet.add(TestApp.startSharing(first, env, Clock.systemUTC()));
    }

    @AfterAll
    static void stop() {
        fleet.forEach(TestApp::close);
        provider.close();
    }

    @Test
    void hundredWorkersOnThreeInstancesCauseExactlyOneRefresh() throws Exception {
        TestApp a = fleet.get(0);
        String admin = a.loginAdmin();
        UUID org = a.adminOrgId();
        ConnectionSupport.registerApp(a, admin, org, "fixture");
        provider.expiresIn = 120; // less than the 5 minutes workers ask for: the first hand-out must refresh
        JsonNode c = ConnectionSupport.connect(a, admin, org, "fixture");
        provider.expiresIn = 3600;
        provider.delayMillis = 300;
        String worker = ConnectionSupport.workerToken(a, admin, org);
        String path = "/v1/orgs/" + org + "/connections/" + c.get("id").asText() + "/access-token";
        int before = provider.refreshCalls.get();
        ExecutorService pool = Executors.newFixedThreadPool(100);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            TestApp instance = fleet.get(i % fleet.size());
            answers.add(pool.submit(() -> {
                go.await();
                return instance.get(path, worker);
            }));
        }
        go.countDown();
        Set<String> tokens = ConcurrentHashMap.newKeySet();
        for (Future<HttpResponse<String>> f : answers) {
            HttpResponse<String> r = f.get();
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            tokens.add(a.json(r).get("access_token").asText());
        }
        pool.shutdown();
        provider.delayMillis = 0;
        assertThat(provider.refreshCalls.get() - before).isEqualTo(1);
        assertThat(tokens).containsExactly(provider.latestAccess);
        assertThat(a.json(a.get("/v1/orgs/" + org + "/connections/" + c.get("id").asText(), admin)).get("status").asText()).isEqualTo("active");
    }

    @Test
    void aStalledLeaseHolderCannotStoreOverALaterHolder() {
        TestApp a = fleet.get(0);
        String admin = a.loginAdmin();
        UUID org = a.adminOrgId();
        ConnectionSupport.registerApp(a, admin, org, "fixture");
        UUID id = UUID.fromString(ConnectionSupport.connect(a, admin, org, "fixture").get("id").asText());
        ConnectionStore store = new ConnectionStore(new com.fasterxml.jackson.databind.ObjectMapper());
        java.time.Instant now = java.time.Instant.now();
        long stalled = a.app().db().tx(conn -> store.lease(conn, id, now.minusSeconds(1), java.util.Optional.empty(), 0)); // its lease already lapsed
        long later = a.app().db().tx(conn -> store.lease(conn, id, now.plusSeconds(30), java.util.Optional.empty(), 0));
        assertThat(later).isGreaterThan(stalled);
        boolean stored = a.app().db().tx(conn -> store.storeRefreshed(conn, id, stalled, new byte[] {1}, 99, now, "{}", now));
        boolean marked = a.app().db().tx(conn -> store.markRelinkNeeded(conn, id, stalled, now));
        assertThat(stored).isFalse();
        assertThat(marked).isFalse();
        // the later holder lets go without tokens; the connection still works from any instance
        a.app().db().tx(conn -> {
            store.releaseLease(conn, id, later);
            return null;
        });
        String worker = ConnectionSupport.workerToken(a, admin, org);
        assertThat(fleet.get(1).get("/v1/orgs/" + org + "/connections/" + id + "/access-token", worker).statusCode()).isEqualTo(200);
        long generation = a.app().db().run(conn -> {
            try (PreparedStatement ps = conn.prepareStatement("SELECT token_generation FROM connections WHERE id = ?")) {
                ps.setObject(1, id);
                try (var rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
        assertThat(generation).isEqualTo(1L);
    }
}
