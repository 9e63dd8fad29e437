package com.liftos.security.auth;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.auth.session.SessionInfo;
import com.liftos.security.auth.session.SessionPages;
import com.liftos.security.auth.session.Sessions;
import com.liftos.security.auth.user.User;
import com.liftos.security.auth.user.UserPages;
import com.liftos.security.http.Access;
import com.liftos.security.http.ApiException;
import com.liftos.security.http.CoreGuards;
import com.liftos.security.http.ListQuery;
import com.liftos.security.http.RequestContext;
import com.liftos.security.http.Route;
import com.liftos.security.http.RouteDoc;
import com.liftos.security.http.RouteDoc.Param;
import com.liftos.security.identity.Principal;
import com.liftos.security.identity.Role;
import com.liftos.security.identity.RoleDirectory;
import com.liftos.security.org.Organization;
import com.liftos.security.org.Organizations;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The admin plane's listings and lookups, all cursor-paged ({@link ListQuery}: {@code limit} ≤ 200, an opaque
 * {@code cursor}, a stable order, {@code total} on the first page): organizations (super admins), one
 * organization, an organization's users with filters, one user in full, a user's sessions, and ending them.
 */
final class DirectoryRoutes {
    private static final String USERS = Route.ORG_PREFIX + "/users";
    private static final String USER = USERS + "/{userId}";
    private static final List<String> ROLES = Arrays.stream(Role.values()).map(Role::id).toList();
    /** Which role names the {@code role} filter accepts: built-in ones and the organization's custom roles. */
    private final RoleDirectory roles;
    private static final List<String> SESSION_STATES = Arrays.stream(SessionPages.State.values()).map(SessionPages.State::wire).toList();
    private static final List<String> USER_STATES = Arrays.stream(User.Status.values()).map(User.Status::wire).toList();

    private final Directory directory;
    private final UserPages users;
    private final Organizations orgs;
    private final Sessions sessions;
    private final AuditLog audit;
    private final Clock clock;

    DirectoryRoutes(Directory directory, UserPages users, Organizations orgs, Sessions sessions, AuditLog audit, Clock clock,
                    RoleDirectory roles) {
        this.roles = roles;
        this.directory = directory;
        this.users = users;
        this.orgs = orgs;
        this.sessions = sessions;
        this.audit = audit;
        this.clock = clock;
    }

    List<Route> routes() {
        Access admin = Access.require("manage:users");
        return List.of(
                Route.get("/v1/orgs", Access.require("manage:system"), this::listOrgs).doc(RouteDoc.of("List organizations")
                        .details("Super admins only. In name order (case-insensitive).")
                        .query(Param.LIMIT, Param.CURSOR, Param.string("q", "Start of the name, case-insensitive (1-200 characters)"))
                        .ok("OrganizationPage").errors(400, "invalid_cursor")),
                Route.get(Route.ORG_PREFIX, admin, this::getOrg).doc(RouteDoc.of("One organization, with its user counts")
                        .ok("OrganizationDetail")),
                Route.get(USERS, admin, this::listUsers).doc(RouteDoc.of("List an organization's users")
                        .details("""
                                In email order. A page filtered on `mfa` may hold fewer than `limit` users while more \
                                follow (it reads at most %d users): go on while `next_cursor` is not null. `total` is \
                                left out with `mfa`.""".formatted(Directory.MFA_SCAN_LIMIT))
                        .query(Param.LIMIT, Param.CURSOR,
                                Param.string("q", "Start of the email or of the display name, case-insensitive (1-254 characters)"),
                                Param.oneOf("status", "Only users in this state", USER_STATES.toArray(String[]::new)),
                                Param.pattern("role", "Only users holding this role: " + String.join(", ", ROLES)
                                        + ", or a custom role of the organization", "^[a-z][a-z0-9_-]{1,39}$"),
                                Param.bool("mfa", "Only users with (true) or without (false) an enabled second factor"),
                                Param.instant("last_login_before", "Only users who have not signed in since then (never included)"))
                        .ok("UserPage").errors(400, "invalid_cursor")),
                Route.get(USER, admin, this::getUser).doc(RouteDoc.of("One user in full")
                        .details("Roles, MFA methods, the devices signed in from (the %d latest), locks, last sign-in."
                                .formatted(Directory.DEVICES_SHOWN))
                        .ok("UserProfile")),
                Route.get(USER + "/sessions", admin, this::listSessions).doc(RouteDoc.of("List a user's sessions")
                        .details("Newest first. Tokens are never shown.")
                        .query(Param.LIMIT, Param.CURSOR,
                                Param.oneOf("status", "Which sessions: not ended (default), ended, or all", SESSION_STATES.toArray(String[]::new)))
                        .ok("SessionPage").errors(400, "invalid_cursor")),
                Route.delete(USER + "/sessions", admin, this::endSessions).doc(RouteDoc.of("End every session of a user")
                        .details("Their access tokens stop working at once on every instance; audited as SESSION_REVOKED. "
                                + "Only a super admin may end a super admin's sessions.")
                        .ok("SessionsEnded")),
                Route.delete(USER + "/sessions/{sessionId}", admin, this::endSession).doc(RouteDoc.of("End one session of a user")
                        .details("Audited as SESSION_REVOKED. Only a super admin may end a super admin's sessions.")
                        .noContent("Ended")));
    }

