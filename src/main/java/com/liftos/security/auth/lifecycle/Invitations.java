package com.liftos.security.auth.lifecycle;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.auth.account.Accounts;
import com.liftos.security.auth.password.HashingGate;
import com.liftos.security.auth.password.PasswordHasher;
import com.liftos.security.auth.password.PasswordRules;
import com.liftos.security.auth.user.User;
import com.liftos.security.auth.user.Users;
import com.liftos.security.org.Organization;
import com.liftos.security.org.Organizations;
import com.liftos.security.org.SecurityConfig;
import com.liftos.security.store.Db;
import com.liftos.security.store.StoreException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * Invitations by mail: an administrator invites an address with roles; the invitee receives a one-time link
 * ({@code <LIFTOS_PUBLIC_URL>/console/invite?token=...}) and, with its token and a password meeting the
 * organization's policy, gets an account in that organization with those roles. A resend mails a new link (the old
 * one dies) valid for the full lifetime again; a revoked invitation's link is dead. One open invitation per address
 * and organization. Audited: INVITATION_SENT (invite, resend), INVITATION_REVOKED, USER_CREATED (accept).
 */
public final class Invitations {
    static final String LINK_PATH = "/console/invite";

    private final Db db;
    private final AccountTokens tokens;
    private final Users users;
    private final Organizations orgs;
    private final Function<UUID, SecurityConfig> orgConfigs;
    private final PasswordHasher hasher;
    private final HashingGate gate;
    private final AuditLog audit;
    private final Postbox postbox;
    private final Duration lifetime;
    private final Clock clock;

    Invitations(Db db, AccountTokens tokens, Users users, Organizations orgs, Function<UUID, SecurityConfig> orgConfigs,
                PasswordHasher hasher, HashingGate gate, AuditLog audit, Postbox postbox, Duration lifetime, Clock clock) {
        this.db = db;
        this.tokens = tokens;
        this.users = users;
        this.orgs = orgs;
        this.orgConfigs = orgConfigs;
        this.hasher = hasher;
        this.gate = gate;
        this.audit = audit;
        this.postbox = postbox;
        this.lifetime = lifetime;
        this.clock = clock;
    }

    /** An open invitation as its organization's administrators see it. */
    public record Invitation(UUID id, UUID orgId, String email, Optional<String> displayName, List<String> roles,
                             Optional<UUID> invitedBy, Instant createdAt, Instant sentAt, Instant expiresAt) {
        public Invitation {
            roles = List.copyOf(roles);
        }

        static Invitation of(AccountTokens.Row r) {
            return new Invitation(r.id(), r.orgId(), r.email(), r.displayName(), r.roles(), r.createdBy(), r.createdAt(),
                    r.sentAt(), r.expiresAt());
        }
    }

    /** What an invitation led to. */
    public sealed interface Invite {
        record Sent(Invitation invitation) implements Invite {}
        /** The address already has an account (addresses are unique across organizations). */
        record EmailTaken() implements Invite {}
        /** The address has an open invitation to this organization: resend or revoke it. */
        record AlreadyInvited() implements Invite {}
        /** Mail is not configured: the link could not reach anyone. */
        record MailOff() implements Invite {}
    }

    /** Invites {@code email} (lower-case) into {@code orgId} with {@code roles} (already checked by the caller). */
    public Invite invite(UUID orgId, String email, Optional<String> displayName, List<String> roles, Accounts.Actor actor) {
        if (!postbox.on()) {
            return new Invite.MailOff();
        }
        if (users.findByEmail(email).isPresent()) {
            return new Invite.EmailTaken();
        }
        Instant now = clock.instant();
        AccountTokens.Issued issued;
        try {
            issued = db.tx(c -> {
                AccountTokens.Issued i = tokens.insert(c, new AccountTokens.Request(AccountTokens.Purpose.INVITATION, orgId,
                        Optional.empty(), email, displayName, roles, actor.id()), lifetime, now);
                audit.record(c, Events.of(SecurityEventType.INVITATION_SENT, "invite_user", orgId, "invitation:" + i.row().id(), actor)
                        .detail("roles", roles).detail("expires_at", i.row().expiresAt().toString()).build(now));
                return i;
            });
        } catch (StoreException e) {
            if (Events.duplicate(e)) {
                return new Invite.AlreadyInvited();
            }
            throw e;
        }
        mail(issued);
        return new Invite.Sent(Invitation.of(issued.row()));
    }

    /** Mails a new link for an open invitation (the old link dies); empty when the organization has no such invitation. */
    public Optional<Invitation> resend(UUID orgId, UUID id, Accounts.Actor actor) {
        Instant now = clock.instant();
        Optional<AccountTokens.Issued> issued = db.tx(c -> {
            Optional<AccountTokens.Issued> i = tokens.reissue(c, orgId, id, lifetime, now);
            if (i.isPresent()) {
                audit.record(c, Events.of(SecurityEventType.INVITATION_SENT, "resend_invitation", orgId, "invitation:" + id, actor)
                        .detail("expires_at", i.get().row().expiresAt().toString()).build(now));
            }
            return i;
        });
        issued.ifPresent(this::mail);
        return issued.map(i -> Invitation.of(i.row()));
    }

