package com.liftos.security.audit;

import com.liftos.security.store.Db;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Counts over stored audit events, for the features that decide on them: incident detection, the risk score and the
 * compliance report. Several instances sharing the database see the same totals.
 *
 * <p>A method taking a {@code trigger} counts the stored events plus the trigger itself, which must be of the
 * counted kind: the audit log hands an event written inside a caller's transaction to listeners before that
 * transaction commits, so the trigger may not be readable yet. The trigger is never counted twice. Each such count
 * reads through an index on its subject (actor, address or chain) and time, so its cost follows that subject's
 * traffic, not the size of the log. "Newest" evidence is at most {@value #EVIDENCE} event ids, newest first.
 */
public interface AuditEventCounts {
    int EVIDENCE = 50;

    /** How many events matched, and the ids of the newest of them: the evidence an incident cites. */
    record Tally(long count, List<UUID> newest) {
        public Tally {
            newest = List.copyOf(newest);
        }
    }

    /**
     * Distinct client addresses of {@code userId}'s failed password logins (LOGIN_FAILURE except wrong second
     * factors) in {@code orgId}'s chain after {@code since}; the evidence is the newest of those failures.
     */
    Tally failedLoginAddressesOf(SecurityEvent trigger, UUID orgId, UUID userId, Instant since);

    /**
     * LOGIN_FAILURE events from address {@code ip} after {@code since}, in every chain, except wrong second factors
     * (reason {@code invalid_mfa_code}: the password was right).
     */
    Tally passwordFailuresFrom(SecurityEvent trigger, String ip, Instant since);

    /**
     * The accounts the failures of {@link #passwordFailuresFrom} tried: distinct actors, plus one for each failure
     * without a known actor (an unknown email).
     */
    long accountsTriedFrom(SecurityEvent trigger, String ip, Instant since);

    /**
     * The failures of {@link #passwordFailuresFrom} with the organizations they target: their count, the evidence,
     * and the organizations they name, leaving out failures of accounts that signed in from the same address since
     * {@code since} (typos, not guesses). Meant for long windows (days).
     */
    FailureSpread passwordFailureSpreadFrom(SecurityEvent trigger, String ip, Instant since);

    /**
     * @param latestOrg   the organization of the newest failure that names one
     * @param oneOrg      every failure names the same organization (none is of an unknown account)
     */
    record FailureSpread(long count, List<UUID> newest, Optional<UUID> latestOrg, boolean oneOrg) {
        public FailureSpread {
            newest = List.copyOf(newest);
        }

        /** The one organization every failure targeted, if they all did. */
        public Optional<UUID> soleOrg() {
            return oneOrg ? latestOrg : Optional.empty();
        }
    }

    /** The organization of the newest LOGIN_FAILURE from {@code ip} after {@code since} that names one. */
    Optional<UUID> orgOfLatestLoginFailureFrom(String ip, Instant since);

    /**
     * Rate-limit refusals of {@code actorId} after {@code since}, in every chain: each RATE_LIMIT_EXCEEDED event
     * counts for itself plus the refusals it stands for ({@code details.refused_since_last_event}, set by the
     * throttle that keeps a flood from becoming one event per refusal).
     */
    Tally rateLimitRefusalsOf(SecurityEvent trigger, UUID actorId, Instant since);

    /** As {@link #rateLimitRefusalsOf}, for anonymous callers (no actor) from address {@code ip}. */
    Tally anonymousRateLimitRefusalsFrom(SecurityEvent trigger, String ip, Instant since);

    /** Failed events ({@code success = false}) of {@code types} in {@code orgId}'s chain after {@code since}. */
    Tally failuresInOrg(SecurityEvent trigger, UUID orgId, Set<SecurityEventType> types, Instant since);

    /**
     * Distinct client addresses of {@code userId}'s LOGIN_SUCCESS and TOKEN_REFRESHED events in {@code orgId}'s chain
     * after {@code since}; the evidence is the newest of those events.
     */
    Tally addressesOfUser(SecurityEvent trigger, UUID orgId, UUID userId, Instant since);

    /** LOGIN_FAILURE events of actor {@code userId} after {@code since}, in every chain (no trigger). */
    long loginFailuresOf(UUID userId, Instant since);

    /** The events of {@code orgId}'s chain since {@code since}, per type, and how many scored high or critical (>= 0.6). */
    TypeCounts countsByType(UUID orgId, Instant since);

    record TypeCounts(Map<SecurityEventType, Long> byType, long highOrCritical) {
        public TypeCounts {
            byType = byType.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(byType));
        }

        public long of(SecurityEventType type) {
            return byType.getOrDefault(type, 0L);
        }
    }

    /** Counted in PostgreSQL, from {@code audit_events}. */
    static AuditEventCounts stored(Db db) {
        return new JdbcAuditEventCounts(db);
    }
}
