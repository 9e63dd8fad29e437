package com.liftos.security.auth.session;

import com.liftos.security.store.Db;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Optional;
import java.util.UUID;

/** Where a session was opened, for features that weigh a request against it (the risk score). */
@FunctionalInterface
public interface SessionOrigins {

    /** The address a session was opened from and whether its device was new to the user; empty for an unknown id. */
    Optional<Origin> of(UUID sessionId);

    record Origin(String loginIp, boolean newDevice) {}

    /** Read from the stored session (primary-key lookup). */
    static SessionOrigins stored(Db db) {
        return sessionId -> db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT client_ip, new_device FROM auth_sessions WHERE id = ?")) {
                ps.setObject(1, sessionId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new Origin(rs.getString(1), rs.getBoolean(2))) : Optional.empty();
                }
            }
        });
    }
}
