package com.liftos.security.mfa;

import com.liftos.security.store.Db;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * The brute-force throttle ({@code mfa_failures}): after {@link #BEFORE_LOCKOUT} wrong codes within
 * {@link #WINDOW} a user's checks are refused until the window passes, which bounds TOTP guessing to a few tries.
 */
final class WrongCodes {
    static final int BEFORE_LOCKOUT = 10;
    static final Duration WINDOW = Duration.ofMinutes(15);
    /** Failures are kept this long (well past {@link #WINDOW}). */
    static final Duration KEPT = Duration.ofDays(1);

    private final Db db;
    private final Clock clock;

    WrongCodes(Db db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** Counts a wrong code against the user. */
    void record(UUID userId) {
        Instant now = clock.instant();
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO mfa_failures (user_id, failed_at) VALUES (?, ?)")) {
                ps.setObject(1, userId);
                ps.setTimestamp(2, Timestamp.from(now));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM mfa_failures WHERE user_id = ? AND failed_at < ?")) {
                ps.setObject(1, userId);
                ps.setTimestamp(2, Timestamp.from(now.minus(KEPT)));
                ps.executeUpdate();
            }
            return null;
        });
    }

    /** Seconds until the user may try a code again; empty when not throttled. */
    OptionalLong lockedOutFor(UUID userId) {
        Instant now = clock.instant();
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT failed_at FROM mfa_failures WHERE user_id = ? AND failed_at > ?
                    ORDER BY failed_at DESC LIMIT 1 OFFSET ?""")) {
                ps.setObject(1, userId);
                ps.setTimestamp(2, Timestamp.from(now.minus(WINDOW)));
                ps.setInt(3, BEFORE_LOCKOUT - 1);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return OptionalLong.empty();
                    }
                    return OptionalLong.of(Math.max(1, Duration.between(now, rs.getTimestamp(1).toInstant().plus(WINDOW)).toSeconds() + 1));
                }
            }
        });
    }
}
