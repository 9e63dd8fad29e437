package com.liftos.security.incident;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.identity.Principal;
import com.liftos.security.http.Access;
import com.liftos.security.http.ApiException;
import com.liftos.security.http.Bodies;
import com.liftos.security.http.RequestContext;
import com.liftos.security.http.Route;
import com.liftos.security.http.RouteDoc;
import com.liftos.security.http.RouteDoc.Param;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** {@code /v1/orgs/{orgId}/incidents}: list, read, declare, act. */
final class IncidentRoutes {
    private static final String BASE = "/v1/orgs/{orgId}/incidents";

    private final Incidents incidents;
    private final Bodies bodies;
    private final ObjectMapper json;
    private final Clock clock;

    IncidentRoutes(Incidents incidents, ObjectMapper json, Clock clock) {
        this.incidents = incidents;
        this.bodies = new Bodies(json);
        this.json = json;
        this.clock = clock;
    }

    public List<Route> routes() {
        return List.of(
                Route.get(BASE, Access.require("view:audit_logs"), this::list).doc(RouteDoc.of("The organization's incidents")
                        .details("The 200 latest.").query(Param.oneOf("status", "Only incidents in this state", "open", "contained", "resolved"))
                        .ok("IncidentList").errors(400, "invalid_status")),
                Route.post(BASE, Access.require("write:incidents").rateCategory(Access.RateCategory.SENSITIVE), this::declare)
                        .doc(RouteDoc.of("Declare an incident")
                                .details("The guide's critical types no detector sees: " + String.join(", ", Incidents.declarableTypes())
                                        + ". Severity defaults to the type's (critical); the response target follows the severity, "
                                        + "and the incident then takes actions like a detected one. Audited as INCIDENT_OPENED; "
                                        + "the organization's security contacts are notified.")
                                .json("IncidentDeclaration").created("Incident").errors(400, "invalid_incident")),
                Route.get(BASE + "/{incidentId}", Access.require("view:audit_logs"), this::get).doc(RouteDoc.of("One incident, with its timeline")
                        .ok("Incident")),
                Route.post(BASE + "/{incidentId}/actions", Access.require("manage:users"), this::act).doc(RouteDoc.of("Act on an incident")
                        .details("Contain (lock a user, block an address, end sessions, revoke credentials, emergency mode), "
                                + "note, change severity, resolve; each action joins the timeline.")
                        .json("IncidentActionRequest").ok("IncidentActionResult").errors(400, "invalid_action", "invalid_note")));
    }

    record DeclarationBody(String type, String severity, String title, String description) {}

    private void declare(Context ctx) {
        UUID orgId = uuid(ctx.pathParam("orgId"));
        DeclarationBody body = bodies.read(ctx, DeclarationBody.class);
        if (body.type() == null) {
            throw ApiException.badRequest("invalid_incident", "'type' is required: one of " + Incidents.declarableTypes());
        }
        String title = body.title() == null ? "" : body.title().strip();
        if (title.isEmpty() || title.length() > 200) {
            throw ApiException.badRequest("invalid_incident", "title is required, at most 200 characters");
        }
        if (body.description() != null && body.description().length() > 10_000) {
            throw ApiException.badRequest("invalid_incident", "description must be at most 10000 characters");
        }
        RequestContext request = RequestContext.of(ctx);
        Principal p = request.requirePrincipal();
        Containment.Actor actor = new Containment.Actor(Optional.of(p.subject()), Optional.of(request.clientIp()),
                Optional.of(request.requestId()));
        switch (incidents.declare(orgId, body.type(), Optional.ofNullable(body.severity()), title,
                body.description() == null ? "" : body.description(), actor)) {
            case Incidents.Declared.Invalid invalid -> throw ApiException.badRequest("invalid_incident", invalid.message());
            case Incidents.Declared.Opened opened -> ctx.status(201).json(view(opened.incident(), clock.instant()));
        }
    }

    record ActionBody(String action, String note, UUID userId, String ip, Integer minutes, String severity, String scope) {}

