package com.liftos.security.incident;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.store.Db;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Incident response: opens incidents (one open per org, type and subject, whichever instance detects it), runs
 * admins' actions on them ({@link IncidentAction}), records every step in the incident's timeline and the audit
 * trail, and notifies the org's security contacts of new incidents and severity changes.
 */
final class Incidents {
    private final Db db;
    private final AuditLog audit;
    private final IncidentStore store;
    private final IncidentActions actions;
    private final IncidentNotices notices;
    private final Clock clock;

    Incidents(Db db, AuditLog audit, IncidentStore store, IncidentActions actions, IncidentNotices notices, Clock clock) {
        this.db = db;
        this.audit = audit;
        this.store = store;
        this.actions = actions;
        this.notices = notices;
        this.clock = clock;
    }

    /** What a detection led to. */
    public sealed interface Detection {
        UUID incidentId();

        record Opened(UUID incidentId) implements Detection {}

        record Updated(UUID incidentId) implements Detection {}
    }

    /**
     * Opens the incident for (org, type, subject), or adds this hit to the open one. Safe when several instances
     * detect the same thing at once: the unique index decides which one opens it.
     */
    public Detection detected(Optional<UUID> orgId, IncidentType type, String subject, Collection<UUID> users,
                              Collection<UUID> evidence, Map<String, ?> detail) {
        Instant now = clock.instant();
        Detection d = db.tx(c -> {
            UUID id = UUID.randomUUID();
            if (store.open(c, id, orgId, type, subject, users, evidence, now)) {
                store.timeline(c, id, Optional.empty(), "detected", detail, now);
                audit.record(c, incidentEvent(SecurityEventType.INCIDENT_OPENED, "open_incident", orgId, id, type,
                        type.severity(), Containment.Actor.system()).detail("subject_kind", subjectKind(subject)).build(now));
                return new Detection.Opened(id);
            }
            UUID existing = store.hit(c, orgId, type, subject, users, evidence, now);
            store.timeline(c, existing, Optional.empty(), "detected_again", detail, now);
            return new Detection.Updated(existing);
        });
        if (d instanceof Detection.Opened) {
            notices.send(d.incidentId(), "New security incident");
        }
        return d;
    }

    /** What a declaration led to. */
    public sealed interface Declared {
        record Opened(Incident incident) implements Declared {}

        record Invalid(String message) implements Declared {}
    }

    /**
     * Opens an incident an admin declares: one of the {@link IncidentType#declarable} types, with a title, a
     * description and a severity (the type's when absent). From then on it is any incident: the same response target
     * for its severity, actions, timeline ({@code declared} first, by the declarer), audit events and notices.
     */
    public Declared declare(UUID orgId, String typeName, Optional<String> severityName, String title, String description,
                            Containment.Actor by) {
        Optional<IncidentType> type = IncidentType.parse(typeName).filter(IncidentType::declarable);
        if (type.isEmpty()) {
            return new Declared.Invalid("type must be one of " + declarableTypes());
        }
        Optional<Severity> severity = severityName.isEmpty() ? Optional.of(type.get().severity())
                : Severity.parse(severityName.get());
        if (severity.isEmpty()) {
            return new Declared.Invalid("severity must be critical, high, medium or low");
        }
        Incident.Declaration declaration = new Incident.Declaration(title, description);
        Instant now = clock.instant();
        UUID id = UUID.randomUUID();
        db.tx(c -> {
            store.declare(c, id, orgId, type.get(), severity.get(), declaration, now);
            store.timeline(c, id, by.userId(), "declared", Map.of("severity", severity.get().wire()), now);
            audit.record(c, incidentEvent(SecurityEventType.INCIDENT_OPENED, "declare_incident", Optional.of(orgId), id, type.get(),
                    severity.get(), by).detail("subject_kind", "declared").build(now));
            return null;
        });
        notices.send(id, "New security incident");
        return new Declared.Opened(find(orgId, id).orElseThrow());
    }

    static List<String> declarableTypes() {
        return java.util.Arrays.stream(IncidentType.values()).filter(IncidentType::declarable).map(IncidentType::wire).toList();
    }

    private static String subjectKind(String subject) {
        int colon = subject.indexOf(':');
        return colon < 0 ? subject : subject.substring(0, colon);
    }

    /** The organization's incidents, newest first, without their timelines. */
    public List<Incident> list(UUID orgId, Optional<Incident.Status> status, int limit) {
        return store.list(orgId, status, limit);
    }

