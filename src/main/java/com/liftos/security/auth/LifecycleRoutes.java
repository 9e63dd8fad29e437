package com.liftos.security.auth;

import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.auth.account.Accounts;
import com.liftos.security.auth.lifecycle.Invitations;
import com.liftos.security.auth.lifecycle.Lifecycle;
import com.liftos.security.auth.lifecycle.PasswordResets;
import com.liftos.security.auth.lifecycle.Profiles;
import com.liftos.security.auth.password.HashingGate;
import com.liftos.security.auth.user.User;
import com.liftos.security.http.Access;
import com.liftos.security.http.ApiException;
import com.liftos.security.http.Bodies;
import com.liftos.security.http.CoreGuards;
import com.liftos.security.http.ListQuery;
import com.liftos.security.http.RequestContext;
import com.liftos.security.http.Route;
import com.liftos.security.http.RouteDoc;
import com.liftos.security.http.RouteDoc.Param;
import com.liftos.security.identity.Principal;
import com.liftos.security.identity.Role;
import com.liftos.security.org.Organizations;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Accounts by mail ({@link Lifecycle}): invitations (administrators: invite, list, resend, revoke; the invitee:
 * accept), forgotten passwords (ask, reset), the signed-in user's profile (display name) and email change. The
 * public routes ({@code /v1/auth/...}) spend the {@code auth} category's per-address budget. Every refused link
 * gets one answer, {@code 400 invalid_link}, whatever made it invalid, so it says nothing about an account.
 */
final class LifecycleRoutes {
    private static final String INVITATIONS = Route.ORG_PREFIX + "/invitations";
    private static final String INVITATION = INVITATIONS + "/{invitationId}";
    private static final Param INVITATION_ID = Param.uuid("invitationId", "Invitation id");
    private static final int MAX_PASSWORD = 1024;

    private final Lifecycle lifecycle;
    private final Organizations orgs;
    private final Bodies bodies;
    private final Clock clock;

    LifecycleRoutes(Lifecycle lifecycle, Organizations orgs, Bodies bodies, Clock clock) {
        this.lifecycle = lifecycle;
        this.orgs = orgs;
        this.bodies = bodies;
        this.clock = clock;
    }

    record NewInvitation(String email, List<String> roles, String displayName) {}

    record AcceptBody(String token, String password, String displayName) {
        @Override
        public String toString() {
            return "AcceptBody[***]";
        }
    }

    record ForgotBody(String email) {}

    record ResetBody(String token, String newPassword) {
        @Override
        public String toString() {
            return "ResetBody[***]";
        }
    }

    record ProfileBody(String displayName) {}

    record EmailChangeBody(String newEmail, String currentPassword) {
        @Override
        public String toString() {
            return "EmailChangeBody[***]";
        }
    }

    record ConfirmBody(String token) {
        @Override
        public String toString() {
            return "ConfirmBody[***]";
        }
    }

