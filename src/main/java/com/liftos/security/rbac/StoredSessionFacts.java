package com.liftos.security.rbac;

import com.liftos.security.store.Db;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Optional;
import java.util.UUID;

/** {@link SessionFacts} read from the auth feature's {@code auth_sessions} rows (login address, new-device flag). */
public final class StoredSessionFacts implements SessionFacts {
    private final Db db;

    public StoredSessionFacts(Db db) {
        this.db = db;
    }

    @Override
    public Optional<Facts> of(UUID sessionId) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT client_ip, new_device FROM auth_sessions WHERE id = ?")) {
                ps.setObject(1, sessionId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new Facts(rs.getString(1), rs.getBoolean(2))) : Optional.empty();
                }
            }
        });
    }
}
