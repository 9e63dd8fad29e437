package com.liftos.security.auth.lifecycle;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.auth.account.Accounts;
import com.liftos.security.auth.password.HashingGate;
import com.liftos.security.auth.password.PasswordHasher;
import com.liftos.security.auth.session.Sessions;
import com.liftos.security.auth.user.Users;
import com.liftos.security.org.Organizations;
import com.liftos.security.org.SecurityConfig;
import com.liftos.security.store.Db;
import com.liftos.security.store.Purge;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * Accounts managed by mail: {@link Invitations}, {@link PasswordResets}, {@link Profiles} (display name, email
 * change). Each flow mails a one-time link under {@code LIFTOS_PUBLIC_URL} (paths a web console serves:
 * {@code /console/invite}, {@code /console/reset-password}, {@code /console/confirm-email}, each with
 * {@code ?token=}); the token is 32 random bytes, stored only as SHA-256, bound to its purpose and organization,
 * spent once, expiring. Mail leaves on threads of its own, after the answer.
 */
public final class Lifecycle implements AutoCloseable {
    private final Postbox postbox;
    private final Invitations invitations;
    private final PasswordResets resets;
    private final Profiles profiles;

    /** How long each kind of link works. */
    public record Lifetimes(Duration invitation, Duration passwordReset, Duration emailChange) {}

    private Lifecycle(Postbox postbox, Invitations invitations, PasswordResets resets, Profiles profiles) {
        this.postbox = postbox;
        this.invitations = invitations;
        this.resets = resets;
        this.profiles = profiles;
    }

    /** {@code mail}: the service's mailer, absent when mail is not configured. */
    public static Lifecycle start(Db db, Users users, Organizations orgs, Function<UUID, SecurityConfig> orgConfigs,
                                  Accounts accounts, Sessions sessions, PasswordHasher hasher, HashingGate gate, AuditLog audit,
                                  Optional<AccountMail> mail, URI publicUrl, Lifetimes lifetimes, Clock clock, SecureRandom random) {
        Postbox postbox = new Postbox(mail, publicUrl);
        AccountTokens tokens = new AccountTokens(db, random);
        return new Lifecycle(postbox,
                new Invitations(db, tokens, users, orgs, orgConfigs, hasher, gate, audit, postbox, lifetimes.invitation(), clock),
                new PasswordResets(db, tokens, users, accounts, sessions, orgConfigs, hasher, gate, audit, postbox,
                        lifetimes.passwordReset(), clock),
                new Profiles(db, tokens, users, accounts, audit, postbox, lifetimes.emailChange(), clock));
    }

    /** The retention rule of the links' table: rows used, revoked or expired a week ago are deleted. */
    public static List<Purge> purges() {
        return List.of(AccountTokens.purge());
    }

    public Invitations invitations() {
        return invitations;
    }

    public PasswordResets passwordResets() {
        return resets;
    }

    public Profiles profiles() {
        return profiles;
    }

    /** Lets queued mail leave (a few seconds at most), then stops the mail threads. */
    @Override
    public void close() {
        postbox.close();
    }
}