    List<Route> routes() {
        Access admin = Access.require("manage:users");
        Access open = Access.open(Access.RateCategory.AUTH);
        return List.of(
                Route.post(INVITATIONS, admin, this::invite).doc(RouteDoc.of("Invite someone by email")
                        .details("""
                                Mails a one-time link, `<LIFTOS_PUBLIC_URL>/console/invite?token=...`, valid for \
                                `LIFTOS_INVITATION_HOURS` (72 by default); the invitee accepts it at \
                                `POST /v1/auth/invitations/accept`. Roles default to `viewer`; only a super admin grants \
                                `super_admin`. Needs mail (`SMTP_HOST`).""")
                        .json("NewInvitation").created("Invitation")
                        .errors(400, "validation_failed").errors(409, "email_taken", "already_invited", "mail_unavailable")),
                Route.get(INVITATIONS, admin, this::listInvitations).doc(RouteDoc.of("List an organization's open invitations")
                        .details("Not yet accepted nor revoked, expired ones included (`expired`: resend them). In email order.")
                        .query(Param.LIMIT, Param.CURSOR, Param.string("q", "Start of the email, case-insensitive (1-254 characters)"))
                        .ok("InvitationPage").errors(400, "invalid_cursor")),
                Route.post(INVITATION + "/resend", admin, this::resend).doc(RouteDoc.of("Mail an invitation again")
                        .details("A new link, valid for the full lifetime again; the previous link stops working.")
                        .path(INVITATION_ID).ok("Invitation")),
                Route.delete(INVITATION, admin, this::revoke).doc(RouteDoc.of("Revoke an invitation")
                        .details("Its link stops working.").path(INVITATION_ID).noContent("Revoked")),
                Route.post("/v1/auth/invitations/accept", open, this::accept).doc(RouteDoc.of("Accept an invitation")
                        .details("""
                                With the token of the mailed link and a password meeting the organization's policy: the \
                                account is created with the invited roles. `status` is `mfa_enrollment_required` when the \
                                organization requires MFA (the first sign-in's token then reaches only the MFA enrolment \
                                routes), else `account_created`. A used, expired, revoked or replaced link is \
                                `invalid_link`, whatever the reason.""")
                        .json("InvitationAcceptRequest").created("InvitationAccepted")
                        .errors(400, "validation_failed", "invalid_link").errors(409, "email_taken").errors(503, "busy")),
                Route.post("/v1/auth/password/forgot", open, this::forgot).doc(RouteDoc.of("Ask for a password-reset link")
                        .details("""
                                Always the same answer, at once, whether the address has an account or not; an active \
                                account is mailed a one-time link, `<LIFTOS_PUBLIC_URL>/console/reset-password?token=...`, \
                                valid for `LIFTOS_PASSWORD_RESET_MINUTES` (60 by default). A newer request kills the older link.""")
                        .json("PasswordForgotRequest").accepted("PasswordForgotAccepted").errors(400, "validation_failed")),
                Route.post("/v1/auth/password/reset", open, this::reset).doc(RouteDoc.of("Set a new password with a reset link")
                        .details("""
                                The organization's password policy applies. Every session and refresh token of the user \
                                ends, the sign-in lockouts are lifted, the owner is told by mail. A used, expired or replaced \
                                link is `invalid_link`, whatever the reason.""")
                        .json("PasswordResetRequest").noContent("Password set")
                        .errors(400, "validation_failed", "invalid_link").errors(503, "busy")),
                Route.post("/v1/auth/email/confirm", open, this::confirmEmail).doc(RouteDoc.of("Confirm a new email address")
                        .details("With the token of the link mailed to the new address; the old address is told.")
                        .json("EmailConfirmRequest").noContent("Email changed")
                        .errors(400, "validation_failed", "invalid_link").errors(409, "email_taken")),
                Route.patch("/v1/me", Access.authenticated(), this::updateProfile).doc(RouteDoc.of("Update the caller's profile")
                        .details("The display name (1-200 characters).")
                        .json("ProfileUpdate").ok("User").errors(400, "validation_failed").errors(403, "forbidden")),
                Route.post("/v1/me/email", Access.authenticated().rateCategory(Access.RateCategory.AUTH), this::requestEmailChange)
                        .doc(RouteDoc.of("Ask to change the caller's email address")
                                .details("""
                                        With the current password. A one-time link, \
                                        `<LIFTOS_PUBLIC_URL>/console/confirm-email?token=...`, is mailed to the new address \
                                        (valid for `LIFTOS_EMAIL_CHANGE_HOURS`, 24 by default); nothing changes until it is \
                                        confirmed at `POST /v1/auth/email/confirm`.""")
                                .json("EmailChangeRequest").accepted("EmailChangeSent")
                                .errors(400, "validation_failed").errors(403, "forbidden", "invalid_credentials")
                                .errors(409, "email_taken", "email_unchanged", "mail_unavailable").errors(503, "busy")));
    }