    private void listOrgs(Context ctx) {
        Principal p = RequestContext.of(ctx).requirePrincipal();
        if (!p.isSuperAdmin()) {
            throw ApiException.forbidden("Only a super admin can list organizations");
        }
        ListQuery query = ListQuery.of(ctx, "q");
        Optional<String> q = query.text("q", 200);
        int limit = query.limit();
        Optional<Organizations.NameKey> after = query.cursor(2).map(c -> new Organizations.NameKey(c.text(0), c.uuid(1)));
        Directory.Page<Organization, Organizations.NameKey> page = directory.orgs(q, after, limit);
        ctx.json(page(page.items().stream().map(DirectoryRoutes::orgBody).toList(),
                page.next().map(k -> ListQuery.cursor(List.of(k.name(), k.id().toString()))),
                after.isEmpty() ? Optional.of(orgs.count(q)) : Optional.empty()));
    }

    private void getOrg(Context ctx) {
        UUID orgId = CoreGuards.pathUuid(ctx, "orgId");
        Organization org = orgs.find(orgId).orElseThrow(() -> ApiException.notFound("Organization not found"));
        UserPages.Counts counts = users.counts(orgId);
        Map<String, Object> out = orgBody(org);
        out.put("users", Map.of("active", counts.active(), "disabled", counts.disabled()));
        ctx.json(out);
    }

    private void listUsers(Context ctx) {
        ListQuery query = ListQuery.of(ctx, "q", "status", "role", "mfa", "last_login_before");
        UUID orgId = existingOrg(ctx);
        UserPages.Filter filter = new UserPages.Filter(query.text("q", 254),
                query.oneOf("status", USER_STATES).map(s -> wire(User.Status.values(), User.Status::wire, s)),
                query.text("role", 40).map(r -> {
                    if (roles.permissions(orgId, r).isEmpty()) {
                        throw ApiException.badRequest("invalid_parameter",
                                "role must be one of " + String.join(", ", ROLES) + ", or a custom role of the organization");
                    }
                    return r;
                }), query.instant("last_login_before"));
        Optional<Boolean> mfa = query.bool("mfa");
        int limit = query.limit();
        Optional<UserPages.Key> after = query.cursor(2).map(c -> new UserPages.Key(c.text(0), c.uuid(1)));
        Directory.Page<Directory.Member, UserPages.Key> page = directory.users(orgId, filter, mfa, after, limit);
        ctx.json(page(page.items().stream().map(m -> {
                    Map<String, Object> out = listed(m.entry());
                    out.put("mfa_enabled", m.mfaEnabled());
                    return out;
                }).toList(),
                page.next().map(k -> ListQuery.cursor(List.of(k.email(), k.id().toString()))),
                after.isEmpty() && mfa.isEmpty() ? Optional.of(users.count(orgId, filter)) : Optional.empty()));
    }

