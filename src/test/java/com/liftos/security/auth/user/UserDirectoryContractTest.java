package com.liftos.security.auth.user;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.liftos.security.http.Json;
import com.liftos.security.org.Organizations;
import com.liftos.security.store.Db;
import com.liftos.security.testing.MutableClock;
import com.liftos.security.testing.TestDatabase;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link UserDirectory}'s documented behaviour, against {@link Users} on the real PostgreSQL. */
class UserDirectoryContractTest {
    static final Instant NOW = Instant.parse("2026-07-01T12:00:00Z");
    static HikariDataSource ds;
    static Db db;
    static Organizations orgs;
    static UserDirectory directory;
    static Users users;

    @BeforeAll
    static void open() {
        ds = TestDatabase.fresh().dataSource(4);
        db = new Db(ds);
        MutableClock clock = new MutableClock(NOW);
        orgs = new Organizations(db, Json.newMapper(), clock);
        users = new Users(db, clock);
        directory = users;
    }

    @AfterAll
    static void close() {
        ds.close();
    }

    static UUID org() {
        return orgs.create("Org " + UUID.randomUUID()).id();
    }

    static UUID user(UUID org, String... roles) {
        return db.tx(c -> users.create(c, org, "u-" + UUID.randomUUID() + "@example.test", Optional.empty(), "not-a-hash",
                List.of(roles))).id();
    }

    static void sql(String statement, Object... params) {
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement(statement)) {
                for (int i = 0; i < params.length; i++) {
                    ps.setObject(i + 1, params[i] instanceof Instant t ? Timestamp.from(t) : params[i]);
                }
                return ps.executeUpdate();
            }
        });
    }

    @Test
    void membershipIsPerOrganization() {
        UUID org = org();
        UUID other = org();
        UUID user = user(org, "viewer");
        assertThat(directory.isMember(org, user)).isTrue();
        assertThat(directory.isMember(other, user)).isFalse();
        assertThat(directory.isMember(org, UUID.randomUUID())).isFalse();
    }

    @Test
    void activeUsersAndAccountFiguresCountOnlyTheOrganizationsActiveAccounts() {
        UUID org = org();
        UUID admin = user(org, "admin", "viewer");
        UUID viewer = user(org, "viewer");
        UUID disabled = user(org, "admin");
        user(org(), "admin");
        sql("UPDATE users SET status = 'disabled' WHERE id = ?", disabled);
        sql("UPDATE users SET password_changed_at = ? WHERE id = ?", NOW.minus(Duration.ofDays(100)), viewer);
        sql("UPDATE users SET locked_until = ? WHERE id = ?", NOW.plusSeconds(600), admin);

        assertThat(directory.activeUserIds(org)).containsExactlyInAnyOrder(admin, viewer);
        UserDirectory.AccountFigures figures = directory.accountFigures(org, 90, NOW);
        assertThat(figures.active()).isEqualTo(2);
        assertThat(figures.activeByRole()).isEqualTo(Map.of("admin", 1L, "viewer", 2L));
        assertThat(figures.expiredPasswords()).isEqualTo(1);
        assertThat(figures.locked()).isEqualTo(1);
        assertThat(directory.accountFigures(org, 0, NOW).expiredPasswords()).as("0 = no maximum age").isZero();
        assertThat(directory.accountFigures(UUID.randomUUID(), 90, NOW).active()).isZero();
    }

    @Test
    void rolesAreReadAndReplacedOnlyWithinTheOrganization() {
        UUID org = org();
        UUID user = user(org, "viewer", "analyst");
        UUID other = org();
        db.tx(c -> {
            assertThat(directory.lockRoles(c, org, user)).contains(List.of("viewer", "analyst"));
            assertThat(directory.lockRoles(c, other, user)).isEmpty();
            assertThat(directory.setRoles(c, other, user, List.of("super_admin"))).isFalse();
            assertThat(directory.setRoles(c, org, user, List.of("manager"))).isTrue();
            return null;
        });
        assertThat(users.find(user).orElseThrow().roles()).containsExactly("manager");
    }

    @Test
    void lockedRolesSerializeTwoChanges() throws SQLException {
        UUID org = org();
        UUID user = user(org, "viewer");
        try (Connection a = ds.getConnection(); Connection b = ds.getConnection()) {
            a.setAutoCommit(false);
            b.setAutoCommit(false);
            assertThat(directory.lockRoles(a, org, user)).isPresent();
            try (Statement st = b.createStatement()) {
                st.execute("SET LOCAL lock_timeout = '200ms'");
            }
            assertThatThrownBy(() -> directory.lockRoles(b, org, user)).isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("55P03"));
            b.rollback();
            a.rollback();
        }
    }
}
