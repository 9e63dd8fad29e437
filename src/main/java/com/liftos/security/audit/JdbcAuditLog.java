package com.liftos.security.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.store.Db;
import com.liftos.security.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.UUID;

/** Writes events to {@code audit_events}, committing before {@link #record(SecurityEvent)} returns. */
public final class JdbcAuditLog implements AuditLog {
    private static final String INSERT = """
            INSERT INTO audit_events (event_id, occurred_at, event_type, org_id, actor_id, actor_type, action, resource,
                                      client_ip, user_agent, success, details, request_id, risk_score, risk_level)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?)
            """;

    private final Db db;
    private final ObjectMapper json;
    private final SecurityEventListener listener;

    public JdbcAuditLog(Db db, ObjectMapper json, SecurityEventListener listener) {
        this.db = db;
        this.json = json;
        this.listener = listener;
    }

    @Override
    public void record(SecurityEvent event) {
        db.tx(c -> {
            insert(c, event);
            return null;
        });
        listener.onEvent(event);
    }

    @Override
    public void record(Connection c, SecurityEvent e) {
        insert(c, e);
        listener.onEvent(e);
    }

    private void insert(Connection c, SecurityEvent e) {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            ps.setObject(1, e.eventId());
            ps.setTimestamp(2, Timestamp.from(e.occurredAt()));
            ps.setString(3, e.type().name());
            setUuid(ps, 4, e.orgId().orElse(null));
            setUuid(ps, 5, e.actorId().orElse(null));
            ps.setString(6, e.actorType().name());
            ps.setString(7, e.action());
            ps.setString(8, e.resource().orElse(null));
            ps.setString(9, e.clientIp().orElse(null));
            ps.setString(10, e.userAgent().orElse(null));
            ps.setBoolean(11, e.success());
            ps.setString(12, json.writeValueAsString(e.details()));
            ps.setString(13, e.requestId().orElse(null));
            ps.setDouble(14, e.riskScore());
            ps.setString(15, e.riskLevel().wire());
            ps.executeUpdate();
        } catch (SQLException ex) {
            throw new StoreException("audit write failed: " + ex.getSQLState(), ex);
        } catch (JsonProcessingException ex) {
            throw new IllegalArgumentException("audit details are not serializable", ex);
        }
    }

    private static void setUuid(PreparedStatement ps, int index, UUID value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.OTHER);
        } else {
            ps.setObject(index, value);
        }
    }
}
