package com.liftos.security.subject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.auth.user.Users;
import com.liftos.security.http.Json;
import com.liftos.security.org.Organizations;
import com.liftos.security.store.Db;
import com.liftos.security.testing.MutableClock;
import com.liftos.security.testing.TestDatabase;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What every feature's {@link PersonalData} must do, run against each implementation on the real PostgreSQL: the
 * export holds the subject's data and nobody else's, never a secret; erasure leaves none of the subject's personal
 * data, touches nobody else's, runs only inside the caller's transaction, and may run twice. Each test gets two fresh
 * users of one organization (the subject and another), each seeded with the feature's data from its own address.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class PersonalDataContract {
    protected final ObjectMapper json = Json.newMapper();
    protected final Instant now = Instant.parse("2026-07-01T12:00:00Z");
    protected HikariDataSource ds;
    protected Db db;
    protected DataSubject subject;
    protected DataSubject other;
    protected String address;
    protected String otherAddress;
    private Organizations orgs;
    private Users users;

    /** The implementation under test. */
    protected abstract PersonalData share();

    /** Stores the feature's data about {@code s}, as seen from {@code ip}. */
    protected abstract void seed(DataSubject s, String ip) throws SQLException;

    /** How many of the feature's rows still hold personal data of {@code s} (or name {@code ip}). */
    protected abstract long personalRows(DataSubject s, String ip) throws SQLException;

    /** Whether the feature exports anything at all (incident records are the organization's). */
    protected boolean exports() {
        return true;
    }

    /** Whether the feature keeps personal data at all (the vault keeps only the creator's pseudonymous id). */
    protected boolean holdsPersonalData() {
        return true;
    }

    /** Values the seed stored that must never leave in an export (hashes, sealed secrets, phone numbers). */
    protected List<String> secrets() {
        return List.of();
    }

    @BeforeAll
    void openDatabase() {
        ds = TestDatabase.fresh().dataSource(4);
        db = new Db(ds);
        MutableClock clock = new MutableClock(now);
        orgs = new Organizations(db, json, clock);
        users = new Users(db, clock);
    }

    @AfterAll
    void closeDatabase() {
        ds.close();
    }

    @BeforeEach
    void twoSeededSubjects() throws SQLException {
        UUID org = orgs.create("Org " + UUID.randomUUID()).id();
        subject = newUser(org);
        other = newUser(org);
        address = randomAddress();
        otherAddress = randomAddress();
        seed(subject, address);
        seed(other, otherAddress);
    }

    private DataSubject newUser(UUID org) {
        String email = "subject-" + UUID.randomUUID() + "@example.test";
        UUID id = db.tx(c -> users.create(c, org, email, Optional.of("Some Person"), "argon2-hash-SECRET", List.of("viewer"))).id();
        return new DataSubject(org, id, email);
    }

    private static String randomAddress() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return "10." + r.nextInt(1, 255) + "." + r.nextInt(1, 255) + "." + r.nextInt(1, 255);
    }

    /** Runs one statement with parameters (Instants as timestamps); returns the update count. */
    protected int sql(String statement, Object... params) {
        return db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement(statement)) {
                bind(ps, params);
                return ps.executeUpdate();
            }
        });
    }

    /** The single number a query returns. */
    protected long count(String query, Object... params) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(query)) {
                bind(ps, params);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    private static void bind(PreparedStatement ps, Object... params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            ps.setObject(i + 1, params[i] instanceof Instant t ? Timestamp.from(t) : params[i]);
        }
    }

    private String export(DataSubject s) throws Exception {
        Map<String, Object> doc = db.run(c -> share().export(c, s));
        if (exports()) {
            assertThat(doc).isNotEmpty();
            assertThat(doc.values()).doesNotContainNull();
        } else {
            assertThat(doc).isEmpty();
        }
        return json.writeValueAsString(doc);
    }

    private Set<String> addressesOf(Connection c, DataSubject s, String ip) throws SQLException {
        Set<String> all = new LinkedHashSet<>(share().addresses(c, s));
        all.add(ip);
        return all;
    }

    @Test
    void theExportHoldsNothingOfAnotherSubject() throws Exception {
        String doc = export(subject);
        assertThat(doc).doesNotContain(other.userId().toString(), other.email(), otherAddress);
    }

    @Test
    void theExportNeverHoldsASecret() throws Exception {
        String doc = export(subject);
        for (String secret : secrets()) {
            assertThat(doc).doesNotContain(secret);
        }
        assertThat(doc).doesNotContain("argon2-hash-SECRET");
    }

    @Test
    void theAddressesAreTheSubjectsOwn() {
        Set<String> addresses = db.run(c -> share().addresses(c, subject));
        assertThat(addresses).doesNotContain(otherAddress);
    }

    @Test
    void erasureLeavesNothingOfTheSubjectAndEverythingOfAnother() throws SQLException {
        assertThat(personalRows(subject, address) > 0).as("seeded").isEqualTo(holdsPersonalData());
        long othersBefore = personalRows(other, otherAddress);
        List<PersonalData.Erased> erased = db.tx(c -> share().erase(c, subject, addressesOf(c, subject, address)));
        assertThat(erased).allSatisfy(e -> assertThat(e.rows()).isNotNegative());
        assertThat(personalRows(subject, address)).isZero();
        assertThat(personalRows(other, otherAddress)).isEqualTo(othersBefore);
    }

    @Test
    void erasureRunsOnlyInsideTheCallersTransaction() throws SQLException {
        long before = personalRows(subject, address);
        assertThatThrownBy(() -> db.tx(c -> {
            share().erase(c, subject, addressesOf(c, subject, address));
            throw new IllegalStateException("roll back");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(personalRows(subject, address)).isEqualTo(before);
    }

    @Test
    void erasingTwiceFindsNothingMoreToDo() throws SQLException {
        db.tx(c -> share().erase(c, subject, addressesOf(c, subject, address)));
        List<PersonalData.Erased> again = db.tx(c -> share().erase(c, subject, addressesOf(c, subject, address)));
        assertThat(again).allSatisfy(e -> assertThat(e.rows()).isZero());
        assertThat(personalRows(subject, address)).isZero();
    }
}
