package com.liftos.security.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.store.Db;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Reads audit records in their wire form: pages for search (newest first, cursor = seq), grouped counts, and every
 * matching record streamed for exports.
 */
public final class AuditQuery {
    static final String COLUMNS = """
            seq, event_id, occurred_at, event_type, org_id, actor_id, actor_type, action, resource, client_ip, user_agent,
            success, details::text, request_id, risk_score, risk_level, pseudonymized, hash
            """;
    private static final int EXPORT_FETCH = 1_000;

    private final Db db;
    private final ObjectMapper json;

    public AuditQuery(Db db, ObjectMapper json) {
        this.db = db;
        this.json = json;
    }

    /** One page, newest first. {@code nextCursor} is present when more records match. */
    public record Page(List<Map<String, Object>> events, Optional<Long> nextCursor) {}

    public Page search(UUID org, AuditFilter filter, Optional<Long> beforeSeq, int limit) {
        return db.run(c -> {
            List<Object> params = new ArrayList<>();
            params.add(org);
            String sql = "SELECT " + COLUMNS + " FROM audit_events WHERE chain = ?" + filter.where(params)
                    + (beforeSeq.isPresent() ? " AND seq < ?" : "") + " ORDER BY seq DESC LIMIT ?";
            beforeSeq.ifPresent(params::add);
            params.add(limit + 1);
            List<Map<String, Object>> events = new ArrayList<>();
            try (PreparedStatement ps = prepare(c, sql, params); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    events.add(row(rs));
                }
            }
            if (events.size() <= limit) {
                return new Page(events, Optional.empty());
            }
            events.removeLast();
            return new Page(events, Optional.of((Long) events.getLast().get("seq")));
        });
    }

    /** What a grouped count can be grouped by: a fixed list, never caller-supplied SQL. */
    public enum GroupBy {
        TYPE("type", "event_type"), PROVIDER("provider", "details->>'provider'"), ACTOR("actor", "actor_id::text"),
        SUCCESS("success", "success::text"), RISK_LEVEL("risk_level", "risk_level"), ACTION("action", "action");

        final String wire;
        final String expression;

        GroupBy(String wire, String expression) {
            this.wire = wire;
            this.expression = expression;
        }

        public String wire() {
            return wire;
        }
    }

    /** Counts of matching records per group, largest first (the seed's "API key access patterns" query). */
    public List<Map<String, Object>> summarize(UUID org, AuditFilter filter, GroupBy groupBy) {
        return db.run(c -> {
            List<Object> params = new ArrayList<>();
            params.add(org);
            String sql = "SELECT " + groupBy.expression + " AS k, count(*) FROM audit_events WHERE chain = ?"
                    + filter.where(params) + " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1000";
            List<Map<String, Object>> groups = new ArrayList<>();
            try (PreparedStatement ps = prepare(c, sql, params); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> g = new LinkedHashMap<>();
                    String key = rs.getString(1);
                    g.put("key", key == null ? null : groupBy == GroupBy.TYPE ? key.toLowerCase(java.util.Locale.ROOT) : key);
                    g.put("count", rs.getLong(2));
                    groups.add(g);
                }
            }
            return groups;
        });
    }

    /** Receives records as they are read. */
    public interface RecordSink {
        /** Called once the query runs, before the first record (even when none match). */
        default void begin() throws IOException {
        }

        void accept(Map<String, Object> record) throws IOException;
    }

    /**
     * Hands every matching record, oldest first, to {@code sink} as it is read: a server-side cursor fetches
     * {@value #EXPORT_FETCH} rows at a time, so memory stays flat whatever the size of the log.
     *
     * @return the number of records handed over
     * @throws UncheckedIOException when the sink fails (the client went away)
     */
    public long forEach(UUID org, AuditFilter filter, RecordSink sink) {
        return db.tx(c -> {
            List<Object> params = new ArrayList<>();
            params.add(org);
            String sql = "SELECT " + COLUMNS + " FROM audit_events WHERE chain = ?" + filter.where(params) + " ORDER BY seq";
            long count = 0;
            try (PreparedStatement ps = prepare(c, sql, params)) {
                ps.setFetchSize(EXPORT_FETCH);
                try (ResultSet rs = ps.executeQuery()) {
                    sink.begin();
                    while (rs.next()) {
                        sink.accept(row(rs));
                        count++;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("export stream failed", e);
            }
            return count;
        });
    }

    /** One record by event id (alert payloads). */
    Optional<Map<String, Object>> byEventId(UUID eventId) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM audit_events WHERE event_id = ?")) {
                ps.setObject(1, eventId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(row(rs)) : Optional.empty();
                }
            }
        });
    }

    private Map<String, Object> row(ResultSet rs) throws SQLException {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("seq", rs.getLong(1));
        r.put("event_id", rs.getObject(2, UUID.class).toString());
        r.put("timestamp", rs.getTimestamp(3).toInstant().toString());
        r.put("type", rs.getString(4).toLowerCase(java.util.Locale.ROOT));
        r.put("org_id", str(rs.getObject(5, UUID.class)));
        r.put("actor_id", str(rs.getObject(6, UUID.class)));
        r.put("actor_type", rs.getString(7) == null ? null : rs.getString(7).toLowerCase(java.util.Locale.ROOT));
        r.put("action", rs.getString(8));
        r.put("resource", rs.getString(9));
        r.put("client_ip", rs.getString(10));
        r.put("user_agent", rs.getString(11));
        r.put("success", rs.getBoolean(12));
        try {
            r.put("details", json.readValue(rs.getString(13), Map.class));
        } catch (IOException e) {
            r.put("details", Map.of());
        }
        r.put("request_id", rs.getString(14));
        r.put("risk_score", rs.getDouble(15));
        r.put("risk_level", rs.getString(16));
        r.put("pseudonymized", rs.getBoolean(17));
        r.put("hash", HexFormat.of().formatHex(rs.getBytes(18)));
        return r;
    }

    private static String str(Object o) {
        return o == null ? null : o.toString();
    }

    private static PreparedStatement prepare(Connection c, String sql, List<Object> params) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        try {
            for (int i = 0; i < params.size(); i++) {
                Object p = params.get(i);
                if (p instanceof String[] values) {
                    Array a = c.createArrayOf("text", values);
                    ps.setArray(i + 1, a);
                } else {
                    ps.setObject(i + 1, p);
                }
            }
            return ps;
        } catch (SQLException e) {
            ps.close();
            throw e;
        }
    }
}
