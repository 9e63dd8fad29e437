package com.liftos.security.rbac;

import com.liftos.security.identity.Role;
import com.liftos.security.identity.Permission;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.auth.user.UserDirectory;
import com.liftos.security.identity.Principal;
import com.liftos.security.http.Access;
import com.liftos.security.http.ApiException;
import com.liftos.security.http.Bodies;
import com.liftos.security.http.CoreGuards;
import com.liftos.security.http.RequestContext;
import com.liftos.security.http.Route;
import com.liftos.security.http.RouteDoc;
import com.liftos.security.http.RouteDoc.Param;
import com.liftos.security.org.Organizations;
import com.liftos.security.org.SecurityConfig;
import com.liftos.security.store.Db;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Administration of access: an organization's security configuration and a user's roles.
 * <ul>
 *   <li>{@code GET/PUT /v1/orgs/{orgId}/security-config} (manage:system): PUT replaces the whole configuration
 *       (absent fields take the seed's defaults), refuses invalid values with 400 listing every problem, and
 *       writes the change and a CONFIGURATION_CHANGE event (old and new values) in one transaction.</li>
 *   <li>{@code PUT /v1/orgs/{orgId}/users/{userId}/roles} (manage:users): sets the user's roles; one
 *       ROLE_ASSIGNED / ROLE_REVOKED event per role added / removed, and a PERMISSION_GRANTED naming the
 *       permissions each added role grants. Only a caller holding {@code *} (a super
 *       admin) grants or revokes super_admin; the other roles are in the hands of manage:users (so an admin
 *       may hand out analyst's export:data, which the guide's matrix does not give admins themselves).</li>
 * </ul>
 */
public final class AccessAdminRoutes {
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

    private final Db db;
    private final UserDirectory users;
    private final Organizations orgs;
    private final SecurityConfigCache configs;
    private final AuditLog audit;
    private final Bodies bodies;
    private final ObjectMapper json;
    private final Clock clock;
    private final Consumer<UUID> endSessionsOfUser;

    /**
     * @param endSessionsOfUser ends every session of a user: called after a role is revoked, because access
     *                          tokens carry their permissions and must not outlive the revocation
     */
    public AccessAdminRoutes(Db db, UserDirectory users, Organizations orgs, SecurityConfigCache configs, AuditLog audit,
                             ObjectMapper json, Clock clock, Consumer<UUID> endSessionsOfUser) {
        this.endSessionsOfUser = endSessionsOfUser;
        this.db = db;
        this.users = users;
        this.orgs = orgs;
        this.configs = configs;
        this.audit = audit;
        this.bodies = new Bodies(json);
        this.json = json;
        this.clock = clock;
    }

    public List<Route> routes() {
        return List.of(
                Route.get("/v1/orgs/{orgId}/security-config", Access.require("manage:system"), this::getConfig)
                        .doc(RouteDoc.of("The organization's security configuration").ok("SecurityConfig")),
                Route.put("/v1/orgs/{orgId}/security-config", Access.require("manage:system").maxRisk(0.5)
                        .rateCategory(Access.RateCategory.SENSITIVE), this::putConfig)
                        .doc(RouteDoc.of("Replace the organization's security configuration")
                                .details("Absent fields take their defaults; every invalid value is listed. Audited as CONFIGURATION_CHANGE with the old and new values.")
                                .json("SecurityConfig").ok("SecurityConfig").errors(400, "validation_failed")),
                Route.put("/v1/orgs/{orgId}/users/{userId}/roles", Access.require("manage:users").maxRisk(0.5)
                        .rateCategory(Access.RateCategory.SENSITIVE), this::putRoles)
                        .doc(RouteDoc.of("Set a user's roles")
                                .details("Only a super admin grants or revokes `super_admin`. A revocation ends the user's sessions.")
                                .json("RolesRequest").ok("UserRoles").errors(400, "validation_failed")));
    }

    record RolesBody(List<String> roles) {}

    record RolesView(UUID userId, List<String> roles) {}

    private void getConfig(Context ctx) {
        UUID orgId = existingOrg(ctx);
        ctx.json(orgs.securityConfig(orgId));
    }

    private void putConfig(Context ctx) {
        UUID orgId = existingOrg(ctx);
        SecurityConfig next = bodies.read(ctx, SecurityConfig.class);
        List<String> problems = next.problems();
        if (!problems.isEmpty()) {
            throw ApiException.validation("Invalid security configuration", problems);
        }
        RequestContext request = RequestContext.of(ctx);
        Principal p = request.requirePrincipal();
        db.tx(c -> {
            SecurityConfig previous = orgs.replaceSecurityConfig(c, orgId, next, Optional.of(p.subject()));
            audit.record(c, event(SecurityEventType.CONFIGURATION_CHANGE, "update_security_config", p, request, orgId)
                    .resource("security_config")
                    .detail("old", json.convertValue(previous, MAP))
                    .detail("new", json.convertValue(next, MAP))
                    .risk(0.5)
                    .build(clock.instant()));
            return previous;
        });
        configs.invalidate(orgId);
        ctx.json(next);
    }

    private void putRoles(Context ctx) {
        UUID orgId = CoreGuards.pathUuid(ctx, "orgId");
        UUID userId = CoreGuards.pathUuid(ctx, "userId");
        RolesBody body = bodies.read(ctx, RolesBody.class);
        if (body.roles() == null) {
            throw ApiException.validation("Invalid roles", List.of("roles is required (a list, possibly empty)"));
        }
        List<String> problems = new ArrayList<>();
        Set<Role> wanted = new LinkedHashSet<>();
        for (String id : body.roles()) {
            Optional<Role> r = id == null ? Optional.empty() : Role.fromId(id);
            if (r.isEmpty()) {
                problems.add("unknown role (viewer, analyst, manager, admin, super_admin)");
            } else {
                wanted.add(r.get());
            }
        }
        if (!problems.isEmpty()) {
            throw ApiException.validation("Invalid roles", problems);
        }
        RequestContext request = RequestContext.of(ctx);
        Principal p = request.requirePrincipal();
        boolean[] revoked = {false};
        List<String> result = db.tx(c -> {
            Set<Role> current = users.lockRoles(c, orgId, userId).map(AccessAdminRoutes::known)
                    .orElseThrow(() -> ApiException.notFound("User not found"));
            Set<Role> added = new LinkedHashSet<>(wanted);
            added.removeAll(current);
            Set<Role> removed = new LinkedHashSet<>(current);
            removed.removeAll(wanted);
            if ((added.contains(Role.SUPER_ADMIN) || removed.contains(Role.SUPER_ADMIN)) && !p.permissions().allows(Permission.ALL)) {
                throw ApiException.forbidden("Only a super admin may grant or revoke super_admin");
            }
            List<String> ids = wanted.stream().map(Role::id).toList();
            users.setRoles(c, orgId, userId, ids);
            for (Role r : added) {
                audit.record(c, event(SecurityEventType.ROLE_ASSIGNED, "assign_role", p, request, orgId)
                        .resource("user:" + userId).detail("role", r.id()).detail("user_id", userId.toString())
                        .risk(r == Role.SUPER_ADMIN || r == Role.ADMIN ? 0.5 : 0.2).build(clock.instant()));
                audit.record(c, event(SecurityEventType.PERMISSION_GRANTED, "grant_permissions", p, request, orgId)
                        .resource("user:" + userId).detail("role", r.id()).detail("user_id", userId.toString())
                        .detail("permissions", r.permissions().stream().map(Permission::toString).toList())
                        .risk(r == Role.SUPER_ADMIN || r == Role.ADMIN ? 0.5 : 0.2).build(clock.instant()));
            }
            for (Role r : removed) {
                audit.record(c, event(SecurityEventType.ROLE_REVOKED, "revoke_role", p, request, orgId)
                        .resource("user:" + userId).detail("role", r.id()).detail("user_id", userId.toString())
                        .risk(0.2).build(clock.instant()));
            }
            revoked[0] = !removed.isEmpty();
            return ids;
        });
        if (revoked[0]) {
            endSessionsOfUser.accept(userId);
        }
        ctx.json(new RolesView(userId, result));
    }

    /** The roles among {@code ids} that exist (an unknown stored id grants nothing). */
    private static Set<Role> known(List<String> ids) {
        Set<Role> roles = new LinkedHashSet<>();
        ids.forEach(id -> Role.fromId(id).ifPresent(roles::add));
        return roles;
    }

    private UUID existingOrg(Context ctx) {
        UUID orgId = CoreGuards.pathUuid(ctx, "orgId");
        if (orgs.find(orgId).isEmpty()) {
            throw ApiException.notFound("Organization not found");
        }
        return orgId;
    }

    private static SecurityEvent.Builder event(SecurityEventType type, String action, Principal p, RequestContext request, UUID orgId) {
        return SecurityEvent.builder(type, action)
                .org(orgId)
                .actor(p.subject(), p.kind() == Principal.Kind.USER ? SecurityEvent.ActorType.USER : SecurityEvent.ActorType.SERVICE_ACCOUNT)
                .clientIp(request.clientIp())
                .userAgent(request.userAgent().orElse(null))
                .requestId(request.requestId());
    }

}
