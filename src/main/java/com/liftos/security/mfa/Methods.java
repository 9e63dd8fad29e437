package com.liftos.security.mfa;

import com.liftos.security.auth.user.User;
import com.liftos.security.store.Db;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Which second factors a user has enrolled ({@code mfa_methods}): pending until a first code confirms them, then
 * active. The first confirmed method also brings the recovery codes; removing the last one takes them away.
 */
final class Methods {
    private final Db db;
    private final RecoveryCodes recovery;
    private final Clock clock;

    Methods(Db db, RecoveryCodes recovery, Clock clock) {
        this.db = db;
        this.recovery = recovery;
        this.clock = clock;
    }

    /** One enrolled method as listed to its owner. */
    record Enrolled(Method method, MethodStatus status, Optional<Instant> enabledAt, Optional<String> destinationHint) {}

    List<Enrolled> enrolled(UUID userId) {
        return db.run(c -> {
            List<Enrolled> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT method, status, enabled_at, phone_number FROM mfa_methods WHERE user_id = ? ORDER BY method")) {
                ps.setObject(1, userId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Method m = Method.parse(rs.getString(1)).orElseThrow();
                        Optional<String> hint = Optional.ofNullable(rs.getString(4)).map(Masks::phone);
                        out.add(new Enrolled(m, MethodStatus.parse(rs.getString(2)),
                                Optional.ofNullable(rs.getTimestamp(3)).map(Timestamp::toInstant), hint));
                    }
                }
            }
            return out;
        });
    }

    /**
     * Active methods, {@code passkey} when the user has one, plus {@code recovery} when unused recovery codes remain;
     * empty means no MFA.
     */
    List<String> activeMethods(UUID userId) {
        List<String> methods = new ArrayList<>(enrolled(userId).stream()
                .filter(e -> e.status() == MethodStatus.ACTIVE).map(e -> e.method().wire()).toList());
        if (firstPasskey(userId).isPresent()) {
            methods.add(Method.PASSKEY.wire());
        }
        if (!methods.isEmpty() && recovery.left(userId) > 0) {
            methods.add(Method.RECOVERY.wire());
        }
        return List.copyOf(methods);
    }

    /** When the user's first passkey still registered was registered; empty without one. */
    Optional<Instant> firstPasskey(UUID userId) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT min(created_at) FROM mfa_passkeys WHERE user_id = ?")) {
                ps.setObject(1, userId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return Optional.ofNullable(rs.getTimestamp(1)).map(Timestamp::toInstant);
                }
            }
        });
    }

    boolean isActive(UUID userId, Method m) {
        return enrolled(userId).stream().anyMatch(e -> e.method() == m && e.status() == MethodStatus.ACTIVE);
    }

    /** Records a pending email or SMS method; false when it is already active. */
    boolean enrollChannel(User user, Method channel, Optional<String> phone) {
        return db.tx(c -> upsertPending(c, user, channel, null, phone.orElse(null)));
    }

    /** Starts (or restarts) a pending enrolment in the caller's transaction; false when the method is already active. */
    boolean upsertPending(Connection c, User user, Method m, byte[] sealedSecret, String phone) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO mfa_methods (user_id, org_id, method, status, sealed_secret, phone_number, created_at)
                VALUES (?, ?, ?, 'pending', ?, ?, ?)
                ON CONFLICT (user_id, method) DO UPDATE SET sealed_secret = EXCLUDED.sealed_secret,
                    phone_number = EXCLUDED.phone_number, created_at = EXCLUDED.created_at, last_step = NULL
                WHERE mfa_methods.status = 'pending'""")) {
            ps.setObject(1, user.id());
            ps.setObject(2, user.orgId());
            ps.setString(3, m.wire());
            ps.setBytes(4, sealedSecret);
            ps.setString(5, phone);
            ps.setTimestamp(6, Timestamp.from(clock.instant()));
            return ps.executeUpdate() == 1;
        }
    }

    /**
     * Where a code for {@code channel} goes: the account's email, or the enrolled phone number; empty unless the
     * method is in {@code required} state.
     */
    Optional<String> destination(Connection c, User user, Method channel, MethodStatus required) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT status, phone_number FROM mfa_methods WHERE user_id = ? AND method = ?")) {
            ps.setObject(1, user.id());
            ps.setString(2, channel.wire());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || MethodStatus.parse(rs.getString(1)) != required) {
                    return Optional.empty();
                }
                return channel == Method.SMS ? Optional.ofNullable(rs.getString(2)) : Optional.of(user.email());
            }
        }
    }

    /**
     * Turns a pending method on in the caller's transaction, once its first code checked out. Returns the new
     * recovery codes when this is the user's first active method, an empty list when recovery codes already exist,
     * and empty when the method was not pending.
     */
    Optional<List<String>> activate(Connection c, User user, Method m) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE mfa_methods SET status = 'active', enabled_at = ? WHERE user_id = ? AND method = ? AND status = 'pending'")) {
            ps.setTimestamp(1, Timestamp.from(clock.instant()));
            ps.setObject(2, user.id());
            ps.setString(3, m.wire());
            if (ps.executeUpdate() != 1) {
                return Optional.empty();
            }
        }
        return Optional.of(recovery.exist(c, user.id()) ? List.of() : recovery.replace(c, user.id()));
    }

    /** Removes a method; with the last active one gone, recovery codes go too. True when it existed. */
    boolean remove(UUID userId, Method m) {
        return db.tx(c -> {
            int n;
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM mfa_methods WHERE user_id = ? AND method = ?")) {
                ps.setObject(1, userId);
                ps.setString(2, m.wire());
                n = ps.executeUpdate();
            }
            recovery.dropUnlessActiveMethods(c, userId);
            return n == 1;
        });
    }
}
