package com.liftos.security.mfa;

import com.liftos.security.auth.user.User;
import com.liftos.security.store.Db;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * Emailed and texted codes: 6 digits, {@link #LIFETIME}, at most {@link #ATTEMPTS} presentations, one live code
 * per user and channel ({@code mfa_otp_codes}, keyed hash only), sends limited per user and channel to one per
 * {@link #SEND_INTERVAL} and {@link #SENDS_PER_HOUR} per hour ({@code mfa_otp_sends}).
 */
final class SentCodes {
    static final Duration LIFETIME = Duration.ofMinutes(5);
    static final int ATTEMPTS = 5;
    static final Duration SEND_INTERVAL = Duration.ofSeconds(30);
    static final int SENDS_PER_HOUR = 5;
    /** Sends are counted over the last hour; older ones are dropped after this. */
    static final Duration SENDS_KEPT = Duration.ofHours(2);

    private final Db db;
    private final Methods methods;
    private final CodeHasher hasher;
    private final Clock clock;
    private final SecureRandom random;

    SentCodes(Db db, Methods methods, CodeHasher hasher, Clock clock, SecureRandom random) {
        this.db = db;
        this.methods = methods;
        this.hasher = hasher;
        this.clock = clock;
        this.random = random;
    }

    /** A new code to deliver to {@code to}, or why there is none. */
    sealed interface Issued {
        record Code(String to, String code) implements Issued {
            @Override
            public String toString() {
                return "Code[***]";
            }
        }

        record Throttled(long retryAfterSeconds) implements Issued {}

        record NotEnrolled() implements Issued {}
    }

    /**
     * Issues a new code for {@code channel} (replacing any earlier one) within the send limits, for a method in
     * {@code required} state. The code is returned to the caller to deliver; only its keyed hash is stored.
     */
    Issued issue(User user, Method channel, MethodStatus required) {
        Instant now = clock.instant();
        return db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                ps.setString(1, "mfa-send:" + user.id() + ":" + channel.wire());
                ps.executeQuery().close();
            }
            Optional<String> to = methods.destination(c, user, channel, required);
            if (to.isEmpty()) {
                return new Issued.NotEnrolled();
            }
            long wait = waitBeforeSend(c, user, channel, now);
            if (wait > 0) {
                return new Issued.Throttled(wait);
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM mfa_otp_sends WHERE user_id = ? AND sent_at < ?")) {
                ps.setObject(1, user.id());
                ps.setTimestamp(2, Timestamp.from(now.minus(SENDS_KEPT)));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO mfa_otp_sends (user_id, channel, sent_at) VALUES (?, ?, ?)")) {
                ps.setObject(1, user.id());
                ps.setString(2, channel.wire());
                ps.setTimestamp(3, Timestamp.from(now));
                ps.executeUpdate();
            }
            String code = String.format(Locale.ROOT, "%06d", random.nextInt(1_000_000));
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO mfa_otp_codes (user_id, channel, code_hash, expires_at, attempts, used_at) VALUES (?, ?, ?, ?, 0, NULL)
                    ON CONFLICT (user_id, channel) DO UPDATE SET code_hash = EXCLUDED.code_hash,
                        expires_at = EXCLUDED.expires_at, attempts = 0, used_at = NULL""")) {
                ps.setObject(1, user.id());
                ps.setString(2, channel.wire());
                ps.setBytes(3, hasher.hash(channel.wire(), user.id(), code));
                ps.setTimestamp(4, Timestamp.from(now.plus(LIFETIME)));
                ps.executeUpdate();
            }
            return new Issued.Code(to.get(), code);
        });
    }

    /** Seconds until the send limits allow another code; 0 when one may go now. */
    private static long waitBeforeSend(Connection c, User user, Method channel, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT max(sent_at), count(*), min(sent_at) FROM mfa_otp_sends
                WHERE user_id = ? AND channel = ? AND sent_at > ?""")) {
            ps.setObject(1, user.id());
            ps.setString(2, channel.wire());
            ps.setTimestamp(3, Timestamp.from(now.minus(Duration.ofHours(1))));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getTimestamp(1) == null) {
                    return 0;
                }
                Instant last = rs.getTimestamp(1).toInstant();
                int lastHour = rs.getInt(2);
                Instant oldestInHour = rs.getTimestamp(3).toInstant();
                long wait = 0;
                if (now.isBefore(last.plus(SEND_INTERVAL))) {
                    wait = Duration.between(now, last.plus(SEND_INTERVAL)).toSeconds() + 1;
                }
                if (lastHour >= SENDS_PER_HOUR) {
                    wait = Math.max(wait, Duration.between(now, oldestInHour.plus(Duration.ofHours(1))).toSeconds() + 1);
                }
                return wait;
            }
        }
    }

    /** Checks a presented code; every presentation counts as an attempt and a right code is spent. */
    boolean check(Connection c, User user, Method channel, String code, MethodStatus required) throws SQLException {
        if (methods.destination(c, user, channel, required).isEmpty()) {
            return false;
        }
        byte[] stored;
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT code_hash FROM mfa_otp_codes WHERE user_id = ? AND channel = ? AND used_at IS NULL
                    AND expires_at > ? AND attempts < ? FOR UPDATE""")) {
            ps.setObject(1, user.id());
            ps.setString(2, channel.wire());
            ps.setTimestamp(3, Timestamp.from(clock.instant()));
            ps.setInt(4, ATTEMPTS);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return false;
                }
                stored = rs.getBytes(1);
            }
        }
        boolean ok = MessageDigest.isEqual(stored, hasher.hash(channel.wire(), user.id(), code));
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE mfa_otp_codes SET attempts = attempts + 1, used_at = CASE WHEN ? THEN ? ELSE used_at END"
                        + " WHERE user_id = ? AND channel = ?")) {
            ps.setBoolean(1, ok);
            ps.setTimestamp(2, Timestamp.from(clock.instant()));
            ps.setObject(3, user.id());
            ps.setString(4, channel.wire());
            ps.executeUpdate();
        }
        return ok;
    }
}
