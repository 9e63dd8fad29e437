package com.liftos.security.auth.lifecycle;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.auth.account.Accounts;
import com.liftos.security.auth.user.User;
import com.liftos.security.auth.user.Users;
import com.liftos.security.store.Db;
import com.liftos.security.store.StoreException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * What signed-in users change of their own account: the display name, and the email address. A new address is
 * asked for with the current password (a stolen session alone cannot move the account to another mailbox) and
 * takes effect only when the one-time link mailed to it ({@code <LIFTOS_PUBLIC_URL>/console/confirm-email?token=...})
 * is used; the old address is then told. The switch kills any open reset link (it went to the old mailbox).
 * Addresses stay unique across organizations. Audited: USER_UPDATED ({@code update_profile}),
 * EMAIL_CHANGE_REQUESTED, EMAIL_CHANGED; never with an address.
 */
public final class Profiles {
    static final String LINK_PATH = "/console/confirm-email";

    private final Db db;
    private final AccountTokens tokens;
    private final Users users;
    private final Accounts accounts;
    private final AuditLog audit;
    private final Postbox postbox;
    private final Duration lifetime;
    private final Clock clock;

    Profiles(Db db, AccountTokens tokens, Users users, Accounts accounts, AuditLog audit, Postbox postbox, Duration lifetime,
             Clock clock) {
        this.db = db;
        this.tokens = tokens;
        this.users = users;
        this.accounts = accounts;
        this.audit = audit;
        this.postbox = postbox;
        this.lifetime = lifetime;
        this.clock = clock;
    }

    /** Sets the user's display name (validated by the caller); empty when there is no such user. */
    public Optional<User> setDisplayName(UUID userId, String displayName, Accounts.Actor actor) {
        Instant now = clock.instant();
        return db.tx(c -> {
            Optional<User> user = users.find(c, userId);
            if (user.isEmpty() || !users.setDisplayName(c, userId, displayName)) {
                return Optional.<User>empty();
            }
            audit.record(c, Events.of(SecurityEventType.USER_UPDATED, "update_profile", user.get().orgId(), "user:" + userId, actor)
                    .detail("fields", List.of("display_name")).build(now));
            return users.find(c, userId);
        });
    }

    /** What asking for a new address led to. */
    public sealed interface EmailRequest {
        /** A link was mailed to the new address; nothing changes until it is used. */
        record Sent() implements EmailRequest {}
        record WrongPassword() implements EmailRequest {}
        /** Another account has that address. */
        record EmailTaken() implements EmailRequest {}
        /** It is already the account's address. */
        record Unchanged() implements EmailRequest {}
        /** Mail is not configured: no link could be sent. */
        record MailOff() implements EmailRequest {}
    }

    /** Asks to move the account to {@code newEmail} (lower-case, checked by the caller), proving the current password. */
    public EmailRequest requestEmailChange(UUID userId, String newEmail, char[] currentPassword, Accounts.Actor actor) {
        if (!postbox.on()) {
            return new EmailRequest.MailOff();
        }
        if (!accounts.passwordMatches(userId, currentPassword)) {
            return new EmailRequest.WrongPassword();
        }
        User user = users.find(userId).orElseThrow();
        if (user.email().equals(newEmail)) {
            return new EmailRequest.Unchanged();
        }
        if (users.findByEmail(newEmail).isPresent()) {
            return new EmailRequest.EmailTaken();
        }
        Instant now = clock.instant();
        AccountTokens.Issued issued = db.tx(c -> {
            int replaced = tokens.revokeOpen(c, userId, AccountTokens.Purpose.EMAIL_CHANGE, now);
            AccountTokens.Issued i = tokens.insert(c, new AccountTokens.Request(AccountTokens.Purpose.EMAIL_CHANGE, user.orgId(),
                    Optional.of(userId), newEmail, Optional.empty(), List.of(), Optional.of(userId)), lifetime, now);
            audit.record(c, Events.of(SecurityEventType.EMAIL_CHANGE_REQUESTED, "request_email_change", user.orgId(), "user:" + userId,
                    actor).detail("links_replaced", replaced).detail("expires_at", i.row().expiresAt().toString()).build(now));
            return i;
        });
        postbox.send(newEmail, "Confirm your new LiftOS email address", """
                Someone (hopefully you) asked to use this address for their LiftOS account.

                To confirm, open: %s
                (the link works once, until %s UTC).

                If you did not ask for this, ignore this mail: nothing changes.
                """.formatted(postbox.link(LINK_PATH, issued.token()), issued.row().expiresAt().truncatedTo(java.time.temporal.ChronoUnit.MINUTES)));
        return new EmailRequest.Sent();
    }

    /** What confirming a new address led to. */
    public sealed interface EmailConfirmation {
        record Changed(User user) implements EmailConfirmation {}
        /** Unknown, used, expired or replaced link, or one of another purpose: the same answer for all. */
        record InvalidLink() implements EmailConfirmation {}
        /** Another account took the address meanwhile. */
        record EmailTaken() implements EmailConfirmation {}
    }

    /** Switches the account to the address the link was mailed to, and tells the old address. */
    public EmailConfirmation confirmEmailChange(String token, Accounts.Actor actor) {
        record Switched(User user, String oldEmail) {}
        Optional<Switched> done;
        try {
            done = db.tx(c -> {
                Instant now = clock.instant();
                Optional<AccountTokens.Row> spent = tokens.consume(c, token, AccountTokens.Purpose.EMAIL_CHANGE, now);
                if (spent.isEmpty() || spent.get().userId().isEmpty()) {
                    return Optional.<Switched>empty();
                }
                Optional<User> user = users.find(c, spent.get().userId().get());
                if (user.isEmpty()) {
                    return Optional.<Switched>empty();
                }
                UUID id = user.get().id();
                users.setEmail(c, id, spent.get().email());
                int resetsKilled = tokens.revokeOpen(c, id, AccountTokens.Purpose.PASSWORD_RESET, now);
                audit.record(c, Events.of(SecurityEventType.EMAIL_CHANGED, "change_email", user.get().orgId(), "user:" + id,
                                new Accounts.Actor(Optional.of(id), com.liftos.security.audit.SecurityEvent.ActorType.USER,
                                        actor.clientIp(), actor.requestId()))
                        .detail("reset_links_revoked", resetsKilled).build(now));
                return Optional.of(new Switched(users.find(c, id).orElseThrow(), user.get().email()));
            });
        } catch (StoreException e) {
            if (Events.duplicate(e)) {
                return new EmailConfirmation.EmailTaken();
            }
            throw e;
        }
        if (done.isEmpty()) {
            return new EmailConfirmation.InvalidLink();
        }
        postbox.send(done.get().oldEmail(), "The email address of your LiftOS account was changed", """
                The email address of your LiftOS account was changed, and mail now goes to the new address.

                If this was not you, contact your administrator at once.
                """);
        return new EmailConfirmation.Changed(done.get().user());
    }
}
