package com.liftos.security.privacy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.store.Db;
import com.liftos.security.subject.DataSubject;
import com.liftos.security.subject.JsonRows;
import com.liftos.security.subject.PersonalData;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Consent records ({@code privacy_consents}): every grant or withdrawal is a row, and the latest one per purpose
 * counts. Part of the subject's exported and erased data.
 */
final class Consents implements PersonalData {
    private static final String HISTORY = """
            SELECT purpose, granted, text_version, recorded_at FROM privacy_consents WHERE user_id = ? ORDER BY id""";

    private final Db db;
    private final JsonRows rows;

    Consents(Db db, ObjectMapper json) {
        this.db = db;
        this.rows = new JsonRows(json);
    }

    /** Every record of the user, oldest first. */
    JsonNode history(UUID userId) {
        return db.run(c -> rows.many(c, HISTORY, userId));
    }

    void record(Connection c, DataSubject subject, String purpose, boolean granted, String textVersion, Instant at)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO privacy_consents (org_id, user_id, purpose, granted, text_version, recorded_at) VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setObject(1, subject.orgId());
            ps.setObject(2, subject.userId());
            ps.setString(3, purpose);
            ps.setBoolean(4, granted);
            ps.setString(5, textVersion);
            ps.setTimestamp(6, Timestamp.from(at));
            ps.executeUpdate();
        }
    }

    /** Whether the user's latest record for {@code purpose} grants it. */
    boolean granted(UUID userId, String purpose) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT granted FROM privacy_consents WHERE user_id = ? AND purpose = ? ORDER BY id DESC LIMIT 1")) {
                ps.setObject(1, userId);
                ps.setString(2, purpose);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() && rs.getBoolean(1);
                }
            }
        });
    }

    @Override
    public Map<String, Object> export(Connection c, DataSubject subject) throws SQLException {
        return Map.of("consents", rows.many(c, HISTORY, subject.userId()));
    }

    @Override
    public List<Erased> erase(Connection c, DataSubject subject, Set<String> addresses) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM privacy_consents WHERE user_id = ?")) {
            ps.setObject(1, subject.userId());
            return List.of(new Erased.Deleted("consents", ps.executeUpdate()));
        }
    }
}
