package com.liftos.security.org;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.liftos.security.http.Json;
import com.liftos.security.store.Db;
import com.liftos.security.testing.MutableClock;
import com.liftos.security.testing.TestDatabase;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link Organizations}' documented behaviour on the real PostgreSQL: the organization and its security configuration. */
class OrganizationsContractTest {
    static HikariDataSource ds;
    static Db db;
    static Organizations orgs;

    @BeforeAll
    static void open() {
        ds = TestDatabase.fresh().dataSource(2);
        db = new Db(ds);
        orgs = new Organizations(db, Json.newMapper(), new MutableClock(Instant.parse("2026-07-01T12:00:00Z")));
    }

    @AfterAll
    static void close() {
        ds.close();
    }

    static long rows(String table, UUID orgId) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + table + " WHERE "
                    + (table.equals("organizations") ? "id" : "org_id") + " = ?")) {
                ps.setObject(1, orgId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    @Test
    void aNewOrganizationIsFoundByIdAndCaseInsensitiveNameAndStartsWithTheDefaults() {
        String name = "Acme " + UUID.randomUUID();
        Organization org = orgs.create(name);
        assertThat(orgs.find(org.id())).contains(org);
        assertThat(orgs.findByName(name.toUpperCase(java.util.Locale.ROOT))).contains(org);
        assertThat(orgs.list()).contains(org);
        assertThat(orgs.securityConfig(org.id())).isEqualTo(SecurityConfig.defaults());
        assertThat(orgs.find(UUID.randomUUID())).isEmpty();
        assertThat(orgs.securityConfig(UUID.randomUUID())).as("no stored configuration: defaults").isEqualTo(SecurityConfig.defaults());
    }

    @Test
    void ensureCreatesOnceAndKeepsAnExistingOrganization() {
        UUID id = UUID.randomUUID();
        Organization first = orgs.ensure(id, "First " + id);
        Organization again = orgs.ensure(id, "Renamed " + id);
        assertThat(again).isEqualTo(first);
        assertThat(again.name()).isEqualTo("First " + id);
    }

    @Test
    void replacingTheConfigurationReturnsThePreviousOne() {
        Organization org = orgs.create("Config " + UUID.randomUUID());
        SecurityConfig stricter = new SecurityConfig(3, 15, true, List.of("10.0.0.0/8"), null, null, 30, null, null, List.of(), null, null);
        SecurityConfig previous = db.tx(c -> orgs.replaceSecurityConfig(c, org.id(), stricter, Optional.empty()));
        assertThat(previous).isEqualTo(SecurityConfig.defaults());
        assertThat(orgs.securityConfig(org.id())).isEqualTo(stricter);
    }

    @Test
    void deletingAnOrganizationTakesItsConfigurationAlongAndReportsWhetherItExisted() {
        Organization org = orgs.create("Doomed " + UUID.randomUUID());
        Organization kept = orgs.create("Kept " + UUID.randomUUID());
        assertThat(rows("org_security_config", org.id())).isEqualTo(1);
        boolean deleted = db.tx(c -> orgs.delete(c, org.id()));
        assertThat(deleted).isTrue();
        assertThat(orgs.find(org.id())).isEmpty();
        assertThat(rows("org_security_config", org.id())).isZero();
        boolean again = db.tx(c -> orgs.delete(c, org.id()));
        assertThat(again).as("already gone").isFalse();
        assertThat(orgs.find(kept.id())).contains(kept);
    }

    @Test
    void aDeletionRolledBackLeavesTheOrganization() {
        Organization org = orgs.create("Survivor " + UUID.randomUUID());
        assertThatThrownBy(() -> db.tx(c -> {
            orgs.delete(c, org.id());
            throw new IllegalStateException("roll back");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(orgs.find(org.id())).contains(org);
    }
}