    private void invite(Context ctx) {
        RequestContext rc = RequestContext.of(ctx);
        Principal p = rc.requirePrincipal();
        UUID orgId = existingOrg(ctx);
        NewInvitation body = bodies.read(ctx, NewInvitation.class);
        List<String> problems = new ArrayList<>();
        String email = email(body.email(), "email", problems);
        List<String> roles = body.roles() == null || body.roles().isEmpty() ? List.of(Role.VIEWER.id()) : body.roles();
        for (String role : roles) {
            Optional<Role> r = Role.fromId(role);
            if (r.isEmpty()) {
                problems.add("roles: unknown role (viewer, analyst, manager, admin, super_admin)");
            } else if (r.get() == Role.SUPER_ADMIN && !p.isSuperAdmin()) {
                problems.add("roles: only a super admin can grant super_admin");
            }
        }
        Optional<String> name = displayName(body.displayName(), problems);
        if (!problems.isEmpty()) {
            throw ApiException.validation("Invalid invitation", problems);
        }
        switch (lifecycle.invitations().invite(orgId, email, name, roles.stream().distinct().toList(), actor(rc))) {
            case Invitations.Invite.Sent s -> ctx.status(201).json(invitationBody(s.invitation()));
            case Invitations.Invite.EmailTaken t -> throw ApiException.conflict("email_taken", "A user with this email exists");
            case Invitations.Invite.AlreadyInvited a -> throw ApiException.conflict("already_invited",
                    "This address has an open invitation to this organization: resend or revoke it");
            case Invitations.Invite.MailOff m -> throw mailUnavailable();
        }
    }

    private void listInvitations(Context ctx) {
        ListQuery query = ListQuery.of(ctx, "q");
        UUID orgId = existingOrg(ctx);
        Optional<String> q = query.text("q", 254);
        int limit = query.limit();
        Optional<Invitations.Key> after = query.cursor(2).map(c -> new Invitations.Key(c.text(0), c.uuid(1)));
        Invitations.Page page = lifecycle.invitations().pending(orgId, q, after, limit);
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.putPOJO("items", page.items().stream().map(this::invitationBody).toList());
        page.next().ifPresentOrElse(k -> out.put("next_cursor", ListQuery.cursor(List.of(k.email(), k.id().toString()))),
                () -> out.putNull("next_cursor"));
        if (after.isEmpty()) {
            out.put("total", lifecycle.invitations().countPending(orgId, q));
        }
        ctx.json(out);
    }

    private void resend(Context ctx) {
        RequestContext rc = RequestContext.of(ctx);
        UUID orgId = CoreGuards.pathUuid(ctx, "orgId");
        UUID id = CoreGuards.pathUuid(ctx, "invitationId");
        ctx.json(invitationBody(lifecycle.invitations().resend(orgId, id, actor(rc))
                .orElseThrow(() -> ApiException.notFound("Invitation not found"))));
    }

    private void revoke(Context ctx) {
        RequestContext rc = RequestContext.of(ctx);
        UUID orgId = CoreGuards.pathUuid(ctx, "orgId");
        UUID id = CoreGuards.pathUuid(ctx, "invitationId");
        if (!lifecycle.invitations().revoke(orgId, id, actor(rc))) {
            throw ApiException.notFound("Invitation not found");
        }
        ctx.status(204);
    }

    private void accept(Context ctx) {
        RequestContext rc = RequestContext.of(ctx);
        AcceptBody body = bodies.read(ctx, AcceptBody.class);
        List<String> problems = new ArrayList<>();
        String token = required(body.token(), "token", problems);
        String password = password(body.password(), "password", problems);
        Optional<String> name = displayName(body.displayName(), problems);
        if (!problems.isEmpty()) {
            throw ApiException.validation("Invalid acceptance", problems);
        }
        Invitations.Acceptance outcome;
        try {
            outcome = lifecycle.invitations().accept(token, password.toCharArray(), name, actor(rc));
        } catch (HashingGate.Busy e) {
            throw AuthRoutes.busy();
        }
        switch (outcome) {
            case Invitations.Acceptance.Accepted a -> {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("status", a.mfaEnrollmentRequired() ? "mfa_enrollment_required" : "account_created");
                out.put("user", AccountRoutes.userBody(a.user()));
                ctx.status(201).json(out);
            }
            case Invitations.Acceptance.InvalidLink i -> throw invalidLink();
            case Invitations.Acceptance.PolicyViolated v -> throw ApiException.validation("The password does not meet the policy",
                    v.problems().stream().map(s -> "password: " + s).toList());
            case Invitations.Acceptance.EmailTaken t -> throw ApiException.conflict("email_taken", "A user with this email exists");
        }
    }

