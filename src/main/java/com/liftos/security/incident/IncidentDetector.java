package com.liftos.security.incident;

import com.liftos.security.audit.AuditEventCounts;
import com.liftos.security.audit.AuditEventCounts.Tally;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventListener;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.org.SecurityConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashMap;
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
 * <p>Accounts are locked by the login itself (atomically, in its transaction), which then reports BRUTE_FORCE_ATTEMPT;
 * the detector only opens the incident for it and never locks an account.
 *
 * <p>"API errors" are the failed events that are not logins or rate-limit refusals: PERMISSION_DENIED (403s),
 * failed credential access (404/410 reveals), refused refreshes and other {@code success=false} events of an org.
 */
final class IncidentDetector implements SecurityEventListener {
    /** The LOGIN_FAILURE reason MFA records for a wrong code at the login's second step. */
    private static final String MFA_FAILURE = "invalid_mfa_code";
    /** The BRUTE_FORCE_ATTEMPT details the incident's timeline repeats. */
    private static final List<String> LOCKOUT_FACTS = List.of("failed_attempts", "locked_until", "scope");

    private static final Set<SecurityEventType> NOT_API_ERRORS = EnumSet.of(SecurityEventType.LOGIN_FAILURE,
            SecurityEventType.RATE_LIMIT_EXCEEDED, SecurityEventType.SUSPICIOUS_ACTIVITY, SecurityEventType.BRUTE_FORCE_ATTEMPT,
            SecurityEventType.IP_BLOCKED, SecurityEventType.IP_UNBLOCKED, SecurityEventType.INCIDENT_OPENED,
            SecurityEventType.INCIDENT_UPDATED, SecurityEventType.DATA_PROCESSING);
    private static final Set<SecurityEventType> API_ERRORS = Set.copyOf(EnumSet.complementOf(EnumSet.copyOf(NOT_API_ERRORS)));

    private final AuditEventCounts counts;
    private final Incidents incidents;
    private final Containment containment;
    private final IpBlocklist blocklist;
    private final Function<UUID, SecurityConfig> configs;
    private final Clock clock;

