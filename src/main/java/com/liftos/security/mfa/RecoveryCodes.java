package com.liftos.security.mfa;

import com.liftos.security.store.Db;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Recovery codes ({@code mfa_recovery_codes}): {@value #COUNT} per user, 50 random bits each, shown once as
 * {@code xxxxx-xxxxx} and stored as keyed hashes only; each is spent by one conditional UPDATE.
 */
final class RecoveryCodes {
    static final int COUNT = 10;

    private final Db db;
    private final CodeHasher hasher;
    private final Clock clock;
    private final SecureRandom random;

    RecoveryCodes(Db db, CodeHasher hasher, Clock clock, SecureRandom random) {
        this.db = db;
        this.hasher = hasher;
        this.clock = clock;
        this.random = random;
    }

    int left(UUID userId) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT count(*) FROM mfa_recovery_codes WHERE user_id = ? AND used_at IS NULL")) {
                ps.setObject(1, userId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
    }

    boolean exist(Connection c, UUID userId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM mfa_recovery_codes WHERE user_id = ? LIMIT 1")) {
            ps.setObject(1, userId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** A new set of recovery codes; the old set stops working in the same transaction. */
    List<String> regenerate(UUID userId) {
        return db.tx(c -> replace(c, userId));
    }

    List<String> replace(Connection c, UUID userId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM mfa_recovery_codes WHERE user_id = ?")) {
            ps.setObject(1, userId);
            ps.executeUpdate();
        }
        List<String> codes = new ArrayList<>(COUNT);
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO mfa_recovery_codes (user_id, code_hash, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) {
            while (codes.size() < COUNT) {
                byte[] raw = new byte[7];
                random.nextBytes(raw);
                String plain = Base32.encode(raw).substring(0, 10).toLowerCase(Locale.ROOT);
                ps.setObject(1, userId);
                ps.setBytes(2, hasher.hash("recovery", userId, plain));
                ps.setTimestamp(3, Timestamp.from(clock.instant()));
                if (ps.executeUpdate() == 1) {
                    codes.add(plain.substring(0, 5) + "-" + plain.substring(5));
                }
            }
        }
        return List.copyOf(codes);
    }

    /** Deletes the user's codes when no active method is left (in the caller's transaction). */
    void dropUnlessActiveMethods(Connection c, UUID userId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                DELETE FROM mfa_recovery_codes WHERE user_id = ?
                AND NOT EXISTS (SELECT 1 FROM mfa_methods WHERE user_id = ? AND status = 'active')
                AND NOT EXISTS (SELECT 1 FROM mfa_passkeys WHERE user_id = ?)""")) {
            ps.setObject(1, userId);
            ps.setObject(2, userId);
            ps.setObject(3, userId);
            ps.executeUpdate();
        }
    }

    /** Spends {@code code} (case, spaces and dashes ignored) if it is one of the user's unused codes. */
    boolean spend(Connection c, UUID userId, String code) throws SQLException {
        String normalized = code.toLowerCase(Locale.ROOT).replace("-", "").replace(" ", "");
        if (normalized.length() != 10) {
            return false;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE mfa_recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL")) {
            ps.setTimestamp(1, Timestamp.from(clock.instant()));
            ps.setObject(2, userId);
            ps.setBytes(3, hasher.hash("recovery", userId, normalized));
            return ps.executeUpdate() == 1;
        }
    }
}
