package com.liftos.security.compliance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.audit.AuditIngestion;
import com.liftos.security.audit.RiskLevel;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.http.Access;
import com.liftos.security.http.ApiException;
import com.liftos.security.http.Bodies;
import com.liftos.security.http.CoreGuards;
import com.liftos.security.http.RequestContext;
import com.liftos.security.http.Route;
import com.liftos.security.http.RouteDoc;
import com.liftos.security.identity.Principal;
import io.javalin.http.Context;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * {@code POST /v1/orgs/{orgId}/audit/events}: a service account holding {@code write:audit_events} writes a batch of
 * security events into its organization's audit chain ({@link AuditIngestion}). Translates JSON to
 * {@link AuditIngestion.Submitted} values, every refusal named by its place ({@code events[3].event_type}).
 */
final class AuditIngestRoutes {
    /** A full batch of 500 events with 1 KiB of details each fits; more is refused before it is parsed. */
    static final int MAX_BODY_BYTES = 1024 * 1024;
    private static final Set<String> FIELDS = Set.of("event_type", "action", "user_id", "resource", "ip_address",
            "user_agent", "success", "details", "risk_level", "occurred_at");

    private final AuditIngestion ingestion;
    private final Bodies bodies;
    private final ObjectMapper json;

    AuditIngestRoutes(AuditIngestion ingestion, ObjectMapper json) {
        this.ingestion = ingestion;
        this.bodies = new Bodies(json);
        this.json = json;
    }

    List<Route> routes() {
        return List.of(Route.post(Route.ORG_PREFIX + "/audit/events", Access.require("write:audit_events"), this::ingest)
                .doc(RouteDoc.of("Write security events into the organization's audit chain (services)")
                        .details("For service accounts holding `write:audit_events`; the calling account is recorded as the actor of "
                                + "every event. 1 to " + AuditIngestion.MAX_EVENTS + " events, at most 1 MiB; only the security guide's "
                                + "event types and risk levels. Send an `Idempotency-Key` header (1 to 255 of `A-Za-z0-9_.:-`) so that a "
                                + "retry is answered with the first answer and writes nothing; the same key with another body is "
                                + "refused with 409. Durable when answered.")
                        .json("AuditEventBatch").created("AuditIngestResult")
                        .errors(400, "validation_failed", "invalid_parameter").errors(403, "service_account_required")
                        .errors(409, "idempotency_key_reused")));
    }

    private void ingest(Context ctx) {
        UUID org = CoreGuards.pathUuid(ctx, "orgId");
        RequestContext rc = RequestContext.of(ctx);
        Principal caller = rc.requirePrincipal();
        if (caller.kind() != Principal.Kind.SERVICE_ACCOUNT) {
            throw new ApiException(403, "service_account_required", "Only service accounts write audit events");
        }
        Optional<AuditIngestion.IdempotencyKey> key = rc.header("Idempotency-Key").map(v -> {
            try {
                return new AuditIngestion.IdempotencyKey(v);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("invalid_parameter", e.getMessage());
            }
        });
        byte[] raw = ctx.bodyAsBytes();
        if (raw.length > MAX_BODY_BYTES) {
            throw new ApiException(413, "payload_too_large", "A batch is at most 1 MiB");
        }
        List<AuditIngestion.Submitted> events = events(bodies.read(ctx, JsonNode.class));
        switch (ingestion.ingest(org, caller.subject(), key, raw, events, rc.requestId())) {
            case AuditIngestion.Outcome.Recorded r -> {
                if (r.replayed()) {
                    ctx.header("Idempotent-Replayed", "true");
                }
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("accepted", r.eventIds().size());
                body.put("event_ids", r.eventIds());
                body.put("replayed", r.replayed());
                ctx.status(201).json(body);
            }
            case AuditIngestion.Outcome.KeyReused k -> throw ApiException.conflict("idempotency_key_reused",
                    "This Idempotency-Key was used with another request body");
        }
    }

    private List<AuditIngestion.Submitted> events(JsonNode root) {
        if (!root.isObject()) {
            throw ApiException.validation("Invalid batch", List.of("body: must be an object {\"events\": [...]}"));
        }
        List<String> problems = new ArrayList<>();
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("events")) {
                problems.add(name + ": unknown field");
            }
        }
        JsonNode list = root.get("events");
        if (list == null || !list.isArray() || list.isEmpty() || list.size() > AuditIngestion.MAX_EVENTS) {
            problems.add("events: an array of 1 to " + AuditIngestion.MAX_EVENTS + " events");
            throw ApiException.validation("Invalid batch", problems);
        }
        List<AuditIngestion.Submitted> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size() && problems.size() < 20; i++) {
            String at = "events[" + i + "]";
            try {
                out.add(event(list.get(i)));
            } catch (IllegalArgumentException e) {
                problems.add(at + "." + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw ApiException.validation("Invalid batch: nothing was written", problems);
        }
        return out;
    }

    /** One event; {@link IllegalArgumentException} messages start with the field's name. */
    private AuditIngestion.Submitted event(JsonNode e) {
        if (!e.isObject()) {
            throw new IllegalArgumentException("event: must be an object");
        }
        for (Iterator<String> names = e.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new IllegalArgumentException(name + ": unknown field");
            }
        }
        String typeName = text(e, "event_type").orElseThrow(() -> new IllegalArgumentException("event_type: required"));
        SecurityEventType type = SecurityEventType.fromWire(typeName).filter(SecurityEventType.GUIDE::contains)
                .orElseThrow(() -> new IllegalArgumentException("event_type: not one of the security guide's event types (e.g. login_failure)"));
        RiskLevel risk = text(e, "risk_level").map(r -> RiskLevel.fromWire(r)
                .orElseThrow(() -> new IllegalArgumentException("risk_level: one of low, medium, high, critical"))).orElse(RiskLevel.LOW);
        Optional<UUID> user = text(e, "user_id").map(u -> {
            try {
                return UUID.fromString(u);
            } catch (IllegalArgumentException x) {
                throw new IllegalArgumentException("user_id: must be a UUID");
            }
        });
        Optional<Instant> occurred = text(e, "occurred_at").map(t -> {
            try {
                return Instant.parse(t);
            } catch (DateTimeParseException x) {
                throw new IllegalArgumentException("occurred_at: must be an ISO-8601 instant such as 2026-01-31T12:00:00Z");
            }
        });
        boolean success = true;
        JsonNode s = e.get("success");
        if (s != null && !s.isNull()) {
            if (!s.isBoolean()) {
                throw new IllegalArgumentException("success: must be true or false");
            }
            success = s.booleanValue();
        }
        Map<String, Object> details = Map.of();
        JsonNode d = e.get("details");
        if (d != null && !d.isNull()) {
            if (!d.isObject()) {
                throw new IllegalArgumentException("details: must be an object");
            }
            if (d.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > AuditIngestion.MAX_DETAILS_BYTES) {
                throw new IllegalArgumentException("details: at most " + AuditIngestion.MAX_DETAILS_BYTES + " bytes of JSON");
            }
            details = json.convertValue(d, MAP);
        }
        return new AuditIngestion.Submitted(type, text(e, "action"), user, text(e, "resource"), text(e, "ip_address"),
                text(e, "user_agent"), success, details, risk, occurred);
    }

    private static final com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>> MAP = new com.fasterxml.jackson.core.type.TypeReference<>() { };

    private static Optional<String> text(JsonNode e, String field) {
        JsonNode v = e.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException(field + ": must be a string");
        }
        return Optional.of(v.textValue());
    }
}
