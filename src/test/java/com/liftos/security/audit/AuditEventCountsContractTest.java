package com.liftos.security.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.http.Json;
import com.liftos.security.store.Db;
import com.liftos.security.testing.TestDatabase;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link AuditEventCounts}' documented behaviour against the stored implementation on the real PostgreSQL: each
 * count's window, subject and filters, the trigger counted exactly once whether or not it is stored yet, and the
 * evidence (newest first, at most {@value AuditEventCounts#EVIDENCE}).
 */
class AuditEventCountsContractTest {
    static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    static final Instant SINCE = NOW.minus(Duration.ofMinutes(10));
    static HikariDataSource ds;
    static AuditLog log;
    static AuditEventCounts counts;

    @BeforeAll
    static void open() {
        ds = TestDatabase.fresh().dataSource(4);
        Db db = new Db(ds);
        log = new JdbcAuditLog(db, Json.newMapper(), e -> { });
        counts = AuditEventCounts.stored(db);
    }

    @AfterAll
    static void close() {
        ds.close();
    }

    /** An event of {@code type}; {@code org}, {@code actor} and {@code ip} may be null (none). */
    static SecurityEvent.Builder event(SecurityEventType type, UUID org, UUID actor, String ip) {
        return SecurityEvent.builder(type, type.wire()).org(org).clientIp(ip)
                .actor(actor, actor == null ? SecurityEvent.ActorType.ANONYMOUS : SecurityEvent.ActorType.USER);
    }

    /** Records the event as of {@code secondsAgo} before {@code NOW}. */
    static SecurityEvent stored(SecurityEvent.Builder b, long secondsAgo) {
        SecurityEvent e = b.build(NOW.minusSeconds(secondsAgo));
        log.record(e);
        return e;
    }

    static SecurityEvent failure(UUID org, UUID user, String ip, String reason) {
        return event(SecurityEventType.LOGIN_FAILURE, org, user, ip).success(false).detail("reason", reason).build(NOW);
    }

    static String ip() {
        return "10." + (int) (Math.random() * 250) + "." + (int) (Math.random() * 250) + "." + (int) (Math.random() * 250);
    }

    @Test
    void theTriggerCountsOnceWhetherOrNotItIsStoredYet() {
        UUID org = UUID.randomUUID();
        UUID user = UUID.randomUUID();
        stored(event(SecurityEventType.LOGIN_FAILURE, org, user, ip()).success(false), 60);
        stored(event(SecurityEventType.LOGIN_FAILURE, org, user, ip()).success(false), 30);
        SecurityEvent trigger = failure(org, user, ip(), "bad_password");

        AuditEventCounts.Tally before = counts.failedLoginAddressesOf(trigger, org, user, SINCE);
        assertThat(before.count()).isEqualTo(3);
        assertThat(before.newest().getFirst()).as("the trigger is the newest").isEqualTo(trigger.eventId());
        log.record(trigger);
        assertThat(counts.failedLoginAddressesOf(trigger, org, user, SINCE).count()).isEqualTo(3);
    }

    @Test
    void failedLoginAddressesOfAUserAreDistinctWithinTheWindowAndTheOrganizationWithoutWrongSecondFactors() {
        UUID org = UUID.randomUUID();
        UUID user = UUID.randomUUID();
        String twice = ip();
        stored(event(SecurityEventType.LOGIN_FAILURE, org, user, ip()).success(false), 60 * 30);
        stored(event(SecurityEventType.LOGIN_FAILURE, org, user, twice).success(false), 300);
        stored(event(SecurityEventType.LOGIN_FAILURE, org, user, twice).success(false), 250);
        stored(event(SecurityEventType.LOGIN_FAILURE, UUID.randomUUID(), user, ip()).success(false), 200);
        stored(event(SecurityEventType.LOGIN_FAILURE, org, UUID.randomUUID(), ip()).success(false), 200);
        stored(event(SecurityEventType.LOGIN_FAILURE, org, user, ip()).success(false).detail("reason", "invalid_mfa_code"), 150);
        stored(event(SecurityEventType.LOGIN_SUCCESS, org, user, ip()), 120);
        stored(event(SecurityEventType.LOGIN_FAILURE, org, user, ip()).success(false), 100);
        SecurityEvent trigger = failure(org, user, twice, "bad_password");
        AuditEventCounts.Tally ips = counts.failedLoginAddressesOf(trigger, org, user, SINCE);
        assertThat(ips.count()).as("twice, one more, and not the ones outside window, org, user or password step").isEqualTo(2);
        assertThat(ips.newest()).as("every counted failure is evidence").hasSize(4);
    }

    @Test
    void theSpreadOfAnAddressesFailuresOverDaysNamesTheOrganizationsTheyTarget() {
        String ip = ip();
        UUID org = UUID.randomUUID();
        for (int h = 50; h >= 1; h -= 7) {
            stored(event(SecurityEventType.LOGIN_FAILURE, org, UUID.randomUUID(), ip).success(false), h * 3600L);
        }
        stored(event(SecurityEventType.LOGIN_FAILURE, UUID.randomUUID(), UUID.randomUUID(), ip).success(false)
                .detail("reason", "invalid_mfa_code"), 30);
        stored(event(SecurityEventType.LOGIN_FAILURE, UUID.randomUUID(), UUID.randomUUID(), ip).success(false), 80 * 3600);
        stored(event(SecurityEventType.LOGIN_SUCCESS, UUID.randomUUID(), UUID.randomUUID(), ip), 20);
        stored(event(SecurityEventType.LOGIN_FAILURE, UUID.randomUUID(), UUID.randomUUID(), ip()).success(false), 20);
        Instant since = NOW.minus(Duration.ofHours(72));
        SecurityEvent trigger = failure(org, UUID.randomUUID(), ip, "bad_password");

        AuditEventCounts.FailureSpread spread = counts.passwordFailureSpreadFrom(trigger, ip, since);
        assertThat(spread.count()).as("50, 43 ... 1 hours ago, and the trigger").isEqualTo(9);
        assertThat(spread.newest()).hasSize(9).first().isEqualTo(trigger.eventId());
        assertThat(spread.soleOrg()).as("every counted failure targets org").contains(org);
        log.record(trigger);
        assertThat(counts.passwordFailureSpreadFrom(trigger, ip, since).count()).isEqualTo(9);

        UUID other = UUID.randomUUID();
        stored(event(SecurityEventType.LOGIN_FAILURE, other, UUID.randomUUID(), ip).success(false), 15);
        AuditEventCounts.FailureSpread two = counts.passwordFailureSpreadFrom(trigger, ip, since);
        assertThat(two.soleOrg()).as("two organizations").isEmpty();
        assertThat(two.latestOrg()).as("the trigger's, the newest").contains(org);

        String unknown = ip();
        stored(event(SecurityEventType.LOGIN_FAILURE, org, UUID.randomUUID(), unknown).success(false), 60);
        SecurityEvent anonymous = failure(null, null, unknown, "invalid_credentials");
        AuditEventCounts.FailureSpread withUnknown = counts.passwordFailureSpreadFrom(anonymous, unknown, since);
        assertThat(withUnknown.count()).isEqualTo(2);
        assertThat(withUnknown.soleOrg()).as("an unknown account targets no organization").isEmpty();
        assertThat(withUnknown.latestOrg()).contains(org);
    }

    @Test
    void passwordFailuresFromAnAddressSpanOrganizationsAndSkipWrongSecondFactors() {
        String ip = ip();
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        stored(event(SecurityEventType.LOGIN_FAILURE, UUID.randomUUID(), a, ip).success(false).detail("reason", "bad_password"), 50);
        stored(event(SecurityEventType.LOGIN_FAILURE, UUID.randomUUID(), a, ip).success(false).detail("reason", "bad_password"), 40);
        stored(event(SecurityEventType.LOGIN_FAILURE, UUID.randomUUID(), b, ip).success(false).detail("reason", "invalid_mfa_code"), 30);
        stored(event(SecurityEventType.LOGIN_FAILURE, null, null, ip).success(false).detail("reason", "unknown_user"), 20);
        stored(event(SecurityEventType.LOGIN_FAILURE, null, null, ip).success(false).detail("reason", "unknown_user"), 10);
        stored(event(SecurityEventType.LOGIN_FAILURE, null, a, ip()).success(false), 10);
        SecurityEvent trigger = failure(null, null, ip, "unknown_user");

        assertThat(counts.passwordFailuresFrom(trigger, ip, SINCE).count()).isEqualTo(5);
        assertThat(counts.accountsTriedFrom(trigger, ip, SINCE)).as("a, and three unknown accounts").isEqualTo(4);
        assertThat(counts.passwordFailuresFrom(trigger, ip, NOW.minusSeconds(15)).count()).as("window").isEqualTo(2);
    }

    @Test
    void theOrganizationOfAnAddressesLatestFailureIsTheNewestThatNamesOne() {
        String ip = ip();
        UUID older = UUID.randomUUID();
        UUID newer = UUID.randomUUID();
        stored(event(SecurityEventType.LOGIN_FAILURE, older, UUID.randomUUID(), ip).success(false), 50);
        stored(event(SecurityEventType.LOGIN_FAILURE, newer, UUID.randomUUID(), ip).success(false), 40);
        stored(event(SecurityEventType.LOGIN_FAILURE, null, null, ip).success(false), 30);
        assertThat(counts.orgOfLatestLoginFailureFrom(ip, SINCE)).contains(newer);
        assertThat(counts.orgOfLatestLoginFailureFrom(ip, NOW.minusSeconds(35))).isEmpty();
        assertThat(counts.orgOfLatestLoginFailureFrom(ip(), SINCE)).isEmpty();
    }

    @Test
    void rateLimitRefusalsAddTheRefusalsEachThrottledEventStandsFor() {
        UUID actor = UUID.randomUUID();
        String ip = ip();
        stored(event(SecurityEventType.RATE_LIMIT_EXCEEDED, null, actor, ip).success(false).detail("refused_since_last_event", 4), 50);
        stored(event(SecurityEventType.RATE_LIMIT_EXCEEDED, UUID.randomUUID(), actor, ip()).success(false), 40);
        stored(event(SecurityEventType.RATE_LIMIT_EXCEEDED, null, null, ip).success(false).detail("refused_since_last_event", 2), 30);
        SecurityEvent byActor = event(SecurityEventType.RATE_LIMIT_EXCEEDED, null, actor, ip).success(false)
                .detail("refused_since_last_event", 9).build(NOW);
        assertThat(counts.rateLimitRefusalsOf(byActor, actor, SINCE).count()).isEqualTo(5 + 1 + 10);

        SecurityEvent anonymous = event(SecurityEventType.RATE_LIMIT_EXCEEDED, null, null, ip).success(false).build(NOW);
        assertThat(counts.anonymousRateLimitRefusalsFrom(anonymous, ip, SINCE).count()).as("the actor's event is not anonymous")
                .isEqualTo(3 + 1);
    }

    @Test
    void failuresInAnOrganizationCountOnlyFailedEventsOfTheTypesInItsChain() {
        UUID org = UUID.randomUUID();
        stored(event(SecurityEventType.PERMISSION_DENIED, org, UUID.randomUUID(), ip()).success(false), 50);
        stored(event(SecurityEventType.API_KEY_ACCESSED, org, UUID.randomUUID(), ip()).success(false), 40);
        stored(event(SecurityEventType.API_KEY_ACCESSED, org, UUID.randomUUID(), ip()), 40);
        stored(event(SecurityEventType.LOGIN_FAILURE, org, UUID.randomUUID(), ip()).success(false), 30);
        stored(event(SecurityEventType.PERMISSION_DENIED, UUID.randomUUID(), UUID.randomUUID(), ip()).success(false), 30);
        SecurityEvent trigger = event(SecurityEventType.PERMISSION_DENIED, org, UUID.randomUUID(), ip()).success(false).build(NOW);
        assertThat(counts.failuresInOrg(trigger, org, Set.of(SecurityEventType.PERMISSION_DENIED, SecurityEventType.API_KEY_ACCESSED),
                SINCE).count()).isEqualTo(3);
    }

    @Test
    void addressesOfAUserAreTheDistinctAddressesOfItsSuccessfulSignInsAndRefreshes() {
        UUID org = UUID.randomUUID();
        UUID user = UUID.randomUUID();
        stored(event(SecurityEventType.LOGIN_SUCCESS, org, user, "192.0.2.1"), 50);
        stored(event(SecurityEventType.LOGIN_SUCCESS, org, user, "192.0.2.1"), 45);
        stored(event(SecurityEventType.TOKEN_REFRESHED, org, user, "192.0.2.2"), 40);
        stored(event(SecurityEventType.LOGIN_FAILURE, org, user, "192.0.2.3").success(false), 30);
        stored(event(SecurityEventType.LOGIN_SUCCESS, org, UUID.randomUUID(), "192.0.2.4"), 30);
        SecurityEvent trigger = event(SecurityEventType.LOGIN_SUCCESS, org, user, "192.0.2.5").build(NOW);
        AuditEventCounts.Tally ips = counts.addressesOfUser(trigger, org, user, SINCE);
        assertThat(ips.count()).isEqualTo(3);
        assertThat(ips.newest()).hasSize(4);
    }

    @Test
    void evidenceIsTheNewestFiftyNewestFirst() {
        UUID org = UUID.randomUUID();
        UUID user = UUID.randomUUID();
        String ip = ip();
        List<UUID> ids = new ArrayList<>();
        for (int i = 60; i >= 1; i--) {
            ids.add(stored(event(SecurityEventType.LOGIN_FAILURE, org, user, ip).success(false), i).eventId());
        }
        SecurityEvent trigger = failure(org, user, ip, "bad_password");
        AuditEventCounts.Tally t = counts.passwordFailuresFrom(trigger, ip, SINCE);
        assertThat(t.count()).isEqualTo(61);
        assertThat(t.newest()).hasSize(AuditEventCounts.EVIDENCE);
        assertThat(t.newest().getFirst()).isEqualTo(trigger.eventId());
        assertThat(t.newest().get(1)).isEqualTo(ids.getLast());
    }

    @Test
    void loginFailuresOfAnActorSpanChainsWithinTheWindow() {
        UUID user = UUID.randomUUID();
        stored(event(SecurityEventType.LOGIN_FAILURE, UUID.randomUUID(), user, ip()).success(false), 60);
        stored(event(SecurityEventType.LOGIN_FAILURE, UUID.randomUUID(), user, ip()).success(false), 30);
        stored(event(SecurityEventType.LOGIN_FAILURE, UUID.randomUUID(), user, ip()).success(false), 60 * 20);
        stored(event(SecurityEventType.LOGIN_SUCCESS, UUID.randomUUID(), user, ip()), 20);
        assertThat(counts.loginFailuresOf(user, SINCE)).isEqualTo(2);
        assertThat(counts.loginFailuresOf(UUID.randomUUID(), SINCE)).isZero();
    }

    @Test
    void countsByTypeCoverOneChainSinceAGivenTimeWithTheHighOrCriticalOnes() {
        UUID org = UUID.randomUUID();
        stored(event(SecurityEventType.PERMISSION_DENIED, org, UUID.randomUUID(), ip()).success(false).risk(0.6), 50);
        stored(event(SecurityEventType.PERMISSION_DENIED, org, UUID.randomUUID(), ip()).success(false).risk(0.2), 40);
        stored(event(SecurityEventType.SUSPICIOUS_ACTIVITY, org, UUID.randomUUID(), ip()).success(false).risk(0.9), 30);
        stored(event(SecurityEventType.ROLE_ASSIGNED, org, UUID.randomUUID(), ip()).risk(0.9), 60 * 20);
        stored(event(SecurityEventType.ROLE_ASSIGNED, UUID.randomUUID(), UUID.randomUUID(), ip()).risk(0.9), 20);
        AuditEventCounts.TypeCounts c = counts.countsByType(org, SINCE);
        assertThat(c.byType()).isEqualTo(Map.of(SecurityEventType.PERMISSION_DENIED, 2L, SecurityEventType.SUSPICIOUS_ACTIVITY, 1L));
        assertThat(c.of(SecurityEventType.ROLE_ASSIGNED)).isZero();
        assertThat(c.highOrCritical()).isEqualTo(2);
        assertThat(counts.countsByType(UUID.randomUUID(), SINCE).byType()).isEmpty();
    }
}
