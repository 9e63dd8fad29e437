package com.liftos.security.auth.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.auth.user.Users;
import com.liftos.security.http.Json;
import com.liftos.security.org.Organizations;
import com.liftos.security.store.Db;
import com.liftos.security.testing.MutableClock;
import com.liftos.security.testing.TestDatabase;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link SessionOrigins#stored}: the login address and new-device flag of a stored session, nothing for an unknown id. */
class SessionOriginsContractTest {
    static HikariDataSource ds;
    static Db db;

    @BeforeAll
    static void open() {
        ds = TestDatabase.fresh().dataSource(2);
        db = new Db(ds);
    }

    @AfterAll
    static void close() {
        ds.close();
    }

    static UUID session(UUID org, UUID user, String ip, boolean newDevice) {
        UUID id = UUID.randomUUID();
        Timestamp now = Timestamp.from(Instant.now());
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO auth_sessions (id, user_id, org_id, device_fingerprint, client_ip, amr, auth_time, created_at,
                        last_seen_at, idle_timeout_seconds, expires_at, new_device)
                    VALUES (?, ?, ?, 'fp', ?, '{pwd}', ?, ?, ?, 1800, ?, ?)""")) {
                ps.setObject(1, id);
                ps.setObject(2, user);
                ps.setObject(3, org);
                ps.setString(4, ip);
                ps.setTimestamp(5, now);
                ps.setTimestamp(6, now);
                ps.setTimestamp(7, now);
                ps.setTimestamp(8, now);
                ps.setBoolean(9, newDevice);
                return ps.executeUpdate();
            }
        });
        return id;
    }

    @Test
    void aStoredSessionTellsWhereAndOnWhatItWasOpened() {
        MutableClock clock = new MutableClock(Instant.now());
        UUID org = new Organizations(db, Json.newMapper(), clock).create("Org " + UUID.randomUUID()).id();
        Users users = new Users(db, clock);
        UUID user = db.tx(c -> users.create(c, org, "s-" + UUID.randomUUID() + "@example.test", Optional.empty(), "x",
                List.of("viewer"))).id();
        UUID fresh = session(org, user, "203.0.113.9", true);
        UUID known = session(org, user, "2001:db8::1", false);
        SessionOrigins origins = SessionOrigins.stored(db);

        assertThat(origins.of(fresh)).contains(new SessionOrigins.Origin("203.0.113.9", true));
        assertThat(origins.of(known)).contains(new SessionOrigins.Origin("2001:db8::1", false));
        assertThat(origins.of(UUID.randomUUID())).isEmpty();
    }
}
