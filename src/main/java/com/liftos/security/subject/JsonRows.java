package com.liftos.security.subject;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Query results as JSON for export documents: PostgreSQL renders the rows ({@code to_jsonb}), so each column keeps
 * its name and its database rendering (timestamps with offset, arrays as arrays).
 */
public final class JsonRows {
    private final ObjectMapper json;

    public JsonRows(ObjectMapper json) {
        this.json = json;
    }

    /** The first row of {@code sql} as an object; {@code {}} when there is none. */
    public JsonNode one(Connection c, String sql, Object... params) throws SQLException {
        return query(c, "SELECT coalesce((SELECT to_jsonb(t) FROM (" + sql + ") t LIMIT 1), '{}'::jsonb)::text", params);
    }

    /** Every row of {@code sql} as an array of objects; {@code []} when there is none. */
    public JsonNode many(Connection c, String sql, Object... params) throws SQLException {
        return query(c, "SELECT coalesce((SELECT jsonb_agg(to_jsonb(t)) FROM (" + sql + ") t), '[]'::jsonb)::text", params);
    }

    private JsonNode query(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return json.readTree(rs.getString(1));
            } catch (JsonProcessingException e) {
                throw new SQLException("export row is not JSON", "22000", e);
            }
        }
    }
}
