package com.liftos.security.connection;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.testing.TestApp;
import java.nio.file.Files;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Figure, not a unit test (run by name): {@code liftos.bench.connections} (default 10,000) connections whose tokens
 * end within one minute, all due at once, refreshed by one instance's proactive pass (its bounded pool of
 * refreshers) against the local rotating {@link ProviderFixture}: every one refreshed before its token ended, with
 * exactly one provider call each (a second call with a rotated refresh token would be refused by the fixture).
 * {@code ./mvnw -q -o test -Dtest=ConnectionRefreshBench -Dsurefire.failIfNoSpecifiedTests=false}
 */
class ConnectionRefreshBench {
    @Test
    void tenThousandConnectionsEndingWithinAMinuteAreAllRefreshedInTime() throws Exception {
        int n = Integer.getInteger("liftos.bench.connections", 10_000);
        try (ProviderFixture provider = new ProviderFixture();
             TestApp app = TestApp.start(Map.of("LIFTOS_CONNECTION_PROVIDERS_FILE",
                     provider.catalogue(Files.createTempDirectory("liftos-connection-refresh-bench")).toString(),
                     "LIFTOS_CONNECTION_REFRESH_AHEAD_MINUTES", "0", "LIFTOS_DB_POOL_SIZE", "24"))) {
            String admin = app.loginAdmin();
            UUID org = app.adminOrgId();
            ConnectionSupport.registerApp(app, admin, org, "fixture");
            String first = ConnectionSupport.connect(app, admin, org, "fixture").get("id").asText();
            UUID createdBy = app.app().db().run(c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT created_by FROM connections WHERE id = ?::uuid")) {
                    ps.setString(1, first);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        return rs.getObject(1, UUID.class);
                    }
                }
            });
            ConnectionSecrets sealing = app.app().connections().sealing();
            ConnectionStore store = new ConnectionStore(new com.fasterxml.jackson.databind.ObjectMapper());
            Instant seeded = Instant.now();
            Map<UUID, Instant> expiry = new HashMap<>();
            // tokens issued an hour ago, ending 30-60 s from now
            app.app().db().tx(c -> {
                for (int i = 0; i < n; i++) {
                    UUID id = UUID.randomUUID();
                    String refresh = "bench-refresh-" + id;
                    provider.liveRefresh.add(refresh);
                    Instant ends = seeded.plusMillis(30_000 + (30_000L * i) / n);
                    expiry.put(id, ends);
                    store.insert(c, id, org, "fixture", Map.of(), "{}", "read", sealing.sealTokens(org, id, 1,
                            new Tokens("bench-access-" + id, Optional.of(refresh))), 1, Optional.of(ends), createdBy, seeded);
                }
                try (PreparedStatement ps = c.prepareStatement("UPDATE connections SET updated_at = now() - interval '1 hour' "
                        + "WHERE org_id = ? AND refresh_count = 0")) {
                    ps.setObject(1, org);
                    ps.executeUpdate();
                }
                return null;
            });
            // seeding took a while: move every expiry by that, so they end 30-60 s from the start of the pass
            Duration shift = Duration.between(seeded, Instant.now());
            app.app().db().tx(c -> {
                try (PreparedStatement ps = c.prepareStatement("UPDATE connections SET access_expires_at = access_expires_at + ? * interval '1 millisecond' "
                        + "WHERE org_id = ? AND refresh_count = 0 AND id <> ?::uuid")) {
                    ps.setLong(1, shift.toMillis());
                    ps.setObject(2, org);
                    ps.setString(3, first);
                    ps.executeUpdate();
                }
                return null;
            });
            expiry.replaceAll((id, at) -> at.plus(shift));
            System.out.printf("seeded %d connections in %.1f s%n", n, shift.toMillis() / 1000.0);
            int callsBefore = provider.refreshCalls.get();
            long t0 = System.nanoTime();
            int refreshed = app.app().connections().refreshDue(Duration.ofMinutes(15));
            double seconds = (System.nanoTime() - t0) / 1e9;
            int calls = provider.refreshCalls.get() - callsBefore;
            AtomicInteger late = new AtomicInteger();
            AtomicInteger notOnce = new AtomicInteger();
            java.util.concurrent.atomic.AtomicLong minMarginMillis = new java.util.concurrent.atomic.AtomicLong(Long.MAX_VALUE);
            app.app().db().run(c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT id, refresh_count, last_refreshed_at FROM connections "
                        + "WHERE org_id = ? AND id = ANY (?)")) {
                    ps.setObject(1, org);
                    ps.setArray(2, c.createArrayOf("uuid", expiry.keySet().toArray()));
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            Timestamp at = rs.getTimestamp(3);
                            if (rs.getLong(2) != 1) {
                                notOnce.incrementAndGet();
                            }
                            Instant ends = expiry.get(rs.getObject(1, UUID.class));
                            if (at == null || !at.toInstant().isBefore(ends)) {
                                late.incrementAndGet();
                            } else {
                                minMarginMillis.accumulateAndGet(Duration.between(at.toInstant(), ends).toMillis(), Math::min);
                            }
                        }
                    }
                }
                return null;
            });
            long presentedTwice = provider.callsPerRefreshToken.entrySet().stream()
                    .filter(e -> e.getKey().startsWith("bench-refresh-") && e.getValue().get() > 1).count();
            System.out.printf("connection refresh: %d of %d refreshed in %.1f s (%.0f/s) by %d refreshers; %d provider calls; "
                            + "%d refreshed late or not at all; %d not exactly once; %d refresh tokens presented twice; smallest margin before a token's end %.1f s%n",
                    refreshed, n, seconds, refreshed / seconds, app.app().connections().refreshers(), calls, late.get(), notOnce.get(), presentedTwice,
                    minMarginMillis.get() / 1000.0);
            assertThat(refreshed).isEqualTo(n);
            assertThat(calls).isEqualTo(n);
            assertThat(late.get()).isZero();
            assertThat(notOnce.get()).isZero();
            assertThat(presentedTwice).isZero();
        }
    }
}
