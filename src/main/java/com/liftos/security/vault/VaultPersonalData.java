package com.liftos.security.vault;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.subject.DataSubject;
import com.liftos.security.subject.JsonRows;
import com.liftos.security.subject.PersonalData;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The vault's share of a data subject's data: which credentials they created (provider, key name, version, status,
 * date), never a secret. Credentials belong to the organization, so erasing a user keeps them; the creator's id
 * stays as the audit trail's pseudonym.
 */
public final class VaultPersonalData implements PersonalData {
    private final JsonRows rows;

    public VaultPersonalData(ObjectMapper json) {
        this.rows = new JsonRows(json);
    }

    @Override
    public Map<String, Object> export(Connection c, DataSubject subject) throws SQLException {
        return Map.of("credentials_created", rows.many(c, """
                SELECT provider, key_name, version, status, created_at FROM vault_credentials
                WHERE org_id = ? AND created_by = ? ORDER BY created_at""", subject.orgId(), subject.userId()));
    }

    @Override
    public List<Erased> erase(Connection c, DataSubject subject, Set<String> addresses) {
        return List.of();
    }
}
