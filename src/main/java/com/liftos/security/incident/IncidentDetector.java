package com.liftos.security.incident;

import com.liftos.security.audit.AuditEventCounts;
import com.liftos.security.audit.AuditEventCounts.Tally;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventListener;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.auth.user.UserDirectory;
import com.liftos.security.org.SecurityConfig;
import com.liftos.security.store.Db;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * The guide's automated detection on the live event stream. Each event only triggers a check; the decision is a
 * count of stored events ({@link AuditEventCounts}), so several instances sharing the database see the same totals
 * and {@link Incidents#detected} keeps one open incident per (org, type, subject).
 *
 * <p>"API errors" are the failed events that are not logins or rate-limit refusals: PERMISSION_DENIED (403s),
 * failed credential access (404/410 reveals), refused refreshes and other {@code success=false} events of an org.
 */
final class IncidentDetector implements SecurityEventListener {
    /** The LOGIN_FAILURE reason MFA records for a wrong code at the login's second step. */
    private static final String MFA_FAILURE = "invalid_mfa_code";

    private static final Set<SecurityEventType> NOT_API_ERRORS = EnumSet.of(SecurityEventType.LOGIN_FAILURE,
            SecurityEventType.RATE_LIMIT_EXCEEDED, SecurityEventType.SUSPICIOUS_ACTIVITY, SecurityEventType.BRUTE_FORCE_ATTEMPT,
            SecurityEventType.IP_BLOCKED, SecurityEventType.IP_UNBLOCKED, SecurityEventType.INCIDENT_OPENED,
            SecurityEventType.INCIDENT_UPDATED, SecurityEventType.DATA_PROCESSING);
    private static final Set<SecurityEventType> API_ERRORS = Set.copyOf(EnumSet.complementOf(EnumSet.copyOf(NOT_API_ERRORS)));

    private final Db db;
    private final AuditEventCounts counts;
    private final UserDirectory users;
    private final Incidents incidents;
    private final Containment containment;
    private final IpBlocklist blocklist;
    private final Function<UUID, SecurityConfig> configs;
    private final Clock clock;

    IncidentDetector(Db db, AuditEventCounts counts, UserDirectory users, Incidents incidents, Containment containment,
                     IpBlocklist blocklist, Function<UUID, SecurityConfig> configs, Clock clock) {
        this.db = db;
        this.counts = counts;
        this.users = users;
        this.incidents = incidents;
        this.containment = containment;
        this.blocklist = blocklist;
        this.configs = configs;
        this.clock = clock;
    }

    @Override
    public void onEvent(SecurityEvent e) {
        switch (e.type()) {
            case LOGIN_FAILURE -> {
                bruteForce(e);
                // Stuffing is guessing passwords across accounts; a wrong second factor after a right password is not.
                if (!MFA_FAILURE.equals(e.details().get("reason"))) {
                    credentialStuffing(e);
                }
            }
            case RATE_LIMIT_EXCEEDED -> apiAbuse(e);
            case LOGIN_SUCCESS, TOKEN_REFRESHED -> distinctIps(e);
            case SUSPICIOUS_ACTIVITY -> {
                if ("refresh_token_reuse".equals(e.action())) {
                    tokenTheft(e);
                }
            }
            default -> {
                if (!e.success() && API_ERRORS.contains(e.type())) {
                    apiErrors(e);
                }
            }
        }
    }

    private SecurityConfig.IncidentThresholds thresholds(Optional<UUID> org) {
        return org.map(configs).orElseGet(SecurityConfig::defaults).incidentThresholds();
    }

    private void bruteForce(SecurityEvent e) {
        if (e.actorId().isEmpty() || e.orgId().isEmpty()) {
            return;
        }
        UUID user = e.actorId().get();
        SecurityConfig.IncidentThresholds t = thresholds(e.orgId());
        Instant now = clock.instant();
        // Failures before the last unlock were already answered by that lock: an admin's unlock starts a new count.
        Tally failures = counts.loginFailuresSinceUnlock(e, e.orgId().get(), user,
                now.minus(Duration.ofMinutes(t.failedLoginWindowMinutes())));
        if (failures.count() < t.failedLoginsPerUser() || users.isLocked(user, now)) {
            return;
        }
        Incidents.Detection d = incidents.detected(e.orgId(), IncidentType.BRUTE_FORCE_ATTACK, "user:" + user, List.of(user),
                failures.newest(), Map.of("failed_attempts", failures.count(), "time_window_minutes", t.failedLoginWindowMinutes()));
        Instant until = now.plus(Duration.ofMinutes(t.lockMinutes()));
        if (lockOnce(user, until, now)) {
            incidents.recordBruteForce(e.orgId().get(), user, d.incidentId(), failures.count(), until);
            incidents.systemStep(d.incidentId(), "lock_user", Map.of("user_id", user.toString(), "locked_until", until.toString()));
            incidents.setStatus(d.incidentId(), Incident.Status.CONTAINED, now);
        }
    }

    /**
     * Locks unless already locked, serialized per user across instances by a transaction-scoped advisory lock, so
     * concurrent failures crossing the threshold lock (and audit BRUTE_FORCE_ATTEMPT) once.
     */
    private boolean lockOnce(UUID user, Instant until, Instant now) {
        return db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                ps.setString(1, "incident-lock:" + user);
                ps.executeQuery().close();
            }
            return !users.isLocked(user, now) && containment.lockUser(user, until, "brute_force_protection", Containment.Actor.system());
        });
    }

    /** Many failures from one address across many accounts (unknown accounts each count as one). */
    private void credentialStuffing(SecurityEvent e) {
        Optional<String> ip = e.clientIp().flatMap(IpBlocklist::normalize);
        if (ip.isEmpty() || blocklist.isBlocked(ip.get())) {
            return;
        }
        SecurityConfig.IncidentThresholds t = thresholds(e.orgId());
        Instant now = clock.instant();
        Instant since = now.minus(Duration.ofMinutes(t.failedLoginWindowMinutes()));
        Tally failures = counts.passwordFailuresFrom(e, ip.get(), since);
        if (failures.count() < t.failedLoginsPerIp()) {
            return;
        }
        long accounts = counts.accountsTriedFrom(e, ip.get(), since);
        if (accounts < t.distinctAccountsPerIp()) {
            return;
        }
        // An address attacks across orgs; the incident goes to the org of a known account it tried, if any.
        Optional<UUID> org = e.orgId().or(() -> counts.orgOfLatestLoginFailureFrom(ip.get(), since));
        Incidents.Detection d = incidents.detected(org, IncidentType.CREDENTIAL_STUFFING, "ip:" + ip.get(), List.of(),
                failures.newest(), Map.of("failed_attempts", failures.count(), "accounts", accounts, "ip", ip.get()));
        blocklist.block(ip.get(), Duration.ofMinutes(t.ipBlockMinutes()), "credential_stuffing", Optional.of(d.incidentId()),
                org, Containment.Actor.system());
        incidents.systemStep(d.incidentId(), "block_ip", Map.of("ip", ip.get(), "minutes", t.ipBlockMinutes()));
        incidents.setStatus(d.incidentId(), Incident.Status.CONTAINED, now);
    }

    /** Rate-limit refusals per caller (user, else address); throttled events carry the refusals they stand for. */
    private void apiAbuse(SecurityEvent e) {
        SecurityConfig.IncidentThresholds t = thresholds(e.orgId());
        Instant since = clock.instant().minus(Duration.ofHours(1));
        Tally hits;
        String subject;
        if (e.actorId().isPresent()) {
            hits = counts.rateLimitRefusalsOf(e, e.actorId().get(), since);
            subject = "user:" + e.actorId().get();
        } else if (e.clientIp().isPresent()) {
            hits = counts.anonymousRateLimitRefusalsFrom(e, e.clientIp().get(), since);
            subject = "ip:" + e.clientIp().get();
        } else {
            return;
        }
        if (hits.count() >= t.rateLimitHitsPerHour()) {
            incidents.detected(e.orgId(), IncidentType.API_ABUSE, subject, e.actorId().stream().toList(), hits.newest(),
                    Map.of("rate_limit_hits", hits.count(), "endpoint", e.resource().orElse("")));
        }
    }

    private void apiErrors(SecurityEvent e) {
        if (e.orgId().isEmpty()) {
            return;
        }
        SecurityConfig.IncidentThresholds t = thresholds(e.orgId());
        Tally errors = counts.failuresInOrg(e, e.orgId().get(), API_ERRORS, clock.instant().minus(Duration.ofMinutes(10)));
        if (errors.count() >= t.apiErrorsPer10Minutes()) {
            incidents.detected(e.orgId(), IncidentType.API_ERROR_SPIKE, "org:" + e.orgId().get(), List.of(), errors.newest(),
                    Map.of("api_errors", errors.count(), "time_window_minutes", 10));
        }
    }

    private void distinctIps(SecurityEvent e) {
        if (e.actorId().isEmpty() || e.orgId().isEmpty()) {
            return;
        }
        UUID user = e.actorId().get();
        SecurityConfig.IncidentThresholds t = thresholds(e.orgId());
        Tally ips = counts.addressesOfUser(e, e.orgId().get(), user, clock.instant().minus(Duration.ofHours(1)));
        if (ips.count() >= t.distinctIpsPerUserPerHour()) {
            incidents.detected(e.orgId(), IncidentType.SUSPICIOUS_ACTIVITY, "user:" + user, List.of(user), ips.newest(),
                    Map.of("distinct_ips", ips.count(), "time_window_minutes", 60));
        }
    }

    /** A retired refresh token came back: the family is already revoked by auth; end every other session too. */
    private void tokenTheft(SecurityEvent e) {
        if (e.actorId().isEmpty()) {
            return;
        }
        UUID user = e.actorId().get();
        Incidents.Detection d = incidents.detected(e.orgId(), IncidentType.TOKEN_THEFT, "user:" + user, List.of(user),
                List.of(e.eventId()), Map.of("signal", "refresh_token_reuse"));
        int ended = containment.endSessionsOfUser(user, "token_theft");
        incidents.systemStep(d.incidentId(), "end_sessions", Map.of("user_id", user.toString(), "sessions_ended", ended));
    }
}
