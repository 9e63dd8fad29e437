package com.liftos.security.audit;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Search criteria over one organization's audit records; every part optional. {@code provider} matches
 * {@code details.provider} (vault events).
 */
public record AuditFilter(Set<SecurityEventType> types, Optional<UUID> actor, Optional<Boolean> success,
                          Optional<Instant> since, Optional<Instant> until, Optional<Double> minRisk,
                          Optional<String> provider) {

    public AuditFilter {
        types = Set.copyOf(types);
        if (minRisk.isPresent() && (minRisk.get() < 0 || minRisk.get() > 1)) {
            throw new IllegalArgumentException("min_risk must be in [0,1]");
        }
    }

    public static AuditFilter all() {
        return new AuditFilter(Set.of(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty());
    }

    /** SQL conditions (parameterized) after {@code chain = ?}; {@code params} receives the values in order. */
    String where(List<Object> params) {
        List<String> conditions = new ArrayList<>();
        if (!types.isEmpty()) {
            conditions.add("event_type = ANY (?)");
            params.add(types.stream().map(Enum::name).sorted().toArray(String[]::new));
        }
        actor.ifPresent(a -> {
            conditions.add("actor_id = ?");
            params.add(a);
        });
        success.ifPresent(s -> {
            conditions.add("success = ?");
            params.add(s);
        });
        since.ifPresent(s -> {
            conditions.add("occurred_at >= ?");
            params.add(java.sql.Timestamp.from(s));
        });
        until.ifPresent(u -> {
            conditions.add("occurred_at < ?");
            params.add(java.sql.Timestamp.from(u));
        });
        minRisk.ifPresent(r -> {
            conditions.add("risk_score >= ?");
            params.add(r);
        });
        provider.ifPresent(p -> {
            conditions.add("details->>'provider' = ?");
            params.add(p);
        });
        return conditions.isEmpty() ? "" : " AND " + String.join(" AND ", conditions);
    }

    /** A JSON-friendly description (for the DATA_EXPORT event). */
    public java.util.Map<String, Object> describe() {
        java.util.Map<String, Object> d = new java.util.TreeMap<>();
        if (!types.isEmpty()) {
            d.put("types", types.stream().map(SecurityEventType::wire).sorted().toList());
        }
        actor.ifPresent(a -> d.put("actor", a.toString()));
        success.ifPresent(s -> d.put("success", s));
        since.ifPresent(s -> d.put("since", s.toString()));
        until.ifPresent(u -> d.put("until", u.toString()));
        minRisk.ifPresent(r -> d.put("min_risk", r));
        provider.ifPresent(p -> d.put("provider", p));
        return d;
    }
}
