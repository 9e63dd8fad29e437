package com.liftos.security.auth;

import com.liftos.security.store.Db;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;

/**
 * Whether a verified access token is still honoured: its {@code jti} not revoked, and its session alive (not
 * ended, not idle past its timeout, not past its absolute expiry) or its service account active. Answers come
 * from the shared database, so an end or revocation on one instance is seen by every other at once.
 */
public class TokenState {
    static final String CHANNEL = "liftos_auth_revocations";

    private final Db db;
    private final Clock clock;

    public TokenState(Db db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    public boolean isActive(AccessClaims claims) {
        Instant now = clock.instant();
        return db.run(c -> {
            if (claims.sessionId().isPresent()) {
                return sessionAlive(c, claims, now);
            }
            return serviceAccountActive(c, claims);
        });
    }

    private boolean sessionAlive(Connection c, AccessClaims claims, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT s.ended_at IS NULL AND s.expires_at > ? AND s.last_seen_at + make_interval(secs => s.idle_timeout_seconds) > ?,
                       s.last_seen_at,
                       EXISTS (SELECT 1 FROM revoked_access_tokens r WHERE r.jti = ?)
                FROM auth_sessions s WHERE s.id = ? AND s.user_id = ?""")) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setTimestamp(2, Timestamp.from(now));
            ps.setString(3, claims.jti());
            ps.setObject(4, claims.sessionId().orElseThrow());
            ps.setObject(5, claims.subject());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || !rs.getBoolean(1) || rs.getBoolean(3)) {
                    return false;
                }
                if (rs.getTimestamp(2).toInstant().plus(Sessions.touchEvery()).isBefore(now)) {
                    touch(c, claims.sessionId().get(), now);
                }
                return true;
            }
        }
    }

    private static boolean serviceAccountActive(Connection c, AccessClaims claims) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT a.status = 'active' AND NOT EXISTS (SELECT 1 FROM revoked_access_tokens r WHERE r.jti = ?)
                FROM service_accounts a WHERE a.id = ? AND a.client_id = ?""")) {
            ps.setString(1, claims.jti());
            ps.setObject(2, claims.subject());
            ps.setString(3, claims.clientId().orElseThrow());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private static void touch(Connection c, UUID sid, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE auth_sessions SET last_seen_at = ? WHERE id = ? AND ended_at IS NULL AND last_seen_at < ?")) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setObject(2, sid);
            ps.setTimestamp(3, Timestamp.from(now));
            ps.executeUpdate();
        }
    }

    /** Revokes one access token until its expiry. */
    public void revokeJti(String jti, Instant expiresAt) {
        Instant now = clock.instant();
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO revoked_access_tokens (jti, expires_at, revoked_at) VALUES (?, ?, ?)
                    ON CONFLICT (jti) DO NOTHING""")) {
                ps.setString(1, jti);
                ps.setTimestamp(2, Timestamp.from(expiresAt));
                ps.setTimestamp(3, Timestamp.from(now));
                ps.executeUpdate();
            }
            announce(c, "j:" + jti);
            return null;
        });
        jtiRevoked(jti);
    }

    /** Inside the ending transaction: tells every instance, on commit, that {@code sid} ended. */
    void announceSessionEnded(Connection c, UUID sid) throws SQLException {
        announce(c, "s:" + sid);
    }

    static void announce(Connection c, String payload) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify('" + CHANNEL + "', ?)")) {
            ps.setString(1, payload);
            ps.executeQuery().close();
        }
    }

    /** After commit: this instance drops what it knew about the session. */
    void sessionEnded(UUID sid) {}

    void sessionTouched(UUID sid, Instant at) {}

    void jtiRevoked(String jti) {}
}
