package com.liftos.security.incident;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.testing.MutableClock;
import com.liftos.security.testing.TestApp;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The password-guessing detectors on the real event stream: failed HTTP logins from forwarded addresses (a trusted
 * proxy), with the service's clock moved by hand where an attack takes days; and the detector's part in a lockout
 * the login reports (BRUTE_FORCE_ATTEMPT), where it opens the incident and never locks anything itself.
 */
class LoginAttackDetectionTest {
    static final String PASSWORD = "Detect-Password-1!";
    static final String WRONG = "Wrong-Password-9!";
    static final AtomicInteger NEXT_ADDRESS = new AtomicInteger(1);
    static MutableClock clock;
    static TestApp app;

    @BeforeAll
    static void start() {
        clock = new MutableClock(Instant.now());
        app = TestApp.start(Map.of("SECURITY_RATE_LIMITING_ENABLED", "false", "LIFTOS_TRUSTED_PROXIES", "127.0.0.1"), clock);
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    static String email(String prefix) {
        return prefix + "-" + UUID.randomUUID() + "@example.test";
    }

    /** A fresh address for each use (documentation range). */
    static String ip() {
        int n = NEXT_ADDRESS.getAndIncrement();
        return "198.51." + (100 + n / 250) + "." + (1 + n % 250);
    }

    static HttpResponse<String> login(String email, String password, String ip) {
        return app.send(app.request("/v1/auth/login").header("Content-Type", "application/json").header("X-Forwarded-For", ip)
                .POST(HttpRequest.BodyPublishers.ofString(app.body(Map.of("email", email, "password", password)))).build());
    }

    static int me(String token, String ip) {
        return app.send(app.request("/v1/me").header("Authorization", "Bearer " + token).header("X-Forwarded-For", ip).GET().build())
                .statusCode();
    }

    static UUID org(String name) {
        return app.createOrg(app.loginAdmin(), name + " " + UUID.randomUUID());
    }

    /** The incident of {@code type} about {@code subject} in {@code org}, with its timeline, if one is listed. */
    static Optional<JsonNode> incident(UUID org, String type, String subject) {
        HttpResponse<String> r = app.get("/v1/orgs/" + org + "/incidents", app.loginAdmin());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        for (JsonNode i : app.json(r).get("incidents")) {
            if (i.get("type").asText().equals(type) && i.get("subject").asText().equals(subject)) {
                return Optional.of(app.json(app.get("/v1/orgs/" + org + "/incidents/" + i.get("id").asText(), app.loginAdmin())));
            }
        }
        return Optional.empty();
    }

    /** Polls until the incident shows up with {@code status} (detection runs off the request path). */
    static JsonNode awaitIncident(UUID org, String type, String subject, String status) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(15));
        while (Instant.now().isBefore(deadline)) {
            Optional<JsonNode> found = incident(org, type, subject);
            if (found.isPresent() && found.get().get("status").asText().equals(status)) {
                return found.get();
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no " + status + " " + type + " incident about " + subject);
    }

    /** The block list's live entries for {@code ip}: the org id, or "global", with the end of the block. */
    static List<String> entries(String ip) {
        return app.app().db().run(c -> {
            List<String> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT coalesce(org_id::text, 'global') FROM blocked_ips WHERE ip = ?")) {
                ps.setString(1, ip);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
            }
            return out;
        });
    }

