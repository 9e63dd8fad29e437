package com.liftos.security.rbac;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.http.Access;
import com.liftos.security.http.ApiException;
import com.liftos.security.http.Bodies;
import com.liftos.security.http.CoreGuards;
import com.liftos.security.http.ListQuery;
import com.liftos.security.http.RequestContext;
import com.liftos.security.http.Route;
import com.liftos.security.http.RouteDoc;
import com.liftos.security.http.RouteDoc.Param;
import com.liftos.security.identity.Permission;
import com.liftos.security.identity.Principal;
import com.liftos.security.org.Organizations;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code /v1/orgs/{orgId}/roles} ({@code manage:users}): an organization's custom roles, listed, read, created,
 * changed and deleted; the rules are {@link CustomRoles}'.
 */
public final class CustomRoleRoutes {
    private static final String BASE = Route.ORG_PREFIX + "/roles";

    private final CustomRoles roles;
    private final Organizations orgs;
    private final Bodies bodies;

    public CustomRoleRoutes(CustomRoles roles, Organizations orgs, ObjectMapper json) {
        this.roles = roles;
        this.orgs = orgs;
        this.bodies = new Bodies(json);
    }

    public List<Route> routes() {
        Access read = Access.require("manage:users");
        Access write = Access.require("manage:users").maxRisk(0.5).rateCategory(Access.RateCategory.SENSITIVE);
        return List.of(
                Route.get(BASE, read, this::list).doc(RouteDoc.of("List the organization's custom roles")
                        .details("In name order. Built-in roles (viewer, analyst, manager, admin, super_admin) are not listed.")
                        .query(Param.LIMIT, Param.CURSOR).ok("CustomRolePage").errors(400, "invalid_cursor")),
                Route.post(BASE, write, this::create).doc(RouteDoc.of("Create a custom role")
                        .details("Only organization-scoped permissions of the catalogue, and only ones the caller holds (else 403). "
                                + "Audited as CONFIGURATION_CHANGE.")
                        .json("NewCustomRole").created("CustomRole").errors(400, "validation_failed")
                        .errors(409, "role_exists", "too_many_roles")),
                Route.get(BASE + "/{roleId}", read, this::get).doc(RouteDoc.of("One custom role").ok("CustomRole")),
                Route.put(BASE + "/{roleId}", write, this::update).doc(RouteDoc.of("Change a custom role's permissions and description")
                        .details("The caller must hold every permission of the role, before and after. A permission taken away "
                                + "ends the sessions of every holder; an added one arrives with their next refresh.")
                        .json("CustomRoleUpdate").ok("CustomRole").errors(400, "validation_failed")),
                Route.delete(BASE + "/{roleId}", write, this::delete).doc(RouteDoc.of("Delete a custom role")
                        .details("Refused while a user holds it.")
                        .noContent("Deleted").errors(409, "role_in_use")));
    }

    record NewRoleBody(String name, String description, List<String> permissions) {}

    private void list(Context ctx) {
        UUID orgId = existingOrg(ctx);
        ListQuery query = ListQuery.of(ctx);
        int limit = query.limit();
        Optional<String> after = query.cursor(1).map(c -> c.text(0));
        List<CustomRoles.CustomRole> page = roles.list(orgId, after, limit + 1);
        // An ObjectNode, not a Map: next_cursor is null on the last page, and the mapper leaves null map values out.
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.putPOJO("items", page.stream().limit(limit).map(CustomRoleRoutes::body).toList());
        if (page.size() > limit) {
            out.put("next_cursor", ListQuery.cursor(List.of(page.get(limit - 1).name())));
        } else {
            out.putNull("next_cursor");
        }
        if (after.isEmpty()) {
            out.put("total", roles.count(orgId));
        }
        ctx.json(out);
    }

    private void get(Context ctx) {
        UUID orgId = existingOrg(ctx);
        ctx.json(body(roles.find(orgId, CoreGuards.pathUuid(ctx, "roleId")).orElseThrow(() -> ApiException.notFound("No such role"))));
    }

    private void create(Context ctx) {
        UUID orgId = existingOrg(ctx);
        NewRoleBody b = bodies.read(ctx, NewRoleBody.class);
        CustomRoles.Outcome outcome = roles.create(orgId, draft(b), caller(ctx));
        answer(ctx, outcome, 201);
    }

    private void update(Context ctx) {
        UUID orgId = existingOrg(ctx);
        UUID id = CoreGuards.pathUuid(ctx, "roleId");
        NewRoleBody b = bodies.read(ctx, NewRoleBody.class);
        answer(ctx, roles.update(orgId, id, draft(b), caller(ctx)), 200);
    }

    private void delete(Context ctx) {
        UUID orgId = existingOrg(ctx);
        CustomRoles.Outcome outcome = roles.delete(orgId, CoreGuards.pathUuid(ctx, "roleId"), caller(ctx));
        if (outcome instanceof CustomRoles.Outcome.Done) {
            ctx.status(204);
            return;
        }
        answer(ctx, outcome, 204);
    }

    private static CustomRoles.Draft draft(NewRoleBody b) {
        if (b.permissions() == null) {
            throw ApiException.validation("Invalid role", List.of("permissions is required (a list of permissions)"));
        }
        return new CustomRoles.Draft(Optional.ofNullable(b.name()), Optional.ofNullable(b.description()), b.permissions());
    }

    private static void answer(Context ctx, CustomRoles.Outcome outcome, int status) {
        switch (outcome) {
            case CustomRoles.Outcome.Done done -> ctx.status(status).json(body(done.role()));
            case CustomRoles.Outcome.Invalid invalid -> throw ApiException.validation("Invalid role", invalid.problems());
            case CustomRoles.Outcome.Forbidden forbidden -> throw ApiException.forbidden(forbidden.message());
            case CustomRoles.Outcome.NotFound notFound -> throw ApiException.notFound("No such role");
            case CustomRoles.Outcome.Conflict conflict -> throw ApiException.conflict(conflict.code(), conflict.message());
        }
    }

    private static CustomRoles.Caller caller(Context ctx) {
        RequestContext request = RequestContext.of(ctx);
        Principal p = request.requirePrincipal();
        return new CustomRoles.Caller(p.subject(), p.permissions(),
                p.kind() == Principal.Kind.USER ? SecurityEvent.ActorType.USER : SecurityEvent.ActorType.SERVICE_ACCOUNT,
                request.clientIp(), request.userAgent(), request.requestId());
    }

    private static Map<String, Object> body(CustomRoles.CustomRole r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", r.id().toString());
        out.put("org_id", r.orgId().toString());
        out.put("name", r.name());
        out.put("description", r.description());
        out.put("permissions", r.permissions().stream().map(Permission::toString).sorted().toList());
        out.put("created_at", r.createdAt().toString());
        out.put("updated_at", r.updatedAt().toString());
        return out;
    }

    private UUID existingOrg(Context ctx) {
        UUID orgId = CoreGuards.pathUuid(ctx, "orgId");
        if (orgs.find(orgId).isEmpty()) {
            throw ApiException.notFound("Organization not found");
        }
        return orgId;
    }
}