    /** Revokes an open invitation (its link dies); false when the organization has no such invitation. */
    public boolean revoke(UUID orgId, UUID id, Accounts.Actor actor) {
        Instant now = clock.instant();
        return db.tx(c -> {
            if (!tokens.revokeInvitation(c, orgId, id, now)) {
                return false;
            }
            audit.record(c, Events.of(SecurityEventType.INVITATION_REVOKED, "revoke_invitation", orgId, "invitation:" + id, actor)
                    .build(now));
            return true;
        });
    }

    /** Where a page of invitations starts: after this (email, id). */
    public record Key(String email, UUID id) {}

    /** A page of open invitations and, when more may follow, the position of its last one. */
    public record Page(List<Invitation> items, Optional<Key> next) {
        public Page {
            items = List.copyOf(items);
        }
    }

    /** Up to {@code limit} open invitations (expired ones included, to be resent) in email order, after {@code after}. */
    public Page pending(UUID orgId, Optional<String> emailPrefix, Optional<Key> after, int limit) {
        List<AccountTokens.Row> rows = tokens.openInvitations(orgId, emailPrefix,
                after.map(k -> new AccountTokens.Key(k.email(), k.id())), limit + 1);
        boolean more = rows.size() > limit;
        List<Invitation> page = (more ? rows.subList(0, limit) : rows).stream().map(Invitation::of).toList();
        return new Page(page, more ? Optional.of(new Key(page.get(limit - 1).email(), page.get(limit - 1).id())) : Optional.empty());
    }

    public long countPending(UUID orgId, Optional<String> emailPrefix) {
        return tokens.countOpenInvitations(orgId, emailPrefix);
    }

    /** What accepting led to. */
    public sealed interface Acceptance {
        /** The account exists; {@code mfaEnrollmentRequired}: the organization requires MFA, its first login enrols it. */
        record Accepted(User user, boolean mfaEnrollmentRequired) implements Acceptance {}
        /** Unknown, used, expired, revoked or replaced link, or one of another purpose: the same answer for all. */
        record InvalidLink() implements Acceptance {}
        record PolicyViolated(List<String> problems) implements Acceptance {
            public PolicyViolated {
                problems = List.copyOf(problems);
            }
        }
        /** The address got an account meanwhile (another organization's invitation, an administrator). */
        record EmailTaken() implements Acceptance {}
    }

    /**
     * Accepts an invitation with its link's token: the password is held to the inviting organization's policy
     * before the token is spent (a refused password leaves the link working), then the token is spent and the
     * account created in one transaction. Throws {@link HashingGate.Busy} when hashing is saturated.
     */
    public Acceptance accept(String token, char[] password, Optional<String> displayName, Accounts.Actor actor) {
        Instant now = clock.instant();
        Optional<AccountTokens.Row> live = tokens.peek(token, AccountTokens.Purpose.INVITATION, now);
        if (live.isEmpty()) {
            return new Acceptance.InvalidLink();
        }
        SecurityConfig cfg = orgConfigs.apply(live.get().orgId());
        List<String> problems = PasswordRules.violations(password, cfg.passwordPolicy());
        if (!problems.isEmpty()) {
            return new Acceptance.PolicyViolated(problems);
        }
        String hash = gate.run(() -> hasher.hash(password));
        try {
            Optional<User> created = db.tx(c -> {
                Optional<AccountTokens.Row> spent = tokens.consume(c, token, AccountTokens.Purpose.INVITATION, clock.instant());
                if (spent.isEmpty()) {
                    return Optional.<User>empty();
                }
                AccountTokens.Row r = spent.get();
                User u = users.create(c, r.orgId(), r.email(), displayName.or(r::displayName), hash, r.roles());
                audit.record(c, Events.of(SecurityEventType.USER_CREATED, "accept_invitation", r.orgId(), "user:" + u.id(),
                                new Accounts.Actor(Optional.of(u.id()), com.liftos.security.audit.SecurityEvent.ActorType.USER,
                                        actor.clientIp(), actor.requestId()))
                        .detail("invitation_id", r.id().toString()).detail("roles", r.roles())
                        .detail("invited_by", r.createdBy().map(UUID::toString).orElse("")).build(clock.instant()));
                return Optional.of(u);
            });
            return created.<Acceptance>map(u -> new Acceptance.Accepted(u, cfg.requireMfa())).orElseGet(Acceptance.InvalidLink::new);
        } catch (StoreException e) {
            if (Events.duplicate(e)) {
                return new Acceptance.EmailTaken();
            }
            throw e;
        }
    }

    private void mail(AccountTokens.Issued issued) {
        AccountTokens.Row r = issued.row();
        String org = orgs.find(r.orgId()).map(Organization::name).orElse("an organization");
        postbox.send(r.email(), "You are invited to " + org + " on LiftOS", """
                You have been invited to join %s on LiftOS Security.

                To accept, choose your password here: %s
                (the link works once, until %s UTC).

                If you did not expect this invitation, ignore this mail: no account is created without you.
                """.formatted(org, postbox.link(LINK_PATH, issued.token()), r.expiresAt().truncatedTo(java.time.temporal.ChronoUnit.MINUTES)));
    }
}
