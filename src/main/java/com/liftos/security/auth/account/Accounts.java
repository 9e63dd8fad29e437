package com.liftos.security.auth.account;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.auth.password.HashingGate;
import com.liftos.security.auth.password.PasswordHasher;
import com.liftos.security.auth.password.PasswordRules;
import com.liftos.security.auth.session.Sessions;
import com.liftos.security.auth.user.User;
import com.liftos.security.auth.user.Users;
import com.liftos.security.org.Organizations;
import com.liftos.security.store.Db;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Account state changes other features rely on: disable/enable, lock/unlock ({@code users.locked_until}),
 * password change. Disabling ends every session of the user on every instance before returning; locking only
 * refuses new logins (end the sessions too with {@link Sessions#endAllForUser} when containing an incident).
 */
public final class Accounts {
    private final Db db;
    private final Users users;
    private final Organizations orgs;
    private final Sessions sessions;
    private final Logins logins;
    private final PasswordHasher hasher;
    private final HashingGate gate;
    private final AuditLog audit;
    private final Clock clock;

    public Accounts(Db db, Users users, Organizations orgs, Sessions sessions, Logins logins, PasswordHasher hasher, HashingGate gate,
             AuditLog audit, Clock clock) {
        this.db = db;
        this.users = users;
        this.orgs = orgs;
        this.sessions = sessions;
        this.logins = logins;
        this.hasher = hasher;
        this.gate = gate;
        this.audit = audit;
        this.clock = clock;
    }

    /** Who did it, for the audit trail. */
    public record Actor(Optional<UUID> id, SecurityEvent.ActorType type, String clientIp, Optional<String> requestId) {
        public static Actor system() {
            return new Actor(Optional.empty(), SecurityEvent.ActorType.SYSTEM, "", Optional.empty());
        }
    }

    /** Sets the status; disabling ends all sessions. False when the user is unknown or already in that state. */
    public boolean setEnabled(UUID userId, boolean enabled, Actor actor) {
        Optional<User> user = users.find(userId);
        if (user.isEmpty()) {
            return false;
        }
        Instant now = clock.instant();
        List<UUID> ended = db.tx(c -> {
            int n;
            try (PreparedStatement ps = c.prepareStatement("UPDATE users SET status = ?, updated_at = ? WHERE id = ? AND status <> ?")) {
                String status = (enabled ? User.Status.ACTIVE : User.Status.DISABLED).wire();
                ps.setString(1, status);
                ps.setTimestamp(2, Timestamp.from(now));
                ps.setObject(3, userId);
                ps.setString(4, status);
                n = ps.executeUpdate();
            }
            if (n == 0) {
                return null;
            }
            audit.record(c, event(SecurityEventType.USER_UPDATED, enabled ? "enable_user" : "disable_user", user.get(), actor)
                    .build(now));
            return enabled ? List.<UUID>of() : sessions.endAllForUser(c, userId, "user_disabled");
        });
        if (ended == null) {
            return false;
        }
        sessions.afterEnding(ended);
        return true;
    }

    /** Refuses logins until {@code until} (ACCOUNT_LOCKED). */
    public boolean lock(UUID userId, Instant until, String reason, Actor actor) {
        return setLock(userId, Optional.of(until), reason, actor);
    }

    /** Clears a lock and the login lockouts of every device (ACCOUNT_UNLOCKED, by admin). */
    public boolean unlock(UUID userId, Actor actor) {
        return setLock(userId, Optional.empty(), "unlock", actor);
    }

    private boolean setLock(UUID userId, Optional<Instant> until, String reason, Actor actor) {
        Optional<User> user = users.find(userId);
        if (user.isEmpty()) {
            return false;
        }
        Instant now = clock.instant();
        return db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE users SET locked_until = ?, updated_at = ? WHERE id = ?")) {
                ps.setTimestamp(1, until.map(Timestamp::from).orElse(null));
                ps.setTimestamp(2, Timestamp.from(now));
                ps.setObject(3, userId);
                ps.executeUpdate();
            }
            // An unlock also lifts the login lockouts (and their counts) that password guessing placed.
            int lockouts = until.isPresent() ? 0 : Lockouts.clear(c, userId);
            SecurityEvent.Builder b = event(until.isPresent() ? SecurityEventType.ACCOUNT_LOCKED : SecurityEventType.ACCOUNT_UNLOCKED,
                    until.isPresent() ? "lock_account" : "unlock_account", user.get(), actor).detail("reason", reason);
            if (until.isEmpty()) {
                b.detail("by", "admin").detail("login_lockouts_cleared", lockouts);
            }
            until.ifPresent(u -> b.detail("locked_until", u.toString()));
            audit.record(c, b.build(now));
            return true;
        });
    }

    /** What a password change led to. */
    public sealed interface PasswordChange {
        record Changed() implements PasswordChange {}
        record WrongCurrentPassword() implements PasswordChange {}
        record PolicyViolated(List<String> problems) implements PasswordChange {}
    }

    /**
     * Changes a user's password after checking the current one and the organization's policy, and ends every
     * session of the user (a stolen session must not outlive the password it came from; the client logs in again).
     * PASSWORD_CHANGED is audited.
     */
    public PasswordChange changePassword(UUID userId, char[] current, char[] replacement, Actor actor) {
        Optional<Logins.Credential> cred = logins.credential(userId);
        if (!logins.checkPassword(cred, current)) {
            return new PasswordChange.WrongCurrentPassword();
        }
        User user = cred.get().user();
        List<String> problems = new java.util.ArrayList<>(PasswordRules.violations(replacement,
                orgs.securityConfig(user.orgId()).passwordPolicy()));
        if (java.util.Arrays.equals(current, replacement)) {
            problems.add("New password must differ from the current one");
        }
        if (!problems.isEmpty()) {
            return new PasswordChange.PolicyViolated(problems);
        }
        String hash = gate.run(() -> hasher.hash(replacement));
        Instant now = clock.instant();
        List<UUID> ended = db.tx(c -> {
            storePassword(c, userId, hash, now);
            List<UUID> all = sessions.endAllForUser(c, userId, "password_changed");
            audit.record(c, event(SecurityEventType.PASSWORD_CHANGED, "change_password", user, actor)
                    .detail("sessions_ended", all.size()).build(now));
            return all;
        });
        sessions.afterEnding(ended);
        return new PasswordChange.Changed();
    }

    /** Whether {@code password} is the user's, at a login's cost (false for an unknown user): re-authentication. */
    public boolean passwordMatches(UUID userId, char[] password) {
        return logins.checkPassword(logins.credential(userId), password);
    }

    /** What a password reset ended: sessions (pass them to {@link Sessions#afterEnding} after commit) and login lockouts. */
    public record PasswordReset(List<UUID> sessionsEnded, int lockoutsCleared) {
        public PasswordReset {
            sessionsEnded = List.copyOf(sessionsEnded);
        }
    }

    /**
     * Sets a password without the current one (a reset by mailed link), in the caller's transaction: every session
     * and its refresh family is ended, the login lockouts (password guessing) are lifted. An administrator's lock
     * ({@code locked_until}) stays: a reset is not a way around incident containment.
     */
    public PasswordReset resetPassword(Connection c, UUID userId, String hash, Instant now) throws SQLException {
        storePassword(c, userId, hash, now);
        List<UUID> ended = sessions.endAllForUser(c, userId, "password_reset");
        return new PasswordReset(ended, Lockouts.clear(c, userId));
    }

    private static void storePassword(Connection c, UUID userId, String hash, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE users SET password_hash = ?, password_changed_at = ?, updated_at = ? WHERE id = ?")) {
            ps.setString(1, hash);
            ps.setTimestamp(2, Timestamp.from(now));
            ps.setTimestamp(3, Timestamp.from(now));
            ps.setObject(4, userId);
            ps.executeUpdate();
        }
    }

    private static SecurityEvent.Builder event(SecurityEventType type, String action, User user, Actor actor) {
        SecurityEvent.Builder b = SecurityEvent.builder(type, action).org(user.orgId()).resource("user:" + user.id())
                .actor(actor.id().orElse(null), actor.type());
        if (!actor.clientIp().isEmpty()) {
            b.clientIp(actor.clientIp());
        }
        actor.requestId().ifPresent(b::requestId);
        return b;
    }
}
