package com.liftos.security.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.subject.DataSubject;
import com.liftos.security.subject.JsonRows;
import com.liftos.security.subject.PersonalData;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The audit trail's share of a data subject's data: the records about them (as actor, or as the {@code user:<id>}
 * resource). Erasure pseudonymizes instead of deleting, so the chain stays verifiable; see
 * {@link AuditMaintenance#pseudonymizeSubject}.
 */
final class AuditPersonalData implements PersonalData {
    private final AuditMaintenance maintenance;
    private final JsonRows rows;

    AuditPersonalData(AuditMaintenance maintenance, ObjectMapper json) {
        this.maintenance = maintenance;
        this.rows = new JsonRows(json);
    }

    @Override
    public Map<String, Object> export(Connection c, DataSubject subject) throws SQLException {
        return Map.of("audit_events", rows.many(c, """
                SELECT event_id, occurred_at, event_type, action, resource, client_ip, user_agent, success, details,
                       request_id, risk_score, risk_level
                FROM audit_events WHERE chain = ? AND (actor_id = ? OR resource = ?) ORDER BY seq""", subject.orgId(),
                subject.userId(), "user:" + subject.userId()));
    }

    /** Addresses of the records about the subject, in every chain. */
    @Override
    public Set<String> addresses(Connection c, DataSubject subject) throws SQLException {
        Set<String> ips = new LinkedHashSet<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT DISTINCT client_ip FROM audit_events WHERE (actor_id = ? OR resource = ?) AND client_ip IS NOT NULL")) {
            ps.setObject(1, subject.userId());
            ps.setString(2, "user:" + subject.userId());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ips.add(rs.getString(1));
                }
            }
        }
        return ips;
    }

    @Override
    public List<Erased> erase(Connection c, DataSubject subject, Set<String> addresses) throws SQLException {
        return pseudonymize(c, subject);
    }

    /** The chain outlives the organization: its records about each user are pseudonymized all the same. */
    @Override
    public List<Erased> eraseBeyondOrganization(Connection c, DataSubject subject) throws SQLException {
        return pseudonymize(c, subject);
    }

    private List<Erased> pseudonymize(Connection c, DataSubject subject) throws SQLException {
        return List.of(new Erased.Pseudonymized("audit_records",
                maintenance.pseudonymizeSubject(c, subject.userId(), java.util.Optional.of(subject.email()))));
    }
}
