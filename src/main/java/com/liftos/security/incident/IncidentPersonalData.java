package com.liftos.security.incident;

import com.liftos.security.subject.DataSubject;
import com.liftos.security.subject.PersonalData;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Incident response's share of a data subject's data: the network addresses the subject used, as they appear in
 * incident subjects ({@code ip:<address>}), timelines and the block list. Erasure replaces or removes them; user ids
 * stay (they are the audit trail's pseudonyms). Incidents are the organization's records, so nothing is exported.
 */
final class IncidentPersonalData implements PersonalData {

    IncidentPersonalData() {
    }

    @Override
    public Map<String, Object> export(Connection c, DataSubject subject) {
        return Map.of();
    }

    @Override
    public List<Erased> erase(Connection c, DataSubject subject, Set<String> addresses) throws SQLException {
        for (String ip : addresses) {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE incidents SET subject = 'ip:erased:' || id WHERE subject = ?")) {
                ps.setString(1, "ip:" + ip);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE incident_timeline SET detail = replace(detail::text, ?, '\"erased\"')::jsonb WHERE strpos(detail::text, ?) > 0")) {
                ps.setString(1, "\"" + ip + "\"");
                ps.setString(2, "\"" + ip + "\"");
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM blocked_ips WHERE ip = ?")) {
                ps.setString(1, ip);
                ps.executeUpdate();
            }
        }
        return List.of();
    }
}
