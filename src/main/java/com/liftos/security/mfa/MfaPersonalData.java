package com.liftos.security.mfa;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.subject.DataSubject;
import com.liftos.security.subject.JsonRows;
import com.liftos.security.subject.PersonalData;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * MFA's share of a data subject's data. The export says which factors are on (method, status, dates) and lists the
 * passkeys (name, authenticator model, dates); secrets, codes, phone numbers and passkeys' keys never leave. Erasure deletes every MFA row of the user.
 */
public final class MfaPersonalData implements PersonalData {
    /** Every table holding a user's MFA state, challenges before the methods they were issued for. */
    private static final List<String> TABLES = List.of("mfa_login_challenges", "mfa_passkey_challenges", "mfa_otp_codes",
            "mfa_otp_sends", "mfa_failures", "mfa_recovery_codes", "mfa_methods", "mfa_passkeys");

    private final JsonRows rows;

    public MfaPersonalData(ObjectMapper json) {
        this.rows = new JsonRows(json);
    }

    @Override
    public Map<String, Object> export(Connection c, DataSubject subject) throws SQLException {
        JsonNode methods = rows.many(c, "SELECT method, status, created_at, enabled_at FROM mfa_methods WHERE user_id = ?",
                subject.userId());
        // passkeys: what the owner sees in their list; never the credential id or public key
        JsonNode passkeys = rows.many(c, """
                SELECT id, name, aaguid, backup_eligible AS synced, created_at, last_used_at FROM mfa_passkeys
                WHERE user_id = ? ORDER BY created_at""", subject.userId());
        boolean enabled = !passkeys.isEmpty();
        for (JsonNode m : methods) {
            enabled |= "active".equals(m.path("status").asText());
        }
        return Map.of("mfa", Map.of("enabled", enabled, "methods", methods, "passkeys", passkeys));
    }

    @Override
    public List<Erased> erase(Connection c, DataSubject subject, Set<String> addresses) throws SQLException {
        int deleted = 0;
        for (String table : TABLES) {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE user_id = ?")) {
                ps.setObject(1, subject.userId());
                deleted += ps.executeUpdate();
            }
        }
        return List.of(new Erased.Deleted("mfa_records", deleted));
    }
}
