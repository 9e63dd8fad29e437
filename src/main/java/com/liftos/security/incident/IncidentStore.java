package com.liftos.security.incident;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.store.Db;
import com.liftos.security.store.StoreException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The {@code incidents} and {@code incident_timeline} rows. At most one incident is open per (org, type, subject):
 * a unique index over the unresolved ones decides, whichever instance detects first.
 */
final class IncidentStore {
    static final int MAX_EVIDENCE = 200;
    private static final UUID NO_ORG = new UUID(0, 0);

    private final Db db;
    private final ObjectMapper json;

    IncidentStore(Db db, ObjectMapper json) {
        this.db = db;
        this.json = json;
    }

    /** Inserts incident {@code id} unless one is already open for (org, type, subject); true when inserted. */
    boolean open(Connection c, UUID id, Optional<UUID> orgId, IncidentType type, String subject, Collection<UUID> users,
                 Collection<UUID> evidence, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO incidents (id, org_id, type, severity, status, subject, opened_at, respond_by, updated_at,
                                       affected_users, evidence)
                VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?)
                ON CONFLICT (coalesce(org_id, '00000000-0000-0000-0000-000000000000'::uuid), type, subject)
                    WHERE status <> 'resolved' DO NOTHING""")) {
            ps.setObject(1, id);
            ps.setObject(2, orgId.orElse(null));
            ps.setString(3, type.wire());
            ps.setString(4, type.severity().wire());
            ps.setString(5, subject);
            ps.setTimestamp(6, Timestamp.from(now));
            ps.setTimestamp(7, Timestamp.from(now.plus(type.severity().responseTarget())));
            ps.setTimestamp(8, Timestamp.from(now));
            ps.setArray(9, c.createArrayOf("uuid", users.toArray()));
            ps.setArray(10, c.createArrayOf("uuid", limit(evidence).toArray()));
            return ps.executeUpdate() == 1;
        }
    }

    /**
     * Inserts incident {@code id} declared by hand: its own subject ({@code declared:<id>}), so every declaration
     * is an incident of its own, with the severity the declarer chose and that severity's response target.
     */
    void declare(Connection c, UUID id, UUID orgId, IncidentType type, Severity severity, Incident.Declaration declaration,
                 Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO incidents (id, org_id, type, severity, status, subject, opened_at, respond_by, updated_at,
                                       title, description)
                VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?)""")) {
            ps.setObject(1, id);
            ps.setObject(2, orgId);
            ps.setString(3, type.wire());
            ps.setString(4, severity.wire());
            ps.setString(5, "declared:" + id);
            ps.setTimestamp(6, Timestamp.from(now));
            ps.setTimestamp(7, Timestamp.from(now.plus(severity.responseTarget())));
            ps.setTimestamp(8, Timestamp.from(now));
            ps.setString(9, declaration.title());
            ps.setString(10, declaration.description());
            ps.executeUpdate();
        }
    }

    /** Adds a hit (users, evidence) to the open incident for (org, type, subject) and returns its id. */
    UUID hit(Connection c, Optional<UUID> orgId, IncidentType type, String subject, Collection<UUID> users,
             Collection<UUID> evidence, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE incidents SET hits = hits + 1, updated_at = ?,
                       affected_users = ARRAY(SELECT DISTINCT unnest(affected_users || ?::uuid[])),
                       evidence = (evidence || ?::uuid[])[1:""" + MAX_EVIDENCE + """
                ]
                WHERE coalesce(org_id, '00000000-0000-0000-0000-000000000000'::uuid) = ? AND type = ? AND subject = ?
                  AND status <> 'resolved'
                RETURNING id""")) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setArray(2, c.createArrayOf("uuid", users.toArray()));
            ps.setArray(3, c.createArrayOf("uuid", limit(evidence).toArray()));
            ps.setObject(4, orgId.orElse(NO_ORG));
            ps.setString(5, type.wire());
            ps.setString(6, subject);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new StoreException("incident vanished while being updated", null);
                }
                return rs.getObject(1, UUID.class);
            }
        }
    }

    private static List<UUID> limit(Collection<UUID> evidence) {
        return evidence.stream().distinct().limit(MAX_EVIDENCE).toList();
    }

    /** The organization's incidents, newest first, without timelines. */
    List<Incident> list(UUID orgId, Optional<Incident.Status> status, int limit) {
        return db.run(c -> {
            List<UUID> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT id FROM incidents WHERE org_id = ? AND (?::text IS NULL OR status = ?::text) ORDER BY opened_at DESC LIMIT ?")) {
                ps.setObject(1, orgId);
                ps.setString(2, status.map(Incident.Status::wire).orElse(null));
                ps.setString(3, status.map(Incident.Status::wire).orElse(null));
                ps.setInt(4, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getObject(1, UUID.class));
                    }
                }
            }
            List<Incident> out = new ArrayList<>();
            for (UUID id : ids) {
                load(c, id, false).ifPresent(out::add);
            }
            return out;
        });
    }

    Optional<Incident> load(UUID id, boolean withTimeline) {
        return db.run(c -> load(c, id, withTimeline));
    }

    private Optional<Incident> load(Connection c, UUID id, boolean withTimeline) throws SQLException {
        Incident base;
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT org_id, type, severity, status, subject, opened_at, respond_by, contained_at, resolved_at, updated_at,
                       hits, affected_users, affected_keys, evidence, title, description FROM incidents WHERE id = ?""")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                base = new Incident(id, Optional.ofNullable(rs.getObject(1, UUID.class)),
                        IncidentType.parse(rs.getString(2)).orElseThrow(), Severity.parse(rs.getString(3)).orElseThrow(),
                        Incident.Status.parse(rs.getString(4)).orElseThrow(), rs.getString(5), rs.getTimestamp(6).toInstant(),
                        rs.getTimestamp(7).toInstant(), Optional.ofNullable(rs.getTimestamp(8)).map(Timestamp::toInstant),
                        Optional.ofNullable(rs.getTimestamp(9)).map(Timestamp::toInstant), rs.getTimestamp(10).toInstant(),
                        rs.getInt(11), uuids(rs.getArray(12)), strings(rs.getArray(13)), uuids(rs.getArray(14)), List.of(),
                        declaration(rs.getString(15), rs.getString(16)));
            }
        }
        if (!withTimeline) {
            return Optional.of(base);
        }
        List<Incident.TimelineEntry> timeline = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT at, actor_id, action, detail::text FROM incident_timeline WHERE incident_id = ? ORDER BY id")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    timeline.add(new Incident.TimelineEntry(rs.getTimestamp(1).toInstant(),
                            Optional.ofNullable(rs.getObject(2, UUID.class)), rs.getString(3), rs.getString(4)));
                }
            }
        }
        return Optional.of(new Incident(base.id(), base.orgId(), base.type(), base.severity(), base.status(), base.subject(),
                base.openedAt(), base.respondBy(), base.containedAt(), base.resolvedAt(), base.updatedAt(), base.hits(),
                base.affectedUsers(), base.affectedKeys(), base.evidence(), timeline, base.declaration()));
    }

    private static Optional<Incident.Declaration> declaration(String title, String description) {
        return title == null ? Optional.empty() : Optional.of(new Incident.Declaration(title, description == null ? "" : description));
    }

    private static List<UUID> uuids(Array a) throws SQLException {
        return a == null ? List.of() : Arrays.stream((Object[]) a.getArray()).map(UUID.class::cast).toList();
    }

    private static List<String> strings(Array a) throws SQLException {
        return a == null ? List.of() : Arrays.stream((Object[]) a.getArray()).map(String.class::cast).toList();
    }

    /** Open to contained, or anything unresolved to resolved; a no-op otherwise. */
    void setStatus(UUID incidentId, Incident.Status status, Instant now) {
        db.tx(c -> {
            String sql = "UPDATE incidents SET status = 'resolved', resolved_at = ?, updated_at = ? WHERE id = ? AND status <> 'resolved'";
            if (status == Incident.Status.CONTAINED) {
                sql = "UPDATE incidents SET status = 'contained', contained_at = ?, updated_at = ? WHERE id = ? AND status = 'open'";
            }
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setTimestamp(1, Timestamp.from(now));
                ps.setTimestamp(2, Timestamp.from(now));
                ps.setObject(3, incidentId);
                ps.executeUpdate();
            }
            return null;
        });
    }

    /** A new severity moves the response target with it (opened_at + the severity's target). */
    void setSeverity(UUID incidentId, Severity severity, Instant now) {
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE incidents SET severity = ?, respond_by = opened_at + ?::interval, updated_at = ? WHERE id = ?")) {
                ps.setString(1, severity.wire());
                ps.setString(2, severity.responseTarget().toSeconds() + " seconds");
                ps.setTimestamp(3, Timestamp.from(now));
                ps.setObject(4, incidentId);
                ps.executeUpdate();
            }
            return null;
        });
    }

    void timeline(Connection c, UUID incidentId, Optional<UUID> actor, String action, Map<String, ?> detail, Instant now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO incident_timeline (incident_id, at, actor_id, action, detail) VALUES (?, ?, ?, ?, ?::jsonb)")) {
            ps.setObject(1, incidentId);
            ps.setTimestamp(2, Timestamp.from(now));
            ps.setObject(3, actor.orElse(null));
            ps.setString(4, action);
            ps.setString(5, toJson(detail));
            ps.executeUpdate();
        }
    }

    private String toJson(Map<String, ?> detail) {
        try {
            return json.writeValueAsString(detail);
        } catch (JsonProcessingException e) {
            throw new StoreException("incident detail is not serializable", e);
        }
    }
}