    /** One incident of the organization, with its timeline. */
    public Optional<Incident> find(UUID orgId, UUID id) {
        return store.load(id, true).filter(i -> i.orgId().equals(Optional.of(orgId)));
    }

    /** What an action led to. */
    public sealed interface ActionOutcome {
        record Done(Incident incident, Map<String, Object> result) implements ActionOutcome {}

        record Invalid(String message) implements ActionOutcome {}

        /** Beyond the responder's reach (a global block asked for by an organization's admin). */
        record Forbidden(String message) implements ActionOutcome {}

        /** No such incident in the organization, or nothing to act on (an address not blocked in the scope asked for). */
        record NotFound(String message) implements ActionOutcome {}
    }

    /**
     * Who responds: the actor recorded in the timeline and the trail, and whether they may act beyond the
     * organization (a super admin may block and unblock addresses globally).
     */
    public record Responder(Containment.Actor actor, boolean superAdmin) {}

    /** Runs an admin's action on an incident of the organization, then records it in the timeline and the audit trail. */
    public ActionOutcome act(UUID orgId, UUID incidentId, IncidentAction.Request request, Responder by) {
        Optional<Incident> found = find(orgId, incidentId);
        if (found.isEmpty()) {
            return new ActionOutcome.NotFound("No such incident");
        }
        return switch (IncidentAction.read(request)) {
            case IncidentAction.Reading.Invalid invalid -> new ActionOutcome.Invalid(invalid.message());
            case IncidentAction.Reading.Valid valid -> act(orgId, found.get(), valid.action(), request.note(), by);
        };
    }

    private ActionOutcome act(UUID orgId, Incident incident, IncidentAction action, Optional<String> note, Responder by) {
        Instant now = clock.instant();
        return switch (actions.run(orgId, incident, action, note, by, now)) {
            case IncidentActions.Result.Refused refused -> new ActionOutcome.Invalid(refused.message());
            case IncidentActions.Result.Forbidden forbidden -> new ActionOutcome.Forbidden(forbidden.message());
            case IncidentActions.Result.NotBlocked notBlocked -> new ActionOutcome.NotFound(notBlocked.message());
            case IncidentActions.Result.Applied applied -> {
                record(incident, action, note, applied.result(), by.actor(), now);
                yield new ActionOutcome.Done(find(orgId, incident.id()).orElseThrow(), applied.result());
            }
        };
    }

    /** The timeline entry (result and note) and the INCIDENT_UPDATED event, in one transaction; a new severity is announced. */
    private void record(Incident incident, IncidentAction action, Optional<String> note, Map<String, Object> result,
                        Containment.Actor actor, Instant now) {
        String name = action.name().wire();
        Severity severity = action instanceof IncidentAction.SetSeverity s ? s.severity() : incident.severity();
        Map<String, Object> detail = new LinkedHashMap<>(result);
        note.ifPresent(n -> detail.put("note", n));
        db.tx(c -> {
            store.timeline(c, incident.id(), actor.userId(), name, detail, now);
            SecurityEvent.Builder b = incidentEvent(SecurityEventType.INCIDENT_UPDATED, name, incident.orgId(), incident.id(),
                    incident.type(), severity, actor);
            result.forEach(b::detail);
            audit.record(c, b.build(now));
            return null;
        });
        if (severity != incident.severity()) {
            notices.send(incident.id(), "Security incident severity changed");
        }
    }

    /** Moves an incident to contained or resolved (the detector's automatic containment). */
    void setStatus(UUID incidentId, Incident.Status status, Instant now) {
        store.setStatus(incidentId, status, now);
    }

    /** Adds an automatic step (by the detector) to an incident's timeline. */
    void systemStep(UUID incidentId, String action, Map<String, ?> detail) {
        db.tx(c -> {
            store.timeline(c, incidentId, Optional.empty(), action, detail, clock.instant());
            return null;
        });
    }

    private static SecurityEvent.Builder incidentEvent(SecurityEventType type, String action, Optional<UUID> orgId, UUID id,
                                                       IncidentType incidentType, Severity severity, Containment.Actor actor) {
        SecurityEvent.Builder b = SecurityEvent.builder(type, action).resource("incident:" + id)
                .actor(actor.userId().orElse(null), actor.userId().isPresent() ? SecurityEvent.ActorType.USER : SecurityEvent.ActorType.SYSTEM)
                .detail("incident_type", incidentType.wire()).detail("severity", severity.wire()).risk(severity.notificationRisk());
        orgId.ifPresent(b::org);
        actor.clientIp().ifPresent(b::clientIp);
        actor.requestId().ifPresent(b::requestId);
        return b;
    }
}
