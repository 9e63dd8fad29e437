package com.liftos.security.auth.account;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.auth.password.HashingGate;
import com.liftos.security.auth.password.PasswordHasher;
import com.liftos.security.auth.session.Client;
import com.liftos.security.auth.session.Sessions;
import com.liftos.security.auth.token.ChallengeTokens;
import com.liftos.security.auth.user.User;
import com.liftos.security.auth.user.Users;
import com.liftos.security.org.SecurityConfig;
import com.liftos.security.store.Db;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * Password logins. An unknown email spends the same Argon2 work as a wrong password and is refused with the same
 * reason; locks and disabled accounts are only revealed after a correct password. Every attempt is audited
 * (LOGIN_SUCCESS / LOGIN_FAILURE, with the user as actor when the account exists).
 */
public final class Logins {
    private final Db db;
    private final Users users;
    private final Function<UUID, SecurityConfig> orgConfigs;
    private final PasswordHasher hasher;
    private final HashingGate gate;
    private final Sessions sessions;
    private final SecondFactor secondFactor;
    private final ChallengeTokens challenges;
    private final AuditLog audit;
    private final Clock clock;
    private final NetworkPolicy network;

    public Logins(Db db, Users users, Function<UUID, SecurityConfig> orgConfigs, PasswordHasher hasher, HashingGate gate, Sessions sessions,
                  SecondFactor secondFactor, ChallengeTokens challenges, AuditLog audit, Clock clock, NetworkPolicy network) {
        this.network = network;
        this.db = db;
        this.users = users;
        this.orgConfigs = orgConfigs;
        this.hasher = hasher;
        this.gate = gate;
        this.sessions = sessions;
        this.secondFactor = secondFactor;
        this.challenges = challenges;
        this.audit = audit;
        this.clock = clock;
    }

    /** A user with their stored hash; the hash never leaves this package. */
    record Credential(User user, String passwordHash) {
        @Override
        public String toString() {
            return "Credential[user=" + user.id() + "]";
        }
    }

    Optional<Credential> credential(String email) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT " + Users.COLUMNS + ", password_hash FROM users WHERE lower(email) = ?")) {
                ps.setString(1, email.toLowerCase(Locale.ROOT));
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new Credential(Users.read(rs), rs.getString(10))) : Optional.empty();
                }
            }
        });
    }

    Optional<Credential> credential(UUID userId) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + Users.COLUMNS + ", password_hash FROM users WHERE id = ?")) {
                ps.setObject(1, userId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new Credential(Users.read(rs), rs.getString(10))) : Optional.empty();
                }
            }
        });
    }

    /** Checks a password with the uniform cost; true only for an existing user whose password matches. */
    boolean checkPassword(Optional<Credential> cred, char[] password) {
        return gate.run(() -> {
            if (cred.isEmpty()) {
                hasher.burn(password);
                return false;
            }
            return hasher.verify(password, cred.get().passwordHash());
        });
    }

    public LoginOutcome login(String email, char[] password, Client client) {
        Instant now = clock.instant();
        Optional<Credential> cred = email.length() > 320 ? Optional.empty() : credential(email);
        boolean ok = checkPassword(cred, password);
        if (!ok) {
            return refuse(cred.map(Credential::user), client, LoginOutcome.Reason.INVALID_CREDENTIALS, now);
        }
        User user = cred.get().user();
        if (user.status() != User.Status.ACTIVE) {
            return refuse(Optional.of(user), client, LoginOutcome.Reason.ACCOUNT_DISABLED, now);
        }
        if (user.lockedUntil().filter(now::isBefore).isPresent()) {
            return refuse(Optional.of(user), client, LoginOutcome.Reason.ACCOUNT_LOCKED, now);
        }
        if (!network.permits(user.orgId(), client.ip())) {
            return refuse(Optional.of(user), client, LoginOutcome.Reason.NETWORK_NOT_ALLOWED, now);
        }
        if (hasher.needsRehash(cred.get().passwordHash())) {
            String upgraded = gate.run(() -> hasher.hash(password));
            storeRehash(user.id(), upgraded);
        }
        SecurityConfig.PasswordPolicy policy = orgConfigs.apply(user.orgId()).passwordPolicy();
        if (policy.maxAgeDays() > 0 && !now.isBefore(user.passwordChangedAt().plus(Duration.ofDays(policy.maxAgeDays())))) {
            return new LoginOutcome.PasswordChangeRequired(user, challenges.issue(ChallengeTokens.Purpose.PASSWORD_CHANGE, user.id()));
        }
        List<String> methods = secondFactor.methodsFor(user);
        if (!methods.isEmpty()) {
            return new LoginOutcome.MfaRequired(user, methods, challenges.issue(ChallengeTokens.Purpose.MFA, user.id()));
        }
        Sessions.Opened opened;
        try {
            opened = sessions.open(user, List.of("pwd"), client);
        } catch (Sessions.SessionLimitReached e) {
            return refuse(Optional.of(user), client, LoginOutcome.Reason.SESSION_LIMIT, now);
        }
        recordSuccess(user, opened, client);
        return secondFactor.requiredByOrg(user) ? new LoginOutcome.MfaEnrollmentRequired(user, opened)
                : new LoginOutcome.Authenticated(user, opened);
    }

    /**
     * Records LOGIN_SUCCESS (the login time was stored with the session); the MFA step calls this after its own
     * {@link Sessions#open}. Written through the audit log's group commit, durable before the tokens are returned.
     */
    public void recordSuccess(User user, Sessions.Opened opened, Client client) {
        audit.record(SecurityEvent.builder(SecurityEventType.LOGIN_SUCCESS, "login")
                .org(user.orgId()).actor(user.id(), SecurityEvent.ActorType.USER).resource("user:" + user.id())
                .clientIp(client.ip()).userAgent(client.userAgent().orElse(null)).requestId(client.requestId())
                .detail("session_id", opened.tokens().sessionId().toString()).detail("amr", opened.amr())
                .detail("new_device", opened.newDevice()).detail("ip_changed", opened.ipChanged())
                .risk(opened.riskScore()).build(clock.instant()));
    }

    /** Audits LOGIN_FAILURE with {@code reason} (the user as actor when the account exists) and refuses. */
    private LoginOutcome refuse(Optional<User> user, Client client, LoginOutcome.Reason reason, Instant now) {
        SecurityEvent.Builder b = SecurityEvent.builder(SecurityEventType.LOGIN_FAILURE, "login")
                .clientIp(client.ip()).userAgent(client.userAgent().orElse(null)).requestId(client.requestId())
                .success(false).detail("reason", reason.audited()).risk(0.3);
        user.ifPresent(u -> b.org(u.orgId()).actor(u.id(), SecurityEvent.ActorType.USER).resource("user:" + u.id()));
        if (user.isEmpty()) {
            b.actor(null, SecurityEvent.ActorType.ANONYMOUS);
        }
        audit.record(b.build(now));
        return new LoginOutcome.Refused(reason);
    }

    /** Replaces the stored hash with one of the current parameters (same password, so its age is kept). */
    void storeRehash(UUID userId, String hash) {
        db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?")) {
                ps.setString(1, hash);
                ps.setTimestamp(2, Timestamp.from(clock.instant()));
                ps.setObject(3, userId);
                return ps.executeUpdate();
            }
        });
    }

}
