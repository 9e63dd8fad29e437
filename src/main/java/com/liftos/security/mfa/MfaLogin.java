package com.liftos.security.mfa;

import com.liftos.security.auth.Auth;
import com.liftos.security.auth.ChallengeTokens;
import com.liftos.security.auth.Sessions;
import com.liftos.security.auth.User;
import com.liftos.security.auth.Users;
import com.liftos.security.http.ApiException;
import com.liftos.security.store.Db;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The second step of a login: the MFA token from {@code mfa_required} plus a code opens the session. Each MFA
 * token is single-use (consumed by the first right code) and dies after {@link #TOKEN_FAILURES} wrong ones; its
 * state is keyed by the token's SHA-256 and checked under the row's lock, so concurrent presentations of one
 * token and one code open exactly one session.
 */
final class MfaLogin {
    static final int TOKEN_FAILURES = 5;
    /** The MFA token's own lifetime ({@link ChallengeTokens.Purpose#MFA}); its row may go after twice that. */
    static final Duration TOKEN_LIFETIME = Duration.ofMinutes(5);

    private final Factors factors;
    private final Auth auth;
    private final Users users;
    private final Delivery delivery;
    private final MfaEvents events;
    private final Clock clock;
    private final Db db;

    MfaLogin(Factors factors, Auth auth, Users users, Delivery delivery, MfaEvents events, Clock clock) {
        this.factors = factors;
        this.auth = auth;
        this.users = users;
        this.delivery = delivery;
        this.events = events;
        this.clock = clock;
        this.db = factors.db();
    }

    /** The user an unexpired, unconsumed MFA token names (401 otherwise). */
    User userOf(String mfaToken) {
        if (mfaToken == null) {
            throw ApiException.validation("mfa_token is required", List.of("mfa_token is required"));
        }
        UUID userId = auth.challenges().verify(ChallengeTokens.Purpose.MFA, mfaToken).orElseThrow(ApiException::invalidToken);
        User user = users.find(userId).orElseThrow(ApiException::invalidToken);
        Instant now = clock.instant();
        if (!user.status().equals("active") || user.lockedUntil().filter(now::isBefore).isPresent()) {
            throw ApiException.invalidToken();
        }
        boolean dead = db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT 1 FROM mfa_login_challenges WHERE token_hash = ? AND (consumed_at IS NOT NULL OR failures >= ?)")) {
                ps.setBytes(1, sha256(mfaToken));
                ps.setInt(2, TOKEN_FAILURES);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
        if (dead) {
            throw ApiException.invalidToken();
        }
        return user;
    }

    /** Sends a login code by email or SMS to the user's active channel. */
    Factors.SendOutcome send(User user, Method channel) {
        if (!delivery.available(channel)) {
            throw Delivery.unavailable();
        }
        Factors.Issued issued = factors.issueCode(user, channel, "active");
        if (issued.outcome() instanceof Factors.SendOutcome.Sent s) {
            delivery.deliver(channel, s.to(), issued.code().orElseThrow());
        }
        return issued.outcome();
    }

    /** Checks the code and, when right, opens the session with {@code amr = ["pwd", <factor>]}. */
    Sessions.Opened verify(User user, String mfaToken, Method method, String code, Sessions.Client client, MfaEvents.Origin origin) {
        events.refuseIfThrottled(user);
        byte[] tokenHash = sha256(mfaToken);
        Instant now = clock.instant();
        Optional<Boolean> accepted = db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO mfa_login_challenges (token_hash, user_id, expires_at) VALUES (?, ?, ?)
                    ON CONFLICT (token_hash) DO NOTHING""")) {
                ps.setBytes(1, tokenHash);
                ps.setObject(2, user.id());
                ps.setTimestamp(3, Timestamp.from(now.plus(TOKEN_LIFETIME)));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT consumed_at, failures FROM mfa_login_challenges WHERE token_hash = ? FOR UPDATE""")) {
                ps.setBytes(1, tokenHash);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getTimestamp(1) != null || rs.getInt(2) >= TOKEN_FAILURES) {
                        return Optional.<Boolean>empty();
                    }
                }
            }
            boolean ok = factors.check(c, user, method, code, "active");
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE mfa_login_challenges SET consumed_at = CASE WHEN ? THEN ? ELSE consumed_at END,
                        failures = failures + CASE WHEN ? THEN 0 ELSE 1 END
                    WHERE token_hash = ?""")) {
                ps.setBoolean(1, ok);
                ps.setTimestamp(2, Timestamp.from(now));
                ps.setBoolean(3, ok);
                ps.setBytes(4, tokenHash);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM mfa_login_challenges WHERE expires_at < ?")) {
                ps.setTimestamp(1, Timestamp.from(now.minus(TOKEN_LIFETIME)));
                ps.executeUpdate();
            }
            return Optional.of(ok);
        });
        if (accepted.isEmpty()) {
            throw ApiException.invalidToken();
        }
        if (!accepted.get()) {
            events.wrongCode(user, method, "login", true, origin);
            throw new ApiException(401, "invalid_code", "The code is not valid");
        }
        List<String> amr = List.of("pwd", method.amr);
        Sessions.Opened opened;
        try {
            opened = auth.sessions().open(user, amr, client);
        } catch (Sessions.SessionLimitReached e) {
            throw ApiException.conflict("session_limit",
                    "The maximum number of concurrent sessions is reached; log out of another session first");
        }
        auth.logins().recordSuccess(user, opened, amr, client);
        return opened;
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