    private void getUser(Context ctx) {
        UUID orgId = CoreGuards.pathUuid(ctx, "orgId");
        UUID userId = CoreGuards.pathUuid(ctx, "userId");
        Directory.Profile profile = directory.user(orgId, userId).orElseThrow(() -> ApiException.notFound("User not found"));
        Map<String, Object> out = listed(profile.entry());
        Map<String, Object> mfa = new LinkedHashMap<>();
        mfa.put("enabled", profile.factors().stream().anyMatch(f -> f.status().equals("active")));
        mfa.put("methods", profile.factors().stream().map(f -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("method", f.method());
            m.put("status", f.status());
            f.enabledAt().ifPresent(t -> m.put("enabled_at", t.toString()));
            return m;
        }).toList());
        out.put("mfa", mfa);
        User user = profile.entry().user();
        Map<String, Object> lock = new LinkedHashMap<>();
        lock.put("account_locked", user.lockedUntil().filter(clock.instant()::isBefore).isPresent());
        user.lockedUntil().ifPresent(t -> lock.put("account_locked_until", t.toString()));
        lock.put("unknown_devices_locked", profile.unknownDevicesLockedUntil().isPresent());
        profile.unknownDevicesLockedUntil().ifPresent(t -> lock.put("unknown_devices_locked_until", t.toString()));
        out.put("lock", lock);
        out.put("active_sessions", profile.activeSessions());
        out.put("devices", profile.devices().stream().map(d -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("fingerprint", d.fingerprint());
            m.put("first_seen_at", d.firstSeen().toString());
            m.put("last_seen_at", d.lastSeen().toString());
            d.lastIp().ifPresent(ip -> m.put("last_ip", ip));
            d.userAgent().ifPresent(ua -> m.put("user_agent", ua));
            return m;
        }).toList());
        ctx.json(out);
    }

    private void listSessions(Context ctx) {
        ListQuery query = ListQuery.of(ctx, "status");
        User user = member(ctx);
        SessionPages.State state = query.oneOf("status", SESSION_STATES)
                .map(s -> wire(SessionPages.State.values(), SessionPages.State::wire, s)).orElse(SessionPages.State.ACTIVE);
        int limit = query.limit();
        Optional<SessionPages.Key> after = query.cursor(2).map(c -> new SessionPages.Key(c.instant(0), c.uuid(1)));
        Directory.Page<SessionInfo, SessionPages.Key> page = directory.sessions(user.id(), state, after, limit);
        ctx.json(page(page.items().stream().map(AuthRoutes::sessionBody).toList(),
                page.next().map(k -> ListQuery.cursor(List.of(k.createdAt().toString(), k.id().toString()))),
                after.isEmpty() ? Optional.of(directory.sessionCount(user.id(), state)) : Optional.empty()));
    }

    private void endSessions(Context ctx) {
        User user = member(ctx);
        RequestContext rc = RequestContext.of(ctx);
        Principal p = refuseUnlessMayEnd(rc, user);
        int ended = sessions.endAllForUser(user.id(), "revoked_by_admin");
        audit.record(SecurityEvent.builder(SecurityEventType.SESSION_REVOKED, "revoke_all_sessions").org(user.orgId())
                .actor(p.subject(), actorType(p)).resource("user:" + user.id()).clientIp(rc.clientIp())
                .userAgent(rc.userAgent().orElse(null)).requestId(rc.requestId()).detail("sessions_ended", ended)
                .build(clock.instant()));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("user_id", user.id().toString());
        out.put("sessions_ended", ended);
        ctx.json(out);
    }

    private void endSession(Context ctx) {
        User user = member(ctx);
        UUID sid = CoreGuards.pathUuid(ctx, "sessionId");
        RequestContext rc = RequestContext.of(ctx);
        Principal p = refuseUnlessMayEnd(rc, user);
        if (directory.session(user.id(), sid).filter(s -> s.endedAt().isEmpty()).isEmpty() || !sessions.end(sid, "revoked_by_admin")) {
            throw ApiException.notFound("Session not found");
        }
        audit.record(SecurityEvent.builder(SecurityEventType.SESSION_REVOKED, "revoke_session").org(user.orgId())
                .actor(p.subject(), actorType(p)).resource("session:" + sid).clientIp(rc.clientIp())
                .userAgent(rc.userAgent().orElse(null)).requestId(rc.requestId()).detail("user_id", user.id().toString())
                .build(clock.instant()));
        ctx.status(204);
    }

    /** The value of {@code values} whose wire name is {@code name} (already checked to be one of them). */
    static <E> E wire(E[] values, java.util.function.Function<E, String> wire, String name) {
        return Arrays.stream(values).filter(v -> wire.apply(v).equals(name)).findFirst().orElseThrow();
    }

    /** A super admin's sessions are ended only by a super admin (as only one may disable them). */
    private static Principal refuseUnlessMayEnd(RequestContext rc, User target) {
        Principal p = rc.requirePrincipal();
        if (target.roles().contains(Role.SUPER_ADMIN.id()) && !p.isSuperAdmin()) {
            throw ApiException.forbidden("Only a super admin can end a super admin's sessions");
        }
        return p;
    }

    private UUID existingOrg(Context ctx) {
        UUID orgId = CoreGuards.pathUuid(ctx, "orgId");
        if (orgs.find(orgId).isEmpty()) {
            throw ApiException.notFound("Organization not found");
        }
        return orgId;
    }

    /** The path's user of the path's organization; 404 when there is none. */
    private User member(Context ctx) {
        UUID orgId = CoreGuards.pathUuid(ctx, "orgId");
        UUID userId = CoreGuards.pathUuid(ctx, "userId");
        return users.find(orgId, userId).map(UserPages.Entry::user).orElseThrow(() -> ApiException.notFound("User not found"));
    }

    static SecurityEvent.ActorType actorType(Principal p) {
        return p.kind() == Principal.Kind.USER ? SecurityEvent.ActorType.USER : SecurityEvent.ActorType.SERVICE_ACCOUNT;
    }

    /**
     * {@code {"items": [...], "next_cursor": "..." or null, "total": n}} (total on a first page only). A tree, because
     * the API's mapper leaves out null map values and a last page says {@code "next_cursor": null}.
     */
    static ObjectNode page(List<Map<String, Object>> items, Optional<String> next, Optional<Long> total) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.putPOJO("items", items);
        next.ifPresentOrElse(c -> out.put("next_cursor", c), () -> out.putNull("next_cursor"));
        total.ifPresent(t -> out.put("total", t));
        return out;
    }

    private static Map<String, Object> orgBody(Organization o) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", o.id().toString());
        out.put("name", o.name());
        out.put("status", o.status());
        out.put("created_at", o.createdAt().toString());
        return out;
    }

    private static Map<String, Object> listed(UserPages.Entry e) {
        Map<String, Object> out = AccountRoutes.userBody(e.user());
        e.lastLoginAt().ifPresent(t -> out.put("last_login_at", t.toString()));
        return out;
    }
}
