package com.liftos.security.audit;

import com.liftos.security.store.Db;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

/** {@link AuditEventCounts} over {@code audit_events}. */
final class JdbcAuditEventCounts implements AuditEventCounts {
    private static final Map<String, SecurityEventType> TYPES = Arrays.stream(SecurityEventType.values())
            .collect(Collectors.toUnmodifiableMap(Enum::name, Function.identity()));
    private static final String NEWEST = "(array_agg(event_id ORDER BY occurred_at DESC))[1:" + EVIDENCE + "]";
    private static final String PASSWORD_STEP = " WHERE coalesce(details->>'reason', '') <> 'invalid_mfa_code'";

    private final Db db;

    JdbcAuditEventCounts(Db db) {
        this.db = db;
    }

    /** Whose stored events a count reads: one actor's or one address's (each has its own time index), or all. */
    private sealed interface Scope {
        record Actor(UUID id) implements Scope {}

        record Address(String ip) implements Scope {}

        record Anyone() implements Scope {}
    }

    @Override
    public Tally failedLoginAddressesOf(SecurityEvent trigger, UUID orgId, UUID userId, Instant since) {
        return count(trigger, List.of("LOGIN_FAILURE"), since, Optional.of(orgId), new Scope.Actor(userId),
                "SELECT count(DISTINCT client_ip), " + NEWEST + " FROM ev" + PASSWORD_STEP);
    }

    @Override
    public Tally passwordFailuresFrom(SecurityEvent trigger, String ip, Instant since) {
        return count(trigger, List.of("LOGIN_FAILURE"), since, Optional.empty(), new Scope.Address(ip),
                "SELECT count(*), " + NEWEST + " FROM ev" + PASSWORD_STEP);
    }

    @Override
    public long accountsTriedFrom(SecurityEvent trigger, String ip, Instant since) {
        return count(trigger, List.of("LOGIN_FAILURE"), since, Optional.empty(), new Scope.Address(ip),
                "SELECT count(DISTINCT actor_id) + count(*) FILTER (WHERE actor_id IS NULL), NULL::uuid[] FROM ev" + PASSWORD_STEP)
                .count();
    }