    static Optional<Instant> lockedUntil(UUID user) {
        return app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT locked_until FROM users WHERE id = ?")) {
                ps.setObject(1, user);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return Optional.ofNullable(rs.getTimestamp(1)).map(Timestamp::toInstant);
                }
            }
        });
    }

    static long events(String type, String resource) {
        return app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM audit_events WHERE event_type = ? AND resource = ?")) {
                ps.setString(1, type);
                ps.setString(2, resource);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    /** BRUTE_FORCE_ATTEMPT exactly as the login reports the lockout it applied. */
    static SecurityEvent lockoutReported(UUID org, UUID user, Instant lockedUntil) {
        SecurityEvent e = SecurityEvent.builder(SecurityEventType.BRUTE_FORCE_ATTEMPT, "lock_account").org(org)
                .actor(user, SecurityEvent.ActorType.USER).resource("user:" + user).clientIp(ip()).success(false)
                .detail("failed_attempts", 10).detail("locked_until", lockedUntil.toString()).detail("scope", "device")
                .risk(0.8).build(clock.instant());
        app.app().audit().log().record(e);
        return e;
    }

    @Test
    void oneAccountTriedFromSixAddressesInAnHourIsADistributedBruteForceFromFourItIsNot() throws Exception {
        UUID org = org("Victims");
        String fourEmail = email("four");
        UUID four = app.createUser(app.loginAdmin(), org, fourEmail, PASSWORD);
        String sixEmail = email("six");
        UUID six = app.createUser(app.loginAdmin(), org, sixEmail, PASSWORD);
        for (int i = 0; i < 4; i++) {
            assertThat(login(fourEmail, WRONG, ip()).statusCode()).isEqualTo(401);
        }
        List<String> addresses = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            addresses.add(ip());
            assertThat(login(sixEmail, WRONG, addresses.getLast()).statusCode()).isEqualTo(401);
            clock.advance(Duration.ofMinutes(5));
        }
        JsonNode incident = awaitIncident(org, "distributed_brute_force", "user:" + six, "open");
        assertThat(incident.get("severity").asText()).isEqualTo("high");
        assertThat(incident.get("affected_users").toString()).contains(six.toString());
        assertThat(incident.get("evidence_event_ids").size()).isGreaterThanOrEqualTo(5);
        assertThat(incident.get("timeline").get(0).at("/detail/distinct_ips").asInt()).isGreaterThanOrEqualTo(5);
        for (String a : addresses) {
            assertThat(entries(a)).as("no address is blocked").isEmpty();
        }
        // The four-address failures came first: their checks have run by now.
        Thread.sleep(300);
        assertThat(incident(org, "distributed_brute_force", "user:" + four)).isEmpty();
        assertThat(lockedUntil(six)).as("the detector locks nothing").isEmpty();
    }

    @Test
    void thirtyFailuresOverSixtyHoursFromOneAddressAreLowAndSlowAndBlockedForTheOrgTheyTargetedAnOfficesFortyTyposAreNothing()
            throws Exception {
        UUID targeted = org("Targeted");
        UUID bystander = org("Bystander");
        String victimOne = email("slow-one");
        String victimTwo = email("slow-two");
        app.createUser(app.loginAdmin(), targeted, victimOne, PASSWORD);
        app.createUser(app.loginAdmin(), targeted, victimTwo, PASSWORD);
        String colleague = email("office");
        app.createUser(app.loginAdmin(), bystander, colleague, PASSWORD);
        String attacker = ip();
        String office = ip();
        for (int i = 0; i < 30; i++) {
            assertThat(login(i % 2 == 0 ? victimOne : victimTwo, WRONG, attacker).statusCode()).isEqualTo(401);
            // an office: typos over the same days (40 in all, more than the attacker's 30), each followed by the
            // right password from the same address: mistakes, not guesses
            for (int typo = 0; typo < (i % 3 == 0 ? 2 : 1); typo++) {
                assertThat(login(colleague, WRONG, office).statusCode()).isEqualTo(401);
            }
            assertThat(login(colleague, PASSWORD, office).statusCode()).isEqualTo(200);
            if (i < 29) {
                clock.advance(Duration.ofHours(2));
            }
        }
        JsonNode incident = awaitIncident(targeted, "low_and_slow_attack", "ip:" + attacker, "contained");
        assertThat(incident.get("severity").asText()).isEqualTo("high");
        assertThat(incident.get("timeline").toString()).contains("block_ip", "\"scope\":\"org\"");
        assertThat(entries(attacker)).containsExactly(targeted.toString());
        String targetedUser = app.login(victimOne, PASSWORD);
        String bystanderUser = app.login(colleague, PASSWORD);
        assertThat(me(targetedUser, attacker)).as("the targeted org's callers from the address").isEqualTo(403);
        assertThat(me(bystanderUser, attacker)).as("another org's callers from the address").isEqualTo(200);

        assertThat(entries(office)).isEmpty();
        assertThat(incident(bystander, "low_and_slow_attack", "ip:" + office)).isEmpty();
        assertThat(incident(bystander, "credential_stuffing", "ip:" + office)).isEmpty();
    }

    @Test
    void aSlowAttackOnSeveralOrganizationsIsBlockedGlobally() throws Exception {
        UUID first = org("Slow first");
        UUID second = org("Slow second");
        for (UUID org : List.of(first, second)) {
            HttpResponse<String> r = app.putJson("/v1/orgs/" + org + "/security-config",
                    "{\"incident_thresholds\":{\"slow_failures_per_ip\":6,\"slow_window_hours\":24}}", app.loginAdmin());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        String one = email("spread-one");
        String two = email("spread-two");
        app.createUser(app.loginAdmin(), first, one, PASSWORD);
        app.createUser(app.loginAdmin(), second, two, PASSWORD);
        String attacker = ip();
        for (int i = 0; i < 6; i++) {
            assertThat(login(i % 2 == 0 ? one : two, WRONG, attacker).statusCode()).isEqualTo(401);
            if (i < 5) {
                clock.advance(Duration.ofHours(3));
            }
        }
        // The last failure was in the second org's account: the incident is that org's, the block everybody's.
        JsonNode incident = awaitIncident(second, "low_and_slow_attack", "ip:" + attacker, "contained");
        assertThat(incident.get("timeline").toString()).contains("\"scope\":\"global\"");
        assertThat(entries(attacker)).containsExactly("global");
        HttpResponse<String> refused = login(one, PASSWORD, attacker);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(app.json(refused).at("/error/code").asText()).isEqualTo("ip_blocked");
    }

    @Test
    void aBurstAgainstOneAccountDoesNotExemptTheAddressFromTheSlowCount() throws Exception {
        UUID org = org("Burst then slow");
        HttpResponse<String> r = app.putJson("/v1/orgs/" + org + "/security-config",
                "{\"incident_thresholds\":{\"failed_logins_per_ip\":4,\"slow_failures_per_ip\":6}}", app.loginAdmin());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String victim = email("burst");
        app.createUser(app.loginAdmin(), org, victim, PASSWORD);
        String attacker = ip();
        // Four at once on one account: the fast threshold, but one account is no stuffing (the lockout is the login's).
        for (int i = 0; i < 4; i++) {
            assertThat(login(victim, WRONG, attacker).statusCode()).isEqualTo(401);
        }
        for (int i = 0; i < 2; i++) {
            clock.advance(Duration.ofHours(5));
            assertThat(login(victim, WRONG, attacker).statusCode()).isEqualTo(401);
        }
        awaitIncident(org, "low_and_slow_attack", "ip:" + attacker, "contained");
        assertThat(entries(attacker)).containsExactly(org.toString());
        assertThat(incident(org, "credential_stuffing", "ip:" + attacker)).isEmpty();
    }

    @Test
    void aLockoutTheLoginReportsOpensAContainedBruteForceIncidentAndTheDetectorLocksNothing() throws Exception {
        UUID org = org("Locked out");
        UUID user = app.createUser(app.loginAdmin(), org, email("locked"), PASSWORD);
        Instant until = clock.instant().plus(Duration.ofMinutes(15));
        SecurityEvent reported = lockoutReported(org, user, until);

        JsonNode incident = awaitIncident(org, "brute_force_attack", "user:" + user, "contained");
        assertThat(incident.get("severity").asText()).isEqualTo("high");
        assertThat(incident.get("evidence_event_ids").toString()).contains(reported.eventId().toString());
        JsonNode step = null;
        for (JsonNode entry : incident.get("timeline")) {
            step = entry.get("action").asText().equals("lock_user") ? entry : step;
        }
        assertThat(step).as("the lock as a step of the system").isNotNull();
        assertThat(step.hasNonNull("actor_id")).as("no admin did it").isFalse();
        assertThat(step.at("/detail/user_id").asText()).isEqualTo(user.toString());
        assertThat(step.at("/detail/locked_until").asText()).isEqualTo(until.toString());
        assertThat(step.at("/detail/scope").asText()).isEqualTo("device");
        assertThat(lockedUntil(user)).as("the lock is the login's; the detector writes none").isEmpty();
        assertThat(events("ACCOUNT_LOCKED", "user:" + user)).isZero();
        assertThat(events("BRUTE_FORCE_ATTEMPT", "user:" + user)).as("the detector emits none of its own").isEqualTo(1);

        lockoutReported(org, user, until.plus(Duration.ofMinutes(15)));
        Instant deadline = Instant.now().plusSeconds(10);
        while (awaitIncident(org, "brute_force_attack", "user:" + user, "contained").get("hits").asInt() < 2
                && Instant.now().isBefore(deadline)) {
            Thread.sleep(100);
        }
        assertThat(incident(org, "brute_force_attack", "user:" + user).orElseThrow().get("hits").asInt())
                .as("one incident per user, updated").isEqualTo(2);
    }

    @Test
    void failedLoginsNoLongerMakeTheDetectorLockAnAccount() throws Exception {
        UUID org = org("Failures");
        UUID user = app.createUser(app.loginAdmin(), org, email("failing"), PASSWORD);
        String from = ip();
        for (int i = 0; i < 12; i++) {
            app.app().audit().log().record(SecurityEvent.builder(SecurityEventType.LOGIN_FAILURE, "login").org(org)
                    .actor(user, SecurityEvent.ActorType.USER).resource("user:" + user).clientIp(from).success(false)
                    .detail("reason", "invalid_credentials").risk(0.3).build(clock.instant()));
        }
        // A later lockout report in the same org: once its incident is there, the failures' checks have run.
        UUID other = app.createUser(app.loginAdmin(), org, email("sentinel"), PASSWORD);
        lockoutReported(org, other, clock.instant().plus(Duration.ofMinutes(15)));
        awaitIncident(org, "brute_force_attack", "user:" + other, "contained");
        Thread.sleep(300);
        assertThat(lockedUntil(user)).isEmpty();
        assertThat(incident(org, "brute_force_attack", "user:" + user)).isEmpty();
        assertThat(events("BRUTE_FORCE_ATTEMPT", "user:" + user)).isZero();
    }

    @Test
    void theNewThresholdsAreValidated() {
        UUID org = org("Thresholds");
        for (String bad : List.of("{\"failed_login_ips_per_user_per_hour\":1}", "{\"slow_failures_per_ip\":1}",
                "{\"slow_window_hours\":0}", "{\"slow_window_hours\":721}")) {
            HttpResponse<String> r = app.putJson("/v1/orgs/" + org + "/security-config", "{\"incident_thresholds\":" + bad + "}",
                    app.loginAdmin());
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
        }
        HttpResponse<String> ok = app.putJson("/v1/orgs/" + org + "/security-config",
                "{\"incident_thresholds\":{\"failed_login_ips_per_user_per_hour\":8,\"slow_failures_per_ip\":50,\"slow_window_hours\":168}}",
                app.loginAdmin());
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        JsonNode read = app.json(app.get("/v1/orgs/" + org + "/security-config", app.loginAdmin()));
        assertThat(read.at("/incident_thresholds/slow_window_hours").asInt()).as(read.toString()).isEqualTo(168);
        assertThat(read.at("/incident_thresholds/failed_login_ips_per_user_per_hour").asInt()).isEqualTo(8);
    }
}
