package com.liftos.security.incident;

import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventListener;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.org.SecurityConfig;
import com.liftos.security.store.Db;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * The guide's automated detection on the live event stream. Each event only triggers a check; the decision is a
 * count over {@code audit_events} in the database, so several instances sharing it see the same totals and
 * {@link Incidents#detected} keeps one open incident per (org, type, subject).
 *
 * <p>"API errors" are the failed events that are not logins or rate-limit refusals: PERMISSION_DENIED (403s),
 * failed credential access (404/410 reveals), refused refreshes and other {@code success=false} events of an org.
 */
public final class IncidentDetector implements SecurityEventListener {
    /** The LOGIN_FAILURE reason MFA records for a wrong code at the login's second step. */
    private static final String MFA_FAILURE = "invalid_mfa_code";

    private static final Set<SecurityEventType> NOT_API_ERRORS = EnumSet.of(SecurityEventType.LOGIN_FAILURE,
            SecurityEventType.RATE_LIMIT_EXCEEDED, SecurityEventType.SUSPICIOUS_ACTIVITY, SecurityEventType.BRUTE_FORCE_ATTEMPT,
            SecurityEventType.IP_BLOCKED, SecurityEventType.IP_UNBLOCKED, SecurityEventType.INCIDENT_OPENED,
            SecurityEventType.INCIDENT_UPDATED, SecurityEventType.DATA_PROCESSING);

    private final Db db;
    private final Incidents incidents;
    private final Containment containment;
    private final IpBlocklist blocklist;
    private final Function<UUID, SecurityConfig> configs;
    private final Clock clock;

    public IncidentDetector(Db db, Incidents incidents, Containment containment, IpBlocklist blocklist,
                            Function<UUID, SecurityConfig> configs, Clock clock) {
        this.db = db;
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
                if (!e.success() && !NOT_API_ERRORS.contains(e.type())) {
                    apiErrors(e);
                }
            }
        }
    }

    private SecurityConfig.IncidentThresholds thresholds(Optional<UUID> org) {
        return org.map(configs).orElseGet(SecurityConfig::defaults).incidentThresholds();
    }

    /** Counted failures and the ids of the events counted (the evidence). */
    private record Count(long n, List<UUID> events) {}

    /** Whose stored events a count reads: one actor's or one address's (each has its own time index), or all. */
    private sealed interface Subject {
        record Actor(UUID id) implements Subject {}
        record Address(String ip) implements Subject {}
        record Anyone() implements Subject {}
    }

    /**
     * Runs {@code select} over {@code ev}: the stored events of {@code types} since {@code since} (of one chain when
     * given, of {@code subject}) plus the triggering event itself, which is of that subject, so {@code select} need
     * not filter by it again. The audit log hands events written inside a
     * caller's transaction to listeners before that transaction commits, so the trigger is added explicitly rather
     * than read back. An actor's or an address's count reads only its own events (index on it and time): a signal
     * computed over the whole window would cost every login more as the organization, or an attack, grows.
     */
    private Count count(SecurityEvent e, List<String> types, Instant since, Optional<UUID> chain, Subject subject,
                        String select, Object... params) {
        String sql = """
                WITH ev AS (
                    SELECT event_id, event_type, actor_id, client_ip, resource, success, occurred_at, details FROM audit_events
                    WHERE event_type = ANY(?) AND occurred_at > ? AND (?::uuid IS NULL OR chain = ?::uuid) AND event_id <> ?"""
                + switch (subject) {
                    case Subject.Actor a -> " AND actor_id = ?";
                    case Subject.Address a -> " AND client_ip = ?";
                    case Subject.Anyone a -> "";
                } + """

                    UNION ALL
                    SELECT ?::uuid, ?::text, ?::uuid, ?::text, ?::text, ?::boolean, ?::timestamptz, ?::jsonb
                ) """ + select;
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = 1;
                ps.setArray(i++, c.createArrayOf("text", types.toArray()));
                ps.setTimestamp(i++, Timestamp.from(since));
                ps.setObject(i++, chain.orElse(null));
                ps.setObject(i++, chain.orElse(null));
                ps.setObject(i++, e.eventId());
                switch (subject) {
                    case Subject.Actor a -> ps.setObject(i++, a.id());
                    case Subject.Address a -> ps.setString(i++, a.ip());
                    case Subject.Anyone a -> { }
                }
                ps.setObject(i++, e.eventId());
                ps.setString(i++, e.type().name());
                ps.setObject(i++, e.actorId().orElse(null));
                ps.setString(i++, e.clientIp().orElse(null));
                ps.setString(i++, e.resource().orElse(null));
                ps.setBoolean(i++, e.success());
                ps.setTimestamp(i++, Timestamp.from(e.occurredAt()));
                ps.setString(i++, "{}");
                for (Object p : params) {
                    if (p instanceof Instant t) {
                        ps.setTimestamp(i++, Timestamp.from(t));
                    } else {
                        ps.setObject(i++, p);
                    }
                }
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return new Count(rs.getLong(1), ids(rs.getArray(2)));
                }
            }
        });
    }

    private static List<UUID> ids(Array a) throws SQLException {
        return a == null ? List.of() : Arrays.stream((Object[]) a.getArray()).map(UUID.class::cast).toList();
    }

    private void bruteForce(SecurityEvent e) {
        if (e.actorId().isEmpty() || e.orgId().isEmpty()) {
            return;
        }
        UUID user = e.actorId().get();
        SecurityConfig.IncidentThresholds t = thresholds(e.orgId());
        Instant now = clock.instant();
        // Failures before the last unlock were already answered by that lock: an admin's unlock starts a new count.
        Count failures = count(e, List.of("LOGIN_FAILURE"), now.minus(Duration.ofMinutes(t.failedLoginWindowMinutes())), e.orgId(),
                new Subject.Actor(user), """
                SELECT count(*), (array_agg(event_id ORDER BY occurred_at DESC))[1:50] FROM ev
                WHERE occurred_at > coalesce(
                    (SELECT max(occurred_at) FROM audit_events WHERE event_type = 'ACCOUNT_UNLOCKED' AND resource = ?),
                    '-infinity'::timestamptz)""", "user:" + user);
        if (failures.n() < t.failedLoginsPerUser() || isLocked(user, now)) {
            return;
        }
        Incidents.Detection d = incidents.detected(e.orgId(), IncidentType.BRUTE_FORCE_ATTACK, "user:" + user, List.of(user),
                failures.events(), Map.of("failed_attempts", failures.n(), "time_window_minutes", t.failedLoginWindowMinutes()));
        Instant until = now.plus(Duration.ofMinutes(t.lockMinutes()));
        if (lockOnce(user, until, now)) {
            incidents.recordBruteForce(e.orgId().get(), user, d.incidentId(), failures.n(), until);
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
            return !isLocked(user, now) && containment.lockUser(user, until, "brute_force_protection", Containment.Actor.system());
        });
    }

    private boolean isLocked(UUID user, Instant now) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT locked_until > ? FROM users WHERE id = ?")) {
                ps.setTimestamp(1, Timestamp.from(now));
                ps.setObject(2, user);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() && rs.getBoolean(1);
                }
            }
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
        Count failures = count(e, List.of("LOGIN_FAILURE"), since, Optional.empty(), new Subject.Address(ip.get()), """
                SELECT count(*), (array_agg(event_id ORDER BY occurred_at DESC))[1:50] FROM ev
                WHERE coalesce(details->>'reason', '') <> 'invalid_mfa_code'""");
        if (failures.n() < t.failedLoginsPerIp()) {
            return;
        }
        Count accounts = count(e, List.of("LOGIN_FAILURE"), since, Optional.empty(), new Subject.Address(ip.get()), """
                SELECT count(DISTINCT actor_id) + count(*) FILTER (WHERE actor_id IS NULL), NULL::uuid[] FROM ev
                WHERE coalesce(details->>'reason', '') <> 'invalid_mfa_code'""");
        if (accounts.n() < t.distinctAccountsPerIp()) {
            return;
        }
        // An address attacks across orgs; the incident goes to the org of a known account it tried, if any.
        Optional<UUID> org = e.orgId().or(() -> orgOfKnownTarget(ip.get(), since));
        Incidents.Detection d = incidents.detected(org, IncidentType.CREDENTIAL_STUFFING, "ip:" + ip.get(), List.of(),
                failures.events(), Map.of("failed_attempts", failures.n(), "accounts", accounts.n(), "ip", ip.get()));
        blocklist.block(ip.get(), Duration.ofMinutes(t.ipBlockMinutes()), "credential_stuffing", Optional.of(d.incidentId()),
                org, Containment.Actor.system());
        incidents.systemStep(d.incidentId(), "block_ip", Map.of("ip", ip.get(), "minutes", t.ipBlockMinutes()));
        incidents.setStatus(d.incidentId(), Incident.Status.CONTAINED, now);
    }

    private Optional<UUID> orgOfKnownTarget(String ip, Instant since) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT org_id FROM audit_events WHERE event_type = 'LOGIN_FAILURE' AND client_ip = ? AND occurred_at > ?
                      AND org_id IS NOT NULL ORDER BY occurred_at DESC LIMIT 1""")) {
                ps.setString(1, ip);
                ps.setTimestamp(2, Timestamp.from(since));
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getObject(1, UUID.class)) : Optional.empty();
                }
            }
        });
    }

    /** Rate-limit refusals per caller (user, else address); throttled events carry the refusals they stand for. */
    private void apiAbuse(SecurityEvent e) {
        SecurityConfig.IncidentThresholds t = thresholds(e.orgId());
        Instant since = clock.instant().minus(Duration.ofHours(1));
        long triggerRefusals = 1 + (e.details().get("refused_since_last_event") instanceof Number n ? n.longValue() : 0);
        String sum = "SELECT coalesce(sum(1 + coalesce((details->>'refused_since_last_event')::bigint, 0)), 0) + " + (triggerRefusals - 1)
                + ", (array_agg(event_id ORDER BY occurred_at DESC))[1:50] FROM ev ";
        List<String> types = List.of("RATE_LIMIT_EXCEEDED");
        Count hits;
        String subject;
        if (e.actorId().isPresent()) {
            hits = count(e, types, since, Optional.empty(), new Subject.Actor(e.actorId().get()), sum);
            subject = "user:" + e.actorId().get();
        } else if (e.clientIp().isPresent()) {
            hits = count(e, types, since, Optional.empty(), new Subject.Address(e.clientIp().get()), sum + "WHERE actor_id IS NULL");
            subject = "ip:" + e.clientIp().get();
        } else {
            return;
        }
        if (hits.n() >= t.rateLimitHitsPerHour()) {
            incidents.detected(e.orgId(), IncidentType.API_ABUSE, subject, e.actorId().stream().toList(), hits.events(),
                    Map.of("rate_limit_hits", hits.n(), "endpoint", e.resource().orElse("")));
        }
    }

    private void apiErrors(SecurityEvent e) {
        if (e.orgId().isEmpty()) {
            return;
        }
        SecurityConfig.IncidentThresholds t = thresholds(e.orgId());
        List<String> types = Arrays.stream(SecurityEventType.values()).filter(x -> !NOT_API_ERRORS.contains(x)).map(Enum::name).toList();
        Count errors = count(e, types, clock.instant().minus(Duration.ofMinutes(10)), e.orgId(), new Subject.Anyone(), """
                SELECT count(*), (array_agg(event_id ORDER BY occurred_at DESC))[1:50] FROM ev WHERE NOT success""");
        if (errors.n() >= t.apiErrorsPer10Minutes()) {
            incidents.detected(e.orgId(), IncidentType.API_ERROR_SPIKE, "org:" + e.orgId().get(), List.of(), errors.events(),
                    Map.of("api_errors", errors.n(), "time_window_minutes", 10));
        }
    }

    private void distinctIps(SecurityEvent e) {
        if (e.actorId().isEmpty() || e.orgId().isEmpty()) {
            return;
        }
        UUID user = e.actorId().get();
        SecurityConfig.IncidentThresholds t = thresholds(e.orgId());
        Count ips = count(e, List.of("LOGIN_SUCCESS", "TOKEN_REFRESHED"), clock.instant().minus(Duration.ofHours(1)), e.orgId(),
                new Subject.Actor(user), """
                SELECT count(DISTINCT client_ip), (array_agg(event_id ORDER BY occurred_at DESC))[1:50] FROM ev""");
        if (ips.n() >= t.distinctIpsPerUserPerHour()) {
            incidents.detected(e.orgId(), IncidentType.SUSPICIOUS_ACTIVITY, "user:" + user, List.of(user), ips.events(),
                    Map.of("distinct_ips", ips.n(), "time_window_minutes", 60));
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
