package com.liftos.security.mfa;

import com.liftos.security.auth.account.LoginOutcome;
import com.liftos.security.auth.account.Logins;
import com.liftos.security.auth.session.Client;
import com.liftos.security.auth.session.Sessions;
import com.liftos.security.auth.token.ChallengeTokens;
import com.liftos.security.auth.user.User;
import com.liftos.security.auth.user.Users;
import com.liftos.security.store.Db;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

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

    private final Db db;
    private final ChallengeTokens challenges;
    private final Sessions sessions;
    private final Logins logins;
    private final Users users;
    private final CodeCheck codes;
    private final Delivery delivery;
    private final Passkeys passkeys;
    private final MfaEvents events;
    private final Clock clock;

    MfaLogin(Db db, ChallengeTokens challenges, Sessions sessions, Logins logins, Users users, CodeCheck codes,
             Delivery delivery, Passkeys passkeys, MfaEvents events, Clock clock) {
        this.db = db;
        this.challenges = challenges;
        this.sessions = sessions;
        this.logins = logins;
        this.users = users;
        this.codes = codes;
        this.delivery = delivery;
        this.passkeys = passkeys;
        this.events = events;
        this.clock = clock;
    }

    /** What presenting a code with an MFA token led to. */
    sealed interface Outcome {
        /** The code was right: the session is open, with {@code amr = ["pwd", <factor>]}. */
        record Opened(Sessions.Opened session, String deviceToken) implements Outcome {
            @Override
            public String toString() {
                return "Opened[session=" + session.tokens().sessionId() + "]";
            }
        }

        /** The MFA token was already used or has died of wrong codes. */
        record TokenSpent() implements Outcome {}

        /** A wrong code (audited and counted). */
        record WrongCode() implements Outcome {}

        /** A passkey assertion refused by the check {@code reason} (audited and counted as a wrong code). */
        record PasskeyRefused(String reason) implements Outcome {}

        /** Too many wrong codes lately; try again in {@code retryAfterSeconds}. */
        record Throttled(long retryAfterSeconds) implements Outcome {}

        /** The organization's session limit refuses another session. */
        record SessionLimitReached() implements Outcome {}

        /** The organization refuses the client's address ({@code code}: {@code ip_not_allowed} or {@code ip_blocked}). */
        record AddressRefused(String code) implements Outcome {}
    }

    /** The user an unexpired, unspent MFA token names, when that user may still sign in. */
    Optional<User> userOf(String mfaToken) {
        Instant now = clock.instant();
        Optional<User> user = challenges.verify(ChallengeTokens.Purpose.MFA, mfaToken).flatMap(users::find)
                .filter(u -> u.maySignInAt(now));
        if (user.isEmpty()) {
            return user;
        }
        boolean spent = db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT 1 FROM mfa_login_challenges WHERE token_hash = ? AND (consumed_at IS NOT NULL OR failures >= ?)")) {
                ps.setBytes(1, sha256(mfaToken));
                ps.setInt(2, TOKEN_FAILURES);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
        return spent ? Optional.empty() : user;
    }

    /** Sends a login code by email or SMS to the user's active channel. */
    Delivery.Outcome send(User user, Method channel) {
        return delivery.send(user, channel, MethodStatus.ACTIVE);
    }

    /** Checks the code and, when right, opens the session with {@code amr = ["pwd", <factor>]}. */
    Outcome verify(User user, String mfaToken, Method method, String code, Client client, MfaEvents.Origin origin) {
        return verify(user, mfaToken, method, c -> codes.check(c, user, method, code, MethodStatus.ACTIVE)
                ? Optional.of(method.amr) : Optional.empty(), client, origin, Optional.empty());
    }

    /**
     * Checks a passkey assertion (against a second-factor challenge of this user) and, when it verifies, opens the
     * session with {@code amr = ["pwd", "hwk" | "swk"]}. A refusal counts as a wrong code, its check named in the audit.
     */
    Outcome verifyPasskey(User user, String mfaToken, String responseJson, Client client, MfaEvents.Origin origin,
                          PasskeyEvents passkeyEvents) {
        OptionalLong throttled = events.throttledFor(user);
        if (throttled.isPresent()) {
            return new Outcome.Throttled(throttled.getAsLong());
        }
        Passkeys.Assertion a = passkeys.verify(Passkeys.Purpose.SECOND_FACTOR, Optional.of(user.id()), responseJson);
        Optional<String> amr = a instanceof Passkeys.Assertion.Verified v ? Optional.of(v.passkey().amr()) : Optional.empty();
        Optional<String> refusal = Optional.empty();
        if (a instanceof Passkeys.Assertion.Refused r) {
            refusal = Optional.of(r.reason().wire());
            passkeyEvents.refused(r, origin);
        }
        return verify(user, mfaToken, Method.PASSKEY, c -> amr, client, origin, refusal);
    }

    /** The code or assertion check, run under the MFA token's row lock: the {@code amr} value when right. */
    @FunctionalInterface
    private interface Check {
        Optional<String> amr(Connection c) throws SQLException;
    }

    private Outcome verify(User user, String mfaToken, Method method, Check check, Client client, MfaEvents.Origin origin,
                           Optional<String> refusal) {
        OptionalLong throttled = events.throttledFor(user);
        if (throttled.isPresent()) {
            return new Outcome.Throttled(throttled.getAsLong());
        }
        OptionalLong budget = logins.secondFactorRefusal(user, client);
        if (budget.isPresent()) {
            return new Outcome.Throttled(budget.getAsLong());
        }
        Optional<LoginOutcome.Reason> refusedAddress = logins.addressRefusal(user, client);
        if (refusedAddress.isPresent()) {
            return new Outcome.AddressRefused(refusedAddress.get().audited());
        }
        byte[] tokenHash = sha256(mfaToken);
        Instant now = clock.instant();
        Optional<Optional<String>> accepted = db.tx(c -> {
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
                        return Optional.<Optional<String>>empty();
                    }
                }
            }
            Optional<String> amr = check.amr(c);
            boolean ok = amr.isPresent();
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
            return Optional.of(amr);
        });
        if (accepted.isEmpty()) {
            return new Outcome.TokenSpent();
        }
        if (accepted.get().isEmpty()) {
            events.wrongCode(user, method, MfaEvents.Step.LOGIN, origin, refusal);
            logins.secondFactorFailed(user, client);
            return refusal.isPresent() ? new Outcome.PasskeyRefused(refusal.get()) : new Outcome.WrongCode();
        }
        Sessions.Opened opened;
        try {
            opened = sessions.open(user, List.of("pwd", accepted.get().get()), client);
        } catch (Sessions.SessionLimitReached e) {
            return new Outcome.SessionLimitReached();
        }
        return new Outcome.Opened(opened, logins.signedIn(user, opened, client, method.wire()));
    }

    static byte[] sha256(String s) {
        return sha256(s.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
