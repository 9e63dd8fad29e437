package com.liftos.security.auth.account;

import com.liftos.security.store.Db;
import com.liftos.security.store.Purge;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * Password-guessing lockouts inside the login ({@code login_lockouts}): an attempt takes its place in the count
 * <em>before</em> the password is hashed, in one atomic statement, so the attempt that would exceed the threshold
 * never reaches the hash, however many arrive at once and on however many instances. The failure that reaches
 * the threshold locks; a success clears the count. Devices that signed in before have their own count
 * ({@link Scope#device}), so failures from elsewhere never lock them out.
 * Each step is one auto-committed statement: a successful login pays two. The count's statements commit without
 * waiting for the WAL flush ({@link #RELAXED}): a database crash may forget the last fraction of a second of counts,
 * never a lock ({@link #failed} commits durably), and visibility to concurrent attempts is the same either way. Waiting
 * for the flush cost 0.2 to 2 ms per statement here, more than everything else a successful login's bookkeeping does.
 */
final class Lockouts {
    private static final HexFormat HEX = HexFormat.of();

    /**
     * Joined into a counting statement: that statement's own transaction commits with {@code synchronous_commit}
     * off (a local setting, gone with the transaction).
     */
    private static final String RELAXED = "(SELECT set_config('synchronous_commit', 'off', true)) AS relaxed";

    private final Db db;
    private final SecureRandom random;

    Lockouts(Db db, SecureRandom random) {
        this.db = db;
        this.random = random;
    }

    /** Whose attempts are counted together: an account (or an email without one) and a device, or every unknown device. */
    record Scope(String accountKey, String device, Optional<UUID> userId) {
        static Scope of(Optional<UUID> userId, String email, Optional<String> knownDevice) {
            String account = userId.map(id -> "u:" + id).orElseGet(() -> "e:" + sha256Hex(email.toLowerCase(Locale.ROOT)));
            return new Scope(account, knownDevice.orElse(""), userId);
        }

        boolean knownDevice() {
            return !device.isEmpty();
        }

        /** The audited name of the scope. */
        String wire() {
            return knownDevice() ? "device" : "unknown_devices";
        }
    }

    /** The outcome of taking a place in the count. */
    sealed interface Reservation {
        /** The attempt may check the password; it is attempt number {@code attempt} of the window. */
        record Granted(int attempt, Optional<Instant> expiredLock) implements Reservation {}

        /** Locked (or the threshold is taken by attempts in flight): the password is not checked. */
        record Refused(Optional<Instant> lockedUntil) implements Reservation {}
    }

    /**
     * Takes a place for one attempt. A window older than {@code window} or an expired lock starts the count again
     * ({@code expiredLock} then names the lock that ran out, for the audit trail).
     */
    Reservation reserve(Scope scope, int threshold, Duration window, Instant now) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO login_lockouts AS l (account_key, device, user_id, attempts, window_started_at)
                    SELECT ?, ?, ?::uuid, 1, ? FROM\s""" + RELAXED + "\n" + """
                    ON CONFLICT (account_key, device) DO UPDATE SET
                        attempts = CASE WHEN l.locked_until <= EXCLUDED.window_started_at
                                          OR (l.locked_until IS NULL AND l.window_started_at <= ?) THEN 1
                                        ELSE l.attempts + 1 END,
                        window_started_at = CASE WHEN l.locked_until <= EXCLUDED.window_started_at
                                          OR (l.locked_until IS NULL AND l.window_started_at <= ?) THEN EXCLUDED.window_started_at
                                        ELSE l.window_started_at END,
                        expired_lock_until = CASE WHEN l.locked_until <= EXCLUDED.window_started_at THEN l.locked_until END,
                        locked_until = CASE WHEN l.locked_until <= EXCLUDED.window_started_at THEN NULL ELSE l.locked_until END,
                        unlock_token_hash = CASE WHEN l.locked_until <= EXCLUDED.window_started_at THEN NULL ELSE l.unlock_token_hash END,
                        unlock_expires_at = CASE WHEN l.locked_until <= EXCLUDED.window_started_at THEN NULL ELSE l.unlock_expires_at END
                    WHERE l.locked_until <= EXCLUDED.window_started_at
                       OR (l.locked_until IS NULL AND (l.attempts < ? OR l.window_started_at <= ?))
                    RETURNING attempts, expired_lock_until""")) {
                Timestamp at = Timestamp.from(now);
                Timestamp windowStart = Timestamp.from(now.minus(window));
                ps.setString(1, scope.accountKey());
                ps.setString(2, scope.device());
                setUuid(ps, 3, scope.userId());
                ps.setTimestamp(4, at);
                ps.setTimestamp(5, windowStart);
                ps.setTimestamp(6, windowStart);
                ps.setInt(7, threshold);
                ps.setTimestamp(8, windowStart);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        Timestamp expired = rs.getTimestamp(2);
                        return new Reservation.Granted(rs.getInt(1), Optional.ofNullable(expired).map(Timestamp::toInstant));
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT locked_until FROM login_lockouts WHERE account_key = ? AND device = ?")) {
                ps.setString(1, scope.accountKey());
                ps.setString(2, scope.device());
                try (ResultSet rs = ps.executeQuery()) {
                    Optional<Instant> until = rs.next() ? Optional.ofNullable(rs.getTimestamp(1)).map(Timestamp::toInstant) : Optional.empty();
                    return new Reservation.Refused(until.filter(now::isBefore));
                }
            }
        });
    }

    /** A lock just placed, with the one-time unlock token mailed to the owner (unknown-device locks of real accounts). */
    record Locked(Instant until, Optional<String> unlockToken) {
        @Override
        public String toString() {
            return "Locked[until=" + until + "]";
        }
    }

    /**
     * The attempt numbered {@code attempt} failed: when it is the threshold's, locks the scope until
     * {@code now + lockFor}. Returns the lock when this call placed it (exactly one failure does).
     */
    Optional<Locked> failed(Scope scope, int attempt, int threshold, Duration lockFor, Duration unlockLinkLifetime, Instant now) {
        if (attempt < threshold) {
            return Optional.empty();
        }
        Instant until = now.plus(lockFor);
        Optional<String> token = scope.userId().isPresent() && !scope.knownDevice() ? Optional.of(newToken()) : Optional.empty();
        boolean locked = db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE login_lockouts SET locked_until = ?, unlock_token_hash = ?, unlock_expires_at = ?
                    WHERE account_key = ? AND device = ? AND locked_until IS NULL""")) {
                ps.setTimestamp(1, Timestamp.from(until));
                if (token.isPresent()) {
                    ps.setBytes(2, sha256(token.get()));
                    ps.setTimestamp(3, Timestamp.from(now.plus(unlockLinkLifetime)));
                } else {
                    ps.setNull(2, Types.BINARY);
                    ps.setNull(3, Types.TIMESTAMP_WITH_TIMEZONE);
                }
                ps.setString(4, scope.accountKey());
                ps.setString(5, scope.device());
                return ps.executeUpdate() == 1;
            }
        });
        return locked ? Optional.of(new Locked(until, token)) : Optional.empty();
    }

    /**
     * Gives back a place taken for an attempt that never reached the hash (the hashing gate was full): a flood of
     * busy answers must not count toward anyone's lock.
     */
    void release(Scope scope) {
        db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE login_lockouts AS l SET attempts = l.attempts - 1 FROM " + RELAXED
                            + " WHERE l.account_key = ? AND l.device = ? AND l.attempts > 0")) {
                ps.setString(1, scope.accountKey());
                ps.setString(2, scope.device());
                return ps.executeUpdate();
            }
        });
    }

    /** The password was right: the scope's count starts again (a lock placed meanwhile stays). */
    void succeeded(Scope scope) {
        db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM login_lockouts AS l USING " + RELAXED
                            + " WHERE l.account_key = ? AND l.device = ? AND l.locked_until IS NULL")) {
                ps.setString(1, scope.accountKey());
                ps.setString(2, scope.device());
                return ps.executeUpdate();
            }
        });
    }

    /** A lock lifted by its unlock link: the user whose lock it was, once; empty for an unknown, used or expired token. */
    Optional<UUID> unlockByToken(String token, Instant now) {
        if (token.length() < 20 || token.length() > 100) {
            return Optional.empty();
        }
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    DELETE FROM login_lockouts WHERE unlock_token_hash = ? AND unlock_expires_at > ? AND user_id IS NOT NULL
                    RETURNING user_id""")) {
                ps.setBytes(1, sha256(token));
                ps.setTimestamp(2, Timestamp.from(now));
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getObject(1, UUID.class)) : Optional.empty();
                }
            }
        });
    }

    /** Lifts every lock and count of a user (an admin's unlock), in the caller's transaction; returns the rows cleared. */
    static int clear(Connection c, UUID userId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM login_lockouts WHERE user_id = ?")) {
            ps.setObject(1, userId);
            return ps.executeUpdate();
        }
    }

    /**
     * The retention rule of {@code login_lockouts}: counts nobody needs any more (no lock in force, no unlock link
     * alive, the window over for a day) are deleted; an attacker's guessed emails each leave a row, this bounds them.
     */
    static Purge purge() {
        return new Purge() {
            @Override
            public String table() {
                return "login_lockouts";
            }

            @Override
            public int purge(Connection c, Instant now, Pages pages) throws SQLException {
                try (PreparedStatement ps = c.prepareStatement("""
                        DELETE FROM login_lockouts WHERE ctid >= ?::tid AND ctid < ?::tid AND window_started_at < ?
                          AND (locked_until IS NULL OR locked_until < ?) AND (unlock_expires_at IS NULL OR unlock_expires_at < ?)""")) {
                    ps.setString(1, pages.fromTid());
                    ps.setString(2, pages.toTid());
                    ps.setTimestamp(3, Timestamp.from(now.minus(Duration.ofDays(1))));
                    ps.setTimestamp(4, Timestamp.from(now));
                    ps.setTimestamp(5, Timestamp.from(now));
                    return ps.executeUpdate();
                }
            }
        };
    }

    /** The end of the lock on a user's unknown devices, if one holds at {@code now}. */
    Optional<Instant> lockedUntil(UUID userId, Instant now) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT max(locked_until) FROM login_lockouts WHERE account_key = ? AND device = '' AND locked_until > ?")) {
                ps.setString(1, "u:" + userId);
                ps.setTimestamp(2, Timestamp.from(now));
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.ofNullable(rs.getTimestamp(1)).map(Timestamp::toInstant) : Optional.empty();
                }
            }
        });
    }

    private String newToken() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static void setUuid(PreparedStatement ps, int index, Optional<UUID> value) throws SQLException {
        if (value.isPresent()) {
            ps.setObject(index, value.get());
        } else {
            ps.setNull(index, Types.OTHER);
        }
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    private static String sha256Hex(String s) {
        return HEX.formatHex(sha256(s));
    }
}