    private void list(Context ctx) {
        UUID orgId = uuid(ctx.pathParam("orgId"));
        Optional<Incident.Status> status = Optional.ofNullable(ctx.queryParam("status")).map(s -> Incident.Status.parse(s)
                .orElseThrow(() -> ApiException.badRequest("invalid_status", "status must be open, contained or resolved")));
        Instant now = clock.instant();
        List<Map<String, Object>> out = new ArrayList<>();
        for (Incident i : incidents.list(orgId, status, 200)) {
            out.add(view(i, now));
        }
        ctx.json(Map.of("incidents", out));
    }

    private void get(Context ctx) {
        UUID orgId = uuid(ctx.pathParam("orgId"));
        Incident i = incidents.find(orgId, uuid(ctx.pathParam("incidentId")))
                .orElseThrow(() -> ApiException.notFound("No such incident"));
        ctx.json(view(i, clock.instant()));
    }

    private void act(Context ctx) {
        UUID orgId = uuid(ctx.pathParam("orgId"));
        UUID id = uuid(ctx.pathParam("incidentId"));
        ActionBody body = bodies.read(ctx, ActionBody.class);
        if (body.action() == null) {
            throw ApiException.badRequest("invalid_action", "'action' is required: one of " + IncidentAction.Name.all());
        }
        if (body.note() != null && body.note().length() > 4000) {
            throw ApiException.badRequest("invalid_note", "note must be at most 4000 characters");
        }
        RequestContext request = RequestContext.of(ctx);
        Principal p = request.requirePrincipal();
        Containment.Actor actor = new Containment.Actor(Optional.of(p.subject()), Optional.of(request.clientIp()),
                Optional.of(request.requestId()));
        Incidents.ActionOutcome outcome = incidents.act(orgId, id, new IncidentAction.Request(body.action(),
                Optional.ofNullable(body.note()), Optional.ofNullable(body.userId()), Optional.ofNullable(body.ip()),
                Optional.ofNullable(body.minutes()), Optional.ofNullable(body.severity()), Optional.ofNullable(body.scope())),
                new Incidents.Responder(actor, p.isSuperAdmin()));
        switch (outcome) {
            case Incidents.ActionOutcome.NotFound n -> throw ApiException.notFound(n.message());
            case Incidents.ActionOutcome.Forbidden f -> throw ApiException.forbidden(f.message());
            case Incidents.ActionOutcome.Invalid inv -> throw ApiException.badRequest("invalid_action", inv.message());
            case Incidents.ActionOutcome.Done done -> {
                Map<String, Object> out = view(done.incident(), clock.instant());
                out.put("result", done.result());
                ctx.json(out);
            }
        }
    }

    private static UUID uuid(String s) {
        try {
            return UUID.fromString(s);
        } catch (IllegalArgumentException e) {
            throw ApiException.notFound("No such resource");
        }
    }

    private Map<String, Object> view(Incident i, Instant now) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", i.id().toString());
        m.put("org_id", i.orgId().map(UUID::toString).orElse(null));
        m.put("type", i.type().wire());
        m.put("severity", i.severity().wire());
        m.put("status", i.status().wire());
        m.put("subject", i.subject());
        m.put("opened_at", i.openedAt().toString());
        m.put("response_target_minutes", i.severity().responseTarget().toMinutes());
        m.put("respond_by", i.respondBy().toString());
        m.put("overdue", i.overdue(now));
        m.put("contained_at", i.containedAt().map(Instant::toString).orElse(null));
        m.put("resolved_at", i.resolvedAt().map(Instant::toString).orElse(null));
        m.put("updated_at", i.updatedAt().toString());
        m.put("hits", i.hits());
        m.put("affected_users", i.affectedUsers().stream().map(UUID::toString).toList());
        m.put("affected_keys", i.affectedKeys());
        m.put("evidence_event_ids", i.evidence().stream().map(UUID::toString).toList());
        i.declaration().ifPresent(d -> {
            m.put("title", d.title());
            m.put("description", d.description());
        });
        if (!i.timeline().isEmpty()) {
            List<Map<String, Object>> t = new ArrayList<>();
            for (Incident.TimelineEntry e : i.timeline()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("at", e.at().toString());
                row.put("actor_id", e.actorId().map(UUID::toString).orElse(null));
                row.put("action", e.action());
                try {
                    row.put("detail", json.readTree(e.detailJson()));
                } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
                    row.put("detail", Map.of());
                }
                t.add(row);
            }
            m.put("timeline", t);
        }
        return m;
    }
}