    private void forgot(Context ctx) {
        ForgotBody body = bodies.read(ctx, ForgotBody.class);
        List<String> problems = new ArrayList<>();
        String email = email(body.email(), "email", problems);
        if (!problems.isEmpty()) {
            throw ApiException.validation("Invalid request", problems);
        }
        lifecycle.passwordResets().request(email, actor(RequestContext.of(ctx)));
        ctx.status(202).json(Map.of("status", "accepted",
                "message", "If an account uses this address, a link to reset its password is on its way"));
    }

    private void reset(Context ctx) {
        ResetBody body = bodies.read(ctx, ResetBody.class);
        List<String> problems = new ArrayList<>();
        String token = required(body.token(), "token", problems);
        String password = password(body.newPassword(), "new_password", problems);
        if (!problems.isEmpty()) {
            throw ApiException.validation("Invalid reset", problems);
        }
        PasswordResets.Reset outcome;
        try {
            outcome = lifecycle.passwordResets().reset(token, password.toCharArray(), actor(RequestContext.of(ctx)));
        } catch (HashingGate.Busy e) {
            throw AuthRoutes.busy();
        }
        switch (outcome) {
            case PasswordResets.Reset.Done d -> ctx.status(204);
            case PasswordResets.Reset.InvalidLink i -> throw invalidLink();
            case PasswordResets.Reset.PolicyViolated v -> throw ApiException.validation("The new password does not meet the policy",
                    v.problems().stream().map(s -> "new_password: " + s).toList());
        }
    }

    private void confirmEmail(Context ctx) {
        ConfirmBody body = bodies.read(ctx, ConfirmBody.class);
        List<String> problems = new ArrayList<>();
        String token = required(body.token(), "token", problems);
        if (!problems.isEmpty()) {
            throw ApiException.validation("Invalid confirmation", problems);
        }
        switch (lifecycle.profiles().confirmEmailChange(token, actor(RequestContext.of(ctx)))) {
            case Profiles.EmailConfirmation.Changed c -> ctx.status(204);
            case Profiles.EmailConfirmation.InvalidLink i -> throw invalidLink();
            case Profiles.EmailConfirmation.EmailTaken t -> throw ApiException.conflict("email_taken",
                    "Another account uses this address now");
        }
    }

    private void updateProfile(Context ctx) {
        RequestContext rc = RequestContext.of(ctx);
        UUID userId = user(rc);
        ProfileBody body = bodies.read(ctx, ProfileBody.class);
        List<String> problems = new ArrayList<>();
        if (body.displayName() == null) {
            problems.add("display_name is required");
        }
        Optional<String> name = displayName(body.displayName(), problems);
        if (!problems.isEmpty()) {
            throw ApiException.validation("Invalid profile", problems);
        }
        User updated = lifecycle.profiles().setDisplayName(userId, name.orElseThrow(), actor(rc))
                .orElseThrow(() -> ApiException.notFound("User not found"));
        ctx.json(AccountRoutes.userBody(updated));
    }