    IncidentDetector(AuditEventCounts counts, Incidents incidents, Containment containment, IpBlocklist blocklist,
                     Function<UUID, SecurityConfig> configs, Clock clock) {
        this.counts = counts;
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
                // Password guessing; a wrong second factor after a right password is not.
                if (!MFA_FAILURE.equals(e.details().get("reason"))) {
                    distributedBruteForce(e);
                    fromOneAddress(e);
                }
            }
            case BRUTE_FORCE_ATTEMPT -> accountLockedOut(e);
            case RATE_LIMIT_EXCEEDED -> apiAbuse(e);
            case LOGIN_SUCCESS, TOKEN_REFRESHED -> distinctIps(e);
            case SUSPICIOUS_ACTIVITY -> {
                // a replayed refresh token, or a passkey whose signature counter went down (a cloned authenticator)
                if ("refresh_token_reuse".equals(e.action()) || "passkey_counter_regressed".equals(e.action())) {
                    tokenTheft(e);
                }
                if ("connection_provider_failures".equals(e.action())) {
                    providerFailures(e);
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

    /**
     * The login locked an account (BRUTE_FORCE_ATTEMPT, the user as actor): the incident for the org's admins,
     * contained by that lock. The lock itself is the login's; nothing is locked here.
     */
    private void accountLockedOut(SecurityEvent e) {
        if (e.actorType() != SecurityEvent.ActorType.USER || e.actorId().isEmpty() || e.orgId().isEmpty()) {
            return;
        }
        UUID user = e.actorId().get();
        Map<String, Object> facts = new LinkedHashMap<>();
        for (String fact : LOCKOUT_FACTS) {
            Object value = e.details().get(fact);
            if (value != null) {
                facts.put(fact, value);
            }
        }
        Incidents.Detection d = incidents.detected(e.orgId(), IncidentType.BRUTE_FORCE_ATTACK, "user:" + user, List.of(user),
                List.of(e.eventId()), facts);
        Map<String, Object> step = new LinkedHashMap<>(facts);
        step.put("user_id", user.toString());
        incidents.systemStep(d.incidentId(), "lock_user", step);
        incidents.setStatus(d.incidentId(), Incident.Status.CONTAINED, clock.instant());
    }

    /**
     * One account's password tried from many addresses within an hour. Nothing is blocked: the addresses are many
     * and each may be shared; the account's own lockout protects it.
     */
    private void distributedBruteForce(SecurityEvent e) {
        if (e.actorType() != SecurityEvent.ActorType.USER || e.actorId().isEmpty() || e.orgId().isEmpty()) {
            return;
        }
        UUID user = e.actorId().get();
        SecurityConfig.IncidentThresholds t = thresholds(e.orgId());
        Tally ips = counts.failedLoginAddressesOf(e, e.orgId().get(), user, clock.instant().minus(Duration.ofHours(1)));
        if (ips.count() >= t.failedLoginIpsPerUserPerHour()) {
            incidents.detected(e.orgId(), IncidentType.DISTRIBUTED_BRUTE_FORCE, "user:" + user, List.of(user), ips.newest(),
                    Map.of("distinct_ips", ips.count(), "time_window_minutes", 60));
        }
    }

    /** Failures from one address: fast across many accounts (stuffing), else spread over days (low and slow). */
    private void fromOneAddress(SecurityEvent e) {
        Optional<String> ip = e.clientIp().flatMap(IpBlocklist::normalize);
        if (ip.isEmpty() || blocklist.isBlocked(ip.get())) {
            return;
        }
        SecurityConfig.IncidentThresholds t = thresholds(e.orgId());
        Instant now = clock.instant();
        Instant since = now.minus(Duration.ofMinutes(t.failedLoginWindowMinutes()));
        Tally failures = counts.passwordFailuresFrom(e, ip.get(), since);
        if (failures.count() >= t.failedLoginsPerIp()) {
            credentialStuffing(e, ip.get(), failures, since, t, now);
        } else {
            lowAndSlow(e, ip.get(), t, now);
        }
    }

    /** Many failures from one address across many accounts (unknown accounts each count as one). */
    private void credentialStuffing(SecurityEvent e, String ip, Tally failures, Instant since, SecurityConfig.IncidentThresholds t,
                                    Instant now) {
        long accounts = counts.accountsTriedFrom(e, ip, since);
        if (accounts < t.distinctAccountsPerIp()) {
            return;
        }
        // An address attacks across orgs; the incident goes to the org of a known account it tried, if any.
        Optional<UUID> org = e.orgId().or(() -> counts.orgOfLatestLoginFailureFrom(ip, since));
        Incidents.Detection d = incidents.detected(org, IncidentType.CREDENTIAL_STUFFING, "ip:" + ip, List.of(),
                failures.newest(), Map.of("failed_attempts", failures.count(), "accounts", accounts, "ip", ip));
        IpBlocklist.Scope global = new IpBlocklist.Scope.Global();
        blocklist.block(ip, global, Duration.ofMinutes(t.ipBlockMinutes()), "credential_stuffing", Optional.of(d.incidentId()),
                org, Containment.Actor.system());
        incidents.systemStep(d.incidentId(), "block_ip", Map.of("ip", ip, "minutes", t.ipBlockMinutes(), "scope", global.wire()));
        incidents.setStatus(d.incidentId(), Incident.Status.CONTAINED, now);
    }

    /**
     * At least {@code slow_failures_per_ip} failures from one address within {@code slow_window_hours}, checked on each
     * failure that stays below the fast threshold (a failure above it is the stuffing detector's). An earlier burst
     * does not exempt the address: otherwise one burst against one account would buy days of slow guessing.
     * The address is blocked for the window it was judged on (its failures then age out of the count): for the
     * organization all of them targeted, else (several organizations, or unknown accounts) globally.
     */
    private void lowAndSlow(SecurityEvent e, String ip, SecurityConfig.IncidentThresholds t, Instant now) {
        AuditEventCounts.FailureSpread spread = counts.passwordFailureSpreadFrom(e, ip, now.minus(Duration.ofHours(t.slowWindowHours())));
        if (spread.count() < t.slowFailuresPerIp()) {
            return;
        }
        Optional<UUID> sole = spread.soleOrg();
        if (sole.isPresent() && blocklist.isBlockedFor(ip, sole.get())) {
            return; // already contained for that organization: its further refused attempts are no new finding
        }
        IpBlocklist.Scope scope = sole.<IpBlocklist.Scope>map(IpBlocklist.Scope.Org::new).orElseGet(IpBlocklist.Scope.Global::new);
        Optional<UUID> org = sole.or(e::orgId).or(spread::latestOrg);
        Incidents.Detection d = incidents.detected(org, IncidentType.LOW_AND_SLOW_ATTACK, "ip:" + ip, List.of(), spread.newest(),
                Map.of("failed_attempts", spread.count(), "time_window_hours", t.slowWindowHours(), "ip", ip));
        Duration block = Duration.ofHours(t.slowWindowHours());
        blocklist.block(ip, scope, block, "low_and_slow_attack", Optional.of(d.incidentId()), org, Containment.Actor.system());
        incidents.systemStep(d.incidentId(), "block_ip", Map.of("ip", ip, "minutes", block.toMinutes(), "scope", scope.wire()));
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

    /**
     * The connections feature counted many failing connections of one provider (its own table, across every org):
     * one open incident per provider, org-less (the platform's operators'), each further signal added to it.
     */
    private void providerFailures(SecurityEvent e) {
        Object provider = e.details().get("provider");
        if (!(provider instanceof String p) || p.isBlank()) {
            return;
        }
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("provider", p);
        facts.put("connections", e.details().getOrDefault("connections", 0));
        facts.put("time_window_minutes", e.details().getOrDefault("time_window_minutes", 0));
        incidents.detected(Optional.empty(), IncidentType.CONNECTION_PROVIDER_FAILURES, "provider:" + p, List.of(), List.of(e.eventId()), facts);
    }

    /**
     * A retired refresh token came back (the family is already revoked by auth), or a cloned passkey signed: end
     * every session of the user.
     */
    private void tokenTheft(SecurityEvent e) {
        if (e.actorId().isEmpty()) {
            return;
        }
        UUID user = e.actorId().get();
        Incidents.Detection d = incidents.detected(e.orgId(), IncidentType.TOKEN_THEFT, "user:" + user, List.of(user),
                List.of(e.eventId()), Map.of("signal", e.action()));
        int ended = containment.endSessionsOfUser(user, "token_theft");
        incidents.systemStep(d.incidentId(), "end_sessions", Map.of("user_id", user.toString(), "sessions_ended", ended));
    }
}
