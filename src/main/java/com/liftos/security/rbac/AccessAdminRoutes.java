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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Administration of access: an organization's security configuration and a user's roles.
 * <ul>
 *   <li>{@code GET/PUT /v1/orgs/{orgId}/security-config} (manage:security, which an organization's admin holds): PUT
 *       replaces the whole configuration (absent fields take the seed's defaults), refuses invalid values with 400
 *       listing every problem, and writes the change and a CONFIGURATION_CHANGE event (old and new values) in one
 *       transaction. Rate limits above the platform's ceilings are refused unless the caller holds
 *       {@code manage:system} (a super admin): an organization cannot buy itself more of the shared service.</li>
 *   <li>{@code PUT /v1/orgs/{orgId}/users/{userId}/roles} (manage:users): sets the user's roles, built-in or the
 *       organization's custom ones; one ROLE_ASSIGNED / ROLE_REVOKED event per role added / removed, and a
 *       PERMISSION_GRANTED naming the permissions each added role grants. A caller grants or revokes only roles
 *       whose every permission they hold themselves: so only a holder of {@code *} (a super admin) touches
 *       super_admin, and no role hands out more than its giver has.</li>
 * </ul>
 */
public final class AccessAdminRoutes {
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
    private static final Permission MANAGE_SYSTEM = Permission.parse("manage:system");

    private final Db db;
    private final UserDirectory users;
    private final Organizations orgs;
    private final SecurityConfigCache configs;
    private final AuditLog audit;
    private final Bodies bodies;
    private final ObjectMapper json;
    private final Clock clock;
    private final Consumer<UUID> endSessionsOfUser;
    private final CustomRoles roles;
    private final Map<String, SecurityConfig.RateLimit> rateCeilings;
    private final boolean authenticatorMetadata;

    /**
     * @param endSessionsOfUser ends every session of a user: called after a role is revoked, because access
     *                          tokens carry their permissions and must not outlive the revocation
     * @param rateCeilings      per rate-limit category, the most an organization's admin may configure
     * @param authenticatorMetadata whether this deployment has FIDO metadata, without which an allow-list of
     *                          authenticator models ({@code passkey_aaguids}) would refuse every passkey
     */
    public AccessAdminRoutes(Db db, UserDirectory users, Organizations orgs, SecurityConfigCache configs, AuditLog audit,
                             ObjectMapper json, Clock clock, Consumer<UUID> endSessionsOfUser, CustomRoles roles,
                             Map<String, SecurityConfig.RateLimit> rateCeilings, boolean authenticatorMetadata) {
        this.roles = roles;
        this.authenticatorMetadata = authenticatorMetadata;
        this.rateCeilings = Map.copyOf(rateCeilings);
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
                Route.get("/v1/orgs/{orgId}/security-config", Access.require("manage:security"), this::getConfig)
                        .doc(RouteDoc.of("The organization's security configuration").ok("SecurityConfig")),
                Route.put("/v1/orgs/{orgId}/security-config", Access.require("manage:security").maxRisk(0.5)
                        .rateCategory(Access.RateCategory.SENSITIVE), this::putConfig)
                        .doc(RouteDoc.of("Replace the organization's security configuration")
                                .details("Absent fields take their defaults; every invalid value is listed. Rate limits above the platform's "
                                        + "ceilings (`LIFTOS_ORG_RATE_LIMIT_CEILINGS`) are refused unless the caller is a super admin. "
                                        + "Audited as CONFIGURATION_CHANGE with the old and new values.")
                                .json("SecurityConfig").ok("SecurityConfig").errors(400, "validation_failed")),
                Route.put("/v1/orgs/{orgId}/users/{userId}/roles", Access.require("manage:users").maxRisk(0.5)
                        .rateCategory(Access.RateCategory.SENSITIVE), this::putRoles)
                        .doc(RouteDoc.of("Set a user's roles")
                                .details("Built-in or custom roles. Only roles whose every permission the caller holds may be granted or revoked "
                                        + "(so only a super admin touches `super_admin`). A revocation ends the user's sessions.")
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
        RequestContext request = RequestContext.of(ctx);
        Principal p = request.requirePrincipal();
        List<String> problems = new ArrayList<>(next.problems());
        if (!p.permissions().allows(MANAGE_SYSTEM)) {
            problems.addAll(aboveCeilings(next));
        }
        if (!next.passkeyAaguids().isEmpty() && !authenticatorMetadata) {
            problems.add("passkey_aaguids needs FIDO metadata (LIFTOS_FIDO_MDS_PATH), which this deployment does not have: "
                    + "no authenticator's attestation could be verified, so no passkey could be registered");
        }
        if (!problems.isEmpty()) {
            throw ApiException.validation("Invalid security configuration", problems);
        }
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
        RequestContext request = RequestContext.of(ctx);
        Principal p = request.requirePrincipal();
        boolean[] revoked = {false};
        List<String> result = db.tx(c -> {
            Map<String, List<Permission>> wanted = new LinkedHashMap<>();
            List<String> problems = new ArrayList<>();
            for (String id : body.roles()) {
                Optional<List<Permission>> grants = id == null ? Optional.empty() : roles.lockForAssignment(c, orgId, id);
                if (grants.isEmpty()) {
                    problems.add("unknown role (viewer, analyst, manager, admin, super_admin, or a custom role of the organization)");
                } else {
                    wanted.put(id, grants.get());
                }
            }
            if (!problems.isEmpty()) {
                throw ApiException.validation("Invalid roles", problems);
            }
            List<String> stored = users.lockRoles(c, orgId, userId).orElseThrow(() -> ApiException.notFound("User not found"));
            Map<String, List<Permission>> current = new LinkedHashMap<>();
            for (String id : stored) {
                // A stored id that names no role any more grants nothing: it simply goes.
                roles.lockForAssignment(c, orgId, id).ifPresent(grants -> current.put(id, grants));
            }
            Map<String, List<Permission>> added = new LinkedHashMap<>(wanted);
            added.keySet().removeAll(current.keySet());
            Map<String, List<Permission>> removed = new LinkedHashMap<>(current);
            removed.keySet().removeAll(wanted.keySet());
            for (Map.Entry<String, List<Permission>> r : concat(added, removed).entrySet()) {
                if (!p.permissions().allowsAll(r.getValue())) {
                    throw ApiException.forbidden(r.getKey().equals(Role.SUPER_ADMIN.id())
                            ? "Only a super admin may grant or revoke super_admin"
                            : "Only a caller holding every permission of role '" + r.getKey() + "' may grant or revoke it");
                }
            }
            List<String> ids = List.copyOf(wanted.keySet());
            users.setRoles(c, orgId, userId, ids);
            for (Map.Entry<String, List<Permission>> r : added.entrySet()) {
                double risk = r.getKey().equals(Role.SUPER_ADMIN.id()) || r.getKey().equals(Role.ADMIN.id()) ? 0.5 : 0.2;
                audit.record(c, event(SecurityEventType.ROLE_ASSIGNED, "assign_role", p, request, orgId)
                        .resource("user:" + userId).detail("role", r.getKey()).detail("user_id", userId.toString())
                        .risk(risk).build(clock.instant()));
                audit.record(c, event(SecurityEventType.PERMISSION_GRANTED, "grant_permissions", p, request, orgId)
                        .resource("user:" + userId).detail("role", r.getKey()).detail("user_id", userId.toString())
                        .detail("permissions", r.getValue().stream().map(Permission::toString).toList())
                        .risk(risk).build(clock.instant()));
            }
            for (String r : removed.keySet()) {
                audit.record(c, event(SecurityEventType.ROLE_REVOKED, "revoke_role", p, request, orgId)
                        .resource("user:" + userId).detail("role", r).detail("user_id", userId.toString())
                        .risk(0.2).build(clock.instant()));
            }
            revoked[0] = !removed.isEmpty() || stored.size() > current.size();
            return ids;
        });
        if (revoked[0]) {
            endSessionsOfUser.accept(userId);
        }
        ctx.json(new RolesView(userId, result));
    }

    private static Map<String, List<Permission>> concat(Map<String, List<Permission>> a, Map<String, List<Permission>> b) {
        Map<String, List<Permission>> all = new LinkedHashMap<>(a);
        all.putAll(b);
        return all;
    }

    /** One line per configured rate limit faster than the platform's ceiling for its category, naming the field. */
    private List<String> aboveCeilings(SecurityConfig config) {
        List<String> problems = new ArrayList<>();
        config.apiRateLimits().forEach((category, limit) -> {
            SecurityConfig.RateLimit ceiling = rateCeilings.get(category);
            // Compared as rates (limit per window), so a longer window cannot smuggle in a higher one.
            if (ceiling != null && (long) limit.limit() * ceiling.window() > (long) ceiling.limit() * limit.window()) {
                problems.add("api_rate_limits." + category + " exceeds the platform ceiling of " + ceiling.limit()
                        + " requests per " + ceiling.window() + " seconds");
            }
        });
        return problems;
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