    private void requestEmailChange(Context ctx) {
        RequestContext rc = RequestContext.of(ctx);
        UUID userId = user(rc);
        EmailChangeBody body = bodies.read(ctx, EmailChangeBody.class);
        List<String> problems = new ArrayList<>();
        String email = email(body.newEmail(), "new_email", problems);
        String password = password(body.currentPassword(), "current_password", problems);
        if (!problems.isEmpty()) {
            throw ApiException.validation("Invalid email change", problems);
        }
        Profiles.EmailRequest outcome;
        try {
            outcome = lifecycle.profiles().requestEmailChange(userId, email, password.toCharArray(), actor(rc));
        } catch (HashingGate.Busy e) {
            throw AuthRoutes.busy();
        }
        switch (outcome) {
            case Profiles.EmailRequest.Sent s -> ctx.status(202).json(Map.of("status", "confirmation_sent"));
            case Profiles.EmailRequest.WrongPassword w ->
                    throw new ApiException(403, "invalid_credentials", "The current password is not correct");
            case Profiles.EmailRequest.EmailTaken t -> throw ApiException.conflict("email_taken", "A user with this email exists");
            case Profiles.EmailRequest.Unchanged u -> throw ApiException.conflict("email_unchanged", "This is already the account's address");
            case Profiles.EmailRequest.MailOff m -> throw mailUnavailable();
        }
    }

    /** The caller as a user (a service account has no profile). */
    private static UUID user(RequestContext rc) {
        Principal p = rc.requirePrincipal();
        if (p.kind() != Principal.Kind.USER) {
            throw ApiException.forbidden("Only a user has a profile");
        }
        return p.subject();
    }

    private UUID existingOrg(Context ctx) {
        UUID orgId = CoreGuards.pathUuid(ctx, "orgId");
        if (orgs.find(orgId).isEmpty()) {
            throw ApiException.notFound("Organization not found");
        }
        return orgId;
    }

    private static Accounts.Actor actor(RequestContext rc) {
        Optional<Principal> p = rc.principal();
        SecurityEvent.ActorType type = p.map(x -> x.kind() == Principal.Kind.USER ? SecurityEvent.ActorType.USER
                : SecurityEvent.ActorType.SERVICE_ACCOUNT).orElse(SecurityEvent.ActorType.ANONYMOUS);
        return new Accounts.Actor(p.map(Principal::subject), type, rc.clientIp(), Optional.of(rc.requestId()));
    }

    private static String required(String value, String field, List<String> problems) {
        if (value == null || value.isBlank()) {
            problems.add(field + " is required");
            return "";
        }
        return value;
    }

    private static String password(String value, String field, List<String> problems) {
        String v = required(value, field, problems);
        if (v.length() > MAX_PASSWORD) {
            problems.add(field + " must be at most " + MAX_PASSWORD + " characters");
        }
        return v;
    }

    private static String email(String value, String field, List<String> problems) {
        String email = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
        if (email.length() > 254 || !AccountRoutes.EMAIL.matcher(email).matches()) {
            problems.add(field + " must be an email address");
        }
        return email;
    }

    private static Optional<String> displayName(String value, List<String> problems) {
        if (value == null) {
            return Optional.empty();
        }
        String name = value.strip();
        if (name.isEmpty() || name.length() > 200) {
            problems.add("display_name must be 1-200 characters");
        }
        return Optional.of(name);
    }

    private Map<String, Object> invitationBody(Invitations.Invitation i) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", i.id().toString());
        out.put("org_id", i.orgId().toString());
        out.put("email", i.email());
        i.displayName().ifPresent(n -> out.put("display_name", n));
        out.put("roles", i.roles());
        i.invitedBy().ifPresent(u -> out.put("invited_by", u.toString()));
        out.put("created_at", i.createdAt().toString());
        out.put("sent_at", i.sentAt().toString());
        out.put("expires_at", i.expiresAt().toString());
        out.put("expired", !clock.instant().isBefore(i.expiresAt()));
        return out;
    }

    private static ApiException invalidLink() {
        return new ApiException(400, "invalid_link", "This link is not valid: it was used already, has expired or was replaced");
    }

    private static ApiException mailUnavailable() {
        // 409, not 503: the service works as configured; it was set up without mail, which retrying will not change
        return ApiException.conflict("mail_unavailable", "Mail is not configured on this service, so no link can be sent");
    }
}