    /**
     * Reads the address's failures through the partial index on LOGIN_FAILURE (V33), so an address with much other
     * traffic (an office) costs its failures only, over days; the literal event type lets a generic plan use it.
     */
    @Override
    public FailureSpread passwordFailureSpreadFrom(SecurityEvent trigger, String ip, Instant since) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    WITH ev AS (
                        SELECT event_id, org_id, occurred_at FROM audit_events f
                        WHERE event_type = 'LOGIN_FAILURE' AND client_ip = ? AND occurred_at > ? AND event_id <> ?
                          AND coalesce(details->>'reason', '') <> 'invalid_mfa_code'
                          -- a typo is followed by the right password from the same address: not a guess
                          AND (f.actor_id IS NULL OR NOT EXISTS (SELECT 1 FROM audit_events s
                               WHERE s.event_type = 'LOGIN_SUCCESS' AND s.client_ip = f.client_ip
                                 AND s.actor_id = f.actor_id AND s.occurred_at > ?))
                        UNION ALL
                        SELECT ?::uuid, ?::uuid, ?::timestamptz
                    )
                    SELECT count(*), %s,
                           (array_agg(org_id ORDER BY occurred_at DESC) FILTER (WHERE org_id IS NOT NULL))[1],
                           count(DISTINCT org_id) = 1 AND count(*) FILTER (WHERE org_id IS NULL) = 0
                    FROM ev""".formatted(NEWEST))) {
                ps.setString(1, ip);
                ps.setTimestamp(2, Timestamp.from(since));
                ps.setObject(3, trigger.eventId());
                ps.setTimestamp(4, Timestamp.from(since));
                ps.setObject(5, trigger.eventId());
                ps.setObject(6, trigger.orgId().orElse(null));
                ps.setTimestamp(7, Timestamp.from(trigger.occurredAt()));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return new FailureSpread(rs.getLong(1), ids(rs.getArray(2)), Optional.ofNullable(rs.getObject(3, UUID.class)),
                            rs.getBoolean(4));
                }
            }
        });
    }

    @Override
    public Optional<UUID> orgOfLatestLoginFailureFrom(String ip, Instant since) {
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

    @Override
    public Tally rateLimitRefusalsOf(SecurityEvent trigger, UUID actorId, Instant since) {
        return count(trigger, List.of("RATE_LIMIT_EXCEEDED"), since, Optional.empty(), new Scope.Actor(actorId), refusals(trigger));
    }

    @Override
    public Tally anonymousRateLimitRefusalsFrom(SecurityEvent trigger, String ip, Instant since) {
        return count(trigger, List.of("RATE_LIMIT_EXCEEDED"), since, Optional.empty(), new Scope.Address(ip),
                refusals(trigger) + "WHERE actor_id IS NULL");
    }

    /** The stored events carry their refusals in details; the trigger's (stored as {@code {}} in {@code ev}) are added here. */
    private static String refusals(SecurityEvent trigger) {
        long triggerRefusals = 1 + (trigger.details().get("refused_since_last_event") instanceof Number n ? n.longValue() : 0);
        return "SELECT coalesce(sum(1 + coalesce((details->>'refused_since_last_event')::bigint, 0)), 0) + " + (triggerRefusals - 1)
                + ", " + NEWEST + " FROM ev ";
    }

    @Override
    public Tally failuresInOrg(SecurityEvent trigger, UUID orgId, Set<SecurityEventType> types, Instant since) {
        return count(trigger, types.stream().map(Enum::name).sorted().toList(), since, Optional.of(orgId), new Scope.Anyone(),
                "SELECT count(*), " + NEWEST + " FROM ev WHERE NOT success");
    }

    @Override
    public Tally addressesOfUser(SecurityEvent trigger, UUID orgId, UUID userId, Instant since) {
        return count(trigger, List.of("LOGIN_SUCCESS", "TOKEN_REFRESHED"), since, Optional.of(orgId), new Scope.Actor(userId),
                "SELECT count(DISTINCT client_ip), " + NEWEST + " FROM ev");
    }

    @Override
    public long loginFailuresOf(UUID userId, Instant since) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT count(*) FROM audit_events
                    WHERE event_type = 'LOGIN_FAILURE' AND actor_id = ? AND occurred_at > ?""")) {
                ps.setObject(1, userId);
                ps.setTimestamp(2, Timestamp.from(since));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    @Override
    public TypeCounts countsByType(UUID orgId, Instant since) {
        return db.run(c -> {
            Map<SecurityEventType, Long> counts = new EnumMap<>(SecurityEventType.class);
            long high = 0;
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT event_type, count(*), count(*) FILTER (WHERE risk_score >= 0.6)
                    FROM audit_events WHERE chain = ? AND occurred_at >= ? GROUP BY event_type
                    """)) {
                ps.setObject(1, orgId);
                ps.setTimestamp(2, Timestamp.from(since));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        SecurityEventType type = TYPES.get(rs.getString(1));
                        if (type != null) {
                            counts.put(type, rs.getLong(2));
                        }
                        high += rs.getLong(3);
                    }
                }
            }
            return new TypeCounts(counts, high);
        });
    }

    /**
     * Runs {@code select} over {@code ev}: the stored events of {@code types} after {@code since} (of one chain when
     * given, of {@code scope}) plus the trigger, which is of that scope, so {@code select} need not filter by it again.
     * An actor's or an address's count reads only its own events (index on it and time): a signal computed over the
     * whole window would cost every login more as the organization, or an attack, grows.
     */
    private Tally count(SecurityEvent trigger, List<String> types, Instant since, Optional<UUID> chain, Scope scope,
                        String select) {
        String sql = """
                WITH ev AS (
                    SELECT event_id, event_type, actor_id, client_ip, resource, success, occurred_at, details FROM audit_events
                    WHERE event_type = ANY(?) AND occurred_at > ? AND (?::uuid IS NULL OR chain = ?::uuid) AND event_id <> ?"""
                + switch (scope) {
                    case Scope.Actor a -> " AND actor_id = ?";
                    case Scope.Address a -> " AND client_ip = ?";
                    case Scope.Anyone a -> "";
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
                ps.setObject(i++, trigger.eventId());
                switch (scope) {
                    case Scope.Actor a -> ps.setObject(i++, a.id());
                    case Scope.Address a -> ps.setString(i++, a.ip());
                    case Scope.Anyone a -> { }
                }
                ps.setObject(i++, trigger.eventId());
                ps.setString(i++, trigger.type().name());
                ps.setObject(i++, trigger.actorId().orElse(null));
                ps.setString(i++, trigger.clientIp().orElse(null));
                ps.setString(i++, trigger.resource().orElse(null));
                ps.setBoolean(i++, trigger.success());
                ps.setTimestamp(i++, Timestamp.from(trigger.occurredAt()));
                ps.setString(i++, "{}");
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return new Tally(rs.getLong(1), ids(rs.getArray(2)));
                }
            }
        });
    }

    private static List<UUID> ids(Array a) throws SQLException {
        return a == null ? List.of() : Arrays.stream((Object[]) a.getArray()).map(UUID.class::cast).toList();
    }
}
