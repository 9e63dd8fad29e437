package com.liftos.security.auth.lifecycle;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.auth.account.Accounts;
import com.liftos.security.auth.password.HashingGate;
import com.liftos.security.auth.password.PasswordHasher;
import com.liftos.security.auth.password.PasswordRules;
import com.liftos.security.auth.session.Sessions;
import com.liftos.security.auth.user.User;
import com.liftos.security.auth.user.Users;
import com.liftos.security.org.SecurityConfig;
import com.liftos.security.store.Db;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * Forgotten passwords. {@link #request} returns at once and does everything after the answer (look-up, token,
 * audit, mail), so the answer is the same, in content and in time, whether the address has an account or not.
 * An active account gets a one-time link ({@code <LIFTOS_PUBLIC_URL>/console/reset-password?token=...}); a newer
 * request kills the older link. {@link #reset} sets the new password (the organization's policy applies), ends
 * every session and refresh family of the user, lifts the login lockouts, and tells the owner. Audited:
 * PASSWORD_RESET_REQUESTED, PASSWORD_CHANGED ({@code reset_password}).
 */
public final class PasswordResets {
    static final String LINK_PATH = "/console/reset-password";

    private final Db db;
    private final AccountTokens tokens;
    private final Users users;
    private final Accounts accounts;
    private final Sessions sessions;
    private final Function<UUID, SecurityConfig> orgConfigs;
    private final PasswordHasher hasher;
    private final HashingGate gate;
    private final AuditLog audit;
    private final Postbox postbox;
    private final Duration lifetime;
    private final Clock clock;

    PasswordResets(Db db, AccountTokens tokens, Users users, Accounts accounts, Sessions sessions,
                   Function<UUID, SecurityConfig> orgConfigs, PasswordHasher hasher, HashingGate gate, AuditLog audit,
                   Postbox postbox, Duration lifetime, Clock clock) {
        this.db = db;
        this.tokens = tokens;
        this.users = users;
        this.accounts = accounts;
        this.sessions = sessions;
        this.orgConfigs = orgConfigs;
        this.hasher = hasher;
        this.gate = gate;
        this.audit = audit;
        this.postbox = postbox;
        this.lifetime = lifetime;
        this.clock = clock;
    }

    /** Asks for a reset link for {@code email}; returns before anything is looked up. */
    public void request(String email, Accounts.Actor actor) {
        postbox.later("password reset request", () -> issue(email, actor));
    }

    private void issue(String email, Accounts.Actor actor) {
        if (!postbox.on()) {
            return;
        }
        Optional<User> found = users.findByEmail(email).filter(u -> u.status() == User.Status.ACTIVE);
        if (found.isEmpty()) {
            return;
        }
        User user = found.get();
        Instant now = clock.instant();
        AccountTokens.Issued issued = db.tx(c -> {
            int replaced = tokens.revokeOpen(c, user.id(), AccountTokens.Purpose.PASSWORD_RESET, now);
            AccountTokens.Issued i = tokens.insert(c, new AccountTokens.Request(AccountTokens.Purpose.PASSWORD_RESET, user.orgId(),
                    Optional.of(user.id()), user.email(), Optional.empty(), List.of(), Optional.empty()), lifetime, now);
            audit.record(c, Events.of(SecurityEventType.PASSWORD_RESET_REQUESTED, "request_password_reset", user.orgId(),
                    "user:" + user.id(), actor).detail("links_replaced", replaced)
                    .detail("expires_at", i.row().expiresAt().toString()).build(now));
            return i;
        });
        postbox.sendNow(user.email(), "Reset your LiftOS password", """
                Someone (hopefully you) asked to reset the password of your LiftOS account.

                Choose a new password here: %s
                (the link works once, until %s UTC; signing in everywhere ends when you use it).

                If you did not ask for this, ignore this mail: your password stays as it is.
                """.formatted(postbox.link(LINK_PATH, issued.token()), issued.row().expiresAt().truncatedTo(java.time.temporal.ChronoUnit.MINUTES)));
    }

    /** What a reset led to. */
    public sealed interface Reset {
        record Done(int sessionsEnded) implements Reset {}
        /** Unknown, used, expired or replaced link, or one of another purpose: the same answer for all. */
        record InvalidLink() implements Reset {}
        record PolicyViolated(List<String> problems) implements Reset {
            public PolicyViolated {
                problems = List.copyOf(problems);
            }
        }
    }

    /**
     * Sets a new password with a reset link's token. The policy is checked before the token is spent (a refused
     * password leaves the link working). Throws {@link HashingGate.Busy} when hashing is saturated.
     */
    public Reset reset(String token, char[] password, Accounts.Actor actor) {
        Optional<AccountTokens.Row> live = tokens.peek(token, AccountTokens.Purpose.PASSWORD_RESET, clock.instant());
        Optional<User> user = live.flatMap(AccountTokens.Row::userId).flatMap(users::find);
        if (user.isEmpty()) {
            return new Reset.InvalidLink();
        }
        List<String> problems = PasswordRules.violations(password, orgConfigs.apply(user.get().orgId()).passwordPolicy());
        if (!problems.isEmpty()) {
            return new Reset.PolicyViolated(problems);
        }
        String hash = gate.run(() -> hasher.hash(password));
        User u = user.get();
        Optional<Accounts.PasswordReset> done = db.tx(c -> {
            Instant now = clock.instant();
            if (tokens.consume(c, token, AccountTokens.Purpose.PASSWORD_RESET, now).isEmpty()) {
                return Optional.<Accounts.PasswordReset>empty();
            }
            Accounts.PasswordReset r = accounts.resetPassword(c, u.id(), hash, now);
            audit.record(c, Events.of(SecurityEventType.PASSWORD_CHANGED, "reset_password", u.orgId(), "user:" + u.id(),
                            new Accounts.Actor(Optional.of(u.id()), SecurityEvent.ActorType.USER, actor.clientIp(), actor.requestId()))
                    .detail("by", "reset_link").detail("sessions_ended", r.sessionsEnded().size())
                    .detail("login_lockouts_cleared", r.lockoutsCleared()).build(now));
            return Optional.of(r);
        });
        if (done.isEmpty()) {
            return new Reset.InvalidLink();
        }
        sessions.afterEnding(done.get().sessionsEnded());
        postbox.send(u.email(), "Your LiftOS password was changed", """
                The password of your LiftOS account was just reset with a link mailed to this address, and every \
                session was signed out.

                If this was not you, contact your administrator at once.
                """);
        return new Reset.Done(done.get().sessionsEnded().size());
    }
}
