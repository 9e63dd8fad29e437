package com.liftos.security.incident;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.org.SecurityConfig;
import com.liftos.security.store.Db;
import com.liftos.security.store.StoreException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Incident response: stores incidents (one open per org, type and subject, whichever instance detects it), runs
 * containment actions through {@link Containment}, records every step in the incident's timeline and the audit
 * trail, and notifies the org's security contacts of new incidents and severity changes.
 */
public final class Incidents {
    private static final Logger LOG = LoggerFactory.getLogger(Incidents.class);
    private static final int MAX_EVIDENCE = 200;
    private static final UUID NO_ORG = new UUID(0, 0);

    private final Db db;
    private final AuditLog audit;
    private final Containment containment;
    private final IpBlocklist blocklist;
    private final EmergencyMode emergency;
    private final Function<UUID, SecurityConfig> configs;
    private final Optional<Notifier> notifier;
    private final ObjectMapper json;
    private final Clock clock;

    public Incidents(Db db, AuditLog audit, Containment containment, IpBlocklist blocklist, EmergencyMode emergency,
                     Function<UUID, SecurityConfig> configs, Optional<Notifier> notifier, ObjectMapper json, Clock clock) {
        this.db = db;
        this.audit = audit;
        this.containment = containment;
        this.blocklist = blocklist;
        this.emergency = emergency;
        this.configs = configs;
        this.notifier = notifier;
        this.json = json;
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
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO incidents (id, org_id, type, severity, status, subject, opened_at, respond_by, updated_at,
                                           affected_users, evidence)
                    VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (coalesce(org_id, '00000000-0000-0000-0000-000000000000'::uuid), type, subject)
                        WHERE status <> 'resolved' DO NOTHING""")) {
                ps.setObject(1, id);
                ps.setObject(2, orgId.orElse(null));
                ps.setString(3, type.wire());
                ps.setString(4, type.severity().wire());
                ps.setString(5, subject);
                ps.setTimestamp(6, Timestamp.from(now));
                ps.setTimestamp(7, Timestamp.from(now.plus(type.severity().responseTarget())));
                ps.setTimestamp(8, Timestamp.from(now));
                ps.setArray(9, c.createArrayOf("uuid", users.toArray()));
                ps.setArray(10, c.createArrayOf("uuid", limit(evidence).toArray()));
                if (ps.executeUpdate() == 1) {
                    timeline(c, id, Optional.empty(), "detected", detail, now);
                    audit.record(c, incidentEvent(SecurityEventType.INCIDENT_OPENED, "open_incident", orgId, id, type.wire(),
                            type.severity(), Containment.Actor.system()).detail("subject_kind", subjectKind(subject)).build(now));
                    return new Detection.Opened(id);
                }
            }
            UUID existing;
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE incidents SET hits = hits + 1, updated_at = ?,
                           affected_users = ARRAY(SELECT DISTINCT unnest(affected_users || ?::uuid[])),
                           evidence = (evidence || ?::uuid[])[1:""" + MAX_EVIDENCE + """
                    ]
                    WHERE coalesce(org_id, '00000000-0000-0000-0000-000000000000'::uuid) = ? AND type = ? AND subject = ?
                      AND status <> 'resolved'
                    RETURNING id""")) {
                ps.setTimestamp(1, Timestamp.from(now));
                ps.setArray(2, c.createArrayOf("uuid", users.toArray()));
                ps.setArray(3, c.createArrayOf("uuid", limit(evidence).toArray()));
                ps.setObject(4, orgId.orElse(NO_ORG));
                ps.setString(5, type.wire());
                ps.setString(6, subject);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new StoreException("incident vanished while being updated", null);
                    }
                    existing = rs.getObject(1, UUID.class);
                }
            }
            timeline(c, existing, Optional.empty(), "detected_again", detail, now);
            return new Detection.Updated(existing);
        });
        if (d instanceof Detection.Opened) {
            notifyContacts(d.incidentId(), "New security incident");
        }
        return d;
    }

    private static List<UUID> limit(Collection<UUID> evidence) {
        return evidence.stream().distinct().limit(MAX_EVIDENCE).toList();
    }

    private static String subjectKind(String subject) {
        int colon = subject.indexOf(':');
        return colon < 0 ? subject : subject.substring(0, colon);
    }

    public List<Incident> list(UUID orgId, Optional<Incident.Status> status, int limit) {
        return db.run(c -> {
            List<UUID> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT id FROM incidents WHERE org_id = ? AND (?::text IS NULL OR status = ?::text) ORDER BY opened_at DESC LIMIT ?")) {
                ps.setObject(1, orgId);
                ps.setString(2, status.map(Incident.Status::wire).orElse(null));
                ps.setString(3, status.map(Incident.Status::wire).orElse(null));
                ps.setInt(4, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getObject(1, UUID.class));
                    }
                }
            }
            List<Incident> out = new ArrayList<>();
            for (UUID id : ids) {
                load(c, id, false).ifPresent(out::add);
            }
            return out;
        });
    }

    public Optional<Incident> find(UUID orgId, UUID id) {
        return db.run(c -> load(c, id, true)).filter(i -> i.orgId().equals(Optional.of(orgId)));
    }

    private Optional<Incident> load(Connection c, UUID id, boolean withTimeline) throws SQLException {
        Incident base;
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT org_id, type, severity, status, subject, opened_at, respond_by, contained_at, resolved_at, updated_at,
                       hits, affected_users, affected_keys, evidence FROM incidents WHERE id = ?""")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                base = new Incident(id, Optional.ofNullable(rs.getObject(1, UUID.class)), rs.getString(2),
                        Severity.parse(rs.getString(3)).orElseThrow(), Incident.Status.parse(rs.getString(4)).orElseThrow(),
                        rs.getString(5), rs.getTimestamp(6).toInstant(), rs.getTimestamp(7).toInstant(),
                        Optional.ofNullable(rs.getTimestamp(8)).map(Timestamp::toInstant),
                        Optional.ofNullable(rs.getTimestamp(9)).map(Timestamp::toInstant), rs.getTimestamp(10).toInstant(),
                        rs.getInt(11), uuids(rs.getArray(12)), strings(rs.getArray(13)), uuids(rs.getArray(14)), List.of());
            }
        }
        if (!withTimeline) {
            return Optional.of(base);
        }
        List<Incident.TimelineEntry> timeline = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT at, actor_id, action, detail::text FROM incident_timeline WHERE incident_id = ? ORDER BY id")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    timeline.add(new Incident.TimelineEntry(rs.getTimestamp(1).toInstant(),
                            Optional.ofNullable(rs.getObject(2, UUID.class)), rs.getString(3), rs.getString(4)));
                }
            }
        }
        return Optional.of(new Incident(base.id(), base.orgId(), base.type(), base.severity(), base.status(), base.subject(),
                base.openedAt(), base.respondBy(), base.containedAt(), base.resolvedAt(), base.updatedAt(), base.hits(),
                base.affectedUsers(), base.affectedKeys(), base.evidence(), timeline));
    }

    private static List<UUID> uuids(Array a) throws SQLException {
        return a == null ? List.of() : Arrays.stream((Object[]) a.getArray()).map(UUID.class::cast).toList();
    }

    private static List<String> strings(Array a) throws SQLException {
        return a == null ? List.of() : Arrays.stream((Object[]) a.getArray()).map(String.class::cast).toList();
    }

    /** An admin's (or the detector's) action on an incident. */
    public record Action(String action, Optional<String> note, Optional<UUID> userId, Optional<String> ip,
                         Optional<Integer> minutes, Optional<String> severity) {}

    /** What an action led to. */
    public sealed interface ActionOutcome {
        record Done(Incident incident, Map<String, Object> result) implements ActionOutcome {}

        record Invalid(String message) implements ActionOutcome {}

        record NotFound() implements ActionOutcome {}
    }

    public static final List<String> ACTIONS = List.of("contain", "resolve", "note", "set_severity", "lock_user",
            "unlock_user", "end_sessions", "revoke_credentials", "block_ip", "unblock_ip", "emergency_mode_on",
            "emergency_mode_off");

    public ActionOutcome act(UUID orgId, UUID incidentId, Action a, Containment.Actor actor) {
        Optional<Incident> found = find(orgId, incidentId);
        if (found.isEmpty()) {
            return new ActionOutcome.NotFound();
        }
        Incident incident = found.get();
        Instant now = clock.instant();
        Map<String, Object> result = new LinkedHashMap<>();
        switch (a.action()) {
            case "contain", "resolve" -> {
                Incident.Status target = a.action().equals("contain") ? Incident.Status.CONTAINED : Incident.Status.RESOLVED;
                if (incident.status() == Incident.Status.RESOLVED || incident.status() == target) {
                    return new ActionOutcome.Invalid("incident is already " + incident.status().wire());
                }
                setStatus(incidentId, target, now);
            }
            case "note" -> {
                if (a.note().filter(n -> !n.isBlank()).isEmpty()) {
                    return new ActionOutcome.Invalid("note needs a non-empty 'note'");
                }
            }
            case "set_severity" -> {
                Optional<Severity> s = a.severity().flatMap(Severity::parse);
                if (s.isEmpty()) {
                    return new ActionOutcome.Invalid("set_severity needs 'severity': critical, high, medium or low");
                }
                db.tx(c -> {
                    try (PreparedStatement ps = c.prepareStatement(
                            "UPDATE incidents SET severity = ?, respond_by = opened_at + ?::interval, updated_at = ? WHERE id = ?")) {
                        ps.setString(1, s.get().wire());
                        ps.setString(2, s.get().responseTarget().toSeconds() + " seconds");
                        ps.setTimestamp(3, Timestamp.from(now));
                        ps.setObject(4, incidentId);
                        ps.executeUpdate();
                    }
                    return null;
                });
                result.put("previous_severity", incident.severity().wire());
            }
            case "lock_user", "unlock_user", "end_sessions" -> {
                if (a.action().equals("end_sessions") && a.userId().isEmpty()) {
                    result.put("sessions_ended", containment.endSessionsOfOrg(orgId, "incident_containment"));
                    break;
                }
                if (a.userId().isEmpty() || !userInOrg(a.userId().get(), orgId)) {
                    return new ActionOutcome.Invalid(a.action() + " needs 'user_id' of a user of this organization");
                }
                UUID user = a.userId().get();
                switch (a.action()) {
                    case "lock_user" -> {
                        int minutes = a.minutes().orElse(configs.apply(orgId).incidentThresholds().lockMinutes());
                        if (minutes < 1 || minutes > 60 * 24 * 365) {
                            return new ActionOutcome.Invalid("minutes must be between 1 and 525600");
                        }
                        containment.lockUser(user, now.plus(Duration.ofMinutes(minutes)), "incident_containment", actor);
                        result.put("locked_minutes", minutes);
                    }
                    case "unlock_user" -> containment.unlockUser(user, actor);
                    default -> result.put("sessions_ended", containment.endSessionsOfUser(user, "incident_containment"));
                }
                result.put("user_id", user.toString());
            }
            case "revoke_credentials" -> result.put("credentials_revoked", containment.revokeCredentials(orgId, "incident_containment", actor));
            case "block_ip", "unblock_ip" -> {
                Optional<String> ip = a.ip().flatMap(IpBlocklist::normalize);
                if (ip.isEmpty()) {
                    return new ActionOutcome.Invalid(a.action() + " needs 'ip': an IPv4 or IPv6 address");
                }
                if (a.action().equals("block_ip")) {
                    int minutes = a.minutes().orElse(configs.apply(orgId).incidentThresholds().ipBlockMinutes());
                    if (minutes < 1 || minutes > 60 * 24 * 365) {
                        return new ActionOutcome.Invalid("minutes must be between 1 and 525600");
                    }
                    blocklist.block(ip.get(), Duration.ofMinutes(minutes), "incident_containment", Optional.of(incidentId),
                            Optional.of(orgId), actor);
                    result.put("blocked_minutes", minutes);
                } else {
                    result.put("unblocked", blocklist.unblock(ip.get(), Optional.of(orgId), actor));
                }
            }
            case "emergency_mode_on" -> result.put("changed", emergency.enable(orgId, a.note().orElse("incident " + incidentId), actor));
            case "emergency_mode_off" -> result.put("changed", emergency.disable(orgId, actor));
            default -> {
                return new ActionOutcome.Invalid("unknown action; one of " + String.join(", ", ACTIONS));
            }
        }
        Map<String, Object> detail = new LinkedHashMap<>(result);
        a.note().ifPresent(n -> detail.put("note", n));
        db.tx(c -> {
            timeline(c, incidentId, actor.userId(), a.action(), detail, now);
            SecurityEvent.Builder b = incidentEvent(SecurityEventType.INCIDENT_UPDATED, a.action(), incident.orgId(), incidentId,
                    incident.type(), a.action().equals("set_severity") ? Severity.parse(a.severity().orElseThrow()).orElseThrow()
                            : incident.severity(), actor);
            result.forEach(b::detail);
            audit.record(c, b.build(now));
            return null;
        });
        if (a.action().equals("set_severity") && !a.severity().get().equals(incident.severity().wire())) {
            notifyContacts(incidentId, "Security incident severity changed");
        }
        return new ActionOutcome.Done(find(orgId, incidentId).orElseThrow(), result);
    }

    private boolean userInOrg(UUID userId, UUID orgId) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM users WHERE id = ? AND org_id = ?")) {
                ps.setObject(1, userId);
                ps.setObject(2, orgId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    /** Moves an incident to contained/resolved (automatic containment uses it too). */
    void setStatus(UUID incidentId, Incident.Status status, Instant now) {
        db.tx(c -> {
            String sql = "UPDATE incidents SET status = 'resolved', resolved_at = ?, updated_at = ? WHERE id = ? AND status <> 'resolved'";
            if (status == Incident.Status.CONTAINED) {
                sql = "UPDATE incidents SET status = 'contained', contained_at = ?, updated_at = ? WHERE id = ? AND status = 'open'";
            }
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setTimestamp(1, Timestamp.from(now));
                ps.setTimestamp(2, Timestamp.from(now));
                ps.setObject(3, incidentId);
                ps.executeUpdate();
            }
            return null;
        });
    }

    /** BRUTE_FORCE_ATTEMPT: the detector locked {@code user} after {@code failures} failed logins. */
    void recordBruteForce(UUID orgId, UUID user, UUID incidentId, long failures, Instant lockedUntil) {
        audit.record(SecurityEvent.builder(SecurityEventType.BRUTE_FORCE_ATTEMPT, "lock_account").org(orgId)
                .actor(null, SecurityEvent.ActorType.SYSTEM).resource("user:" + user).success(false)
                .detail("failed_attempts", failures).detail("locked_until", lockedUntil.toString())
                .detail("incident_id", incidentId.toString()).risk(0.8).build(clock.instant()));
    }

    /** Adds an automatic step (by the detector) to an incident's timeline. */
    void systemStep(UUID incidentId, String action, Map<String, ?> detail) {
        db.tx(c -> {
            timeline(c, incidentId, Optional.empty(), action, detail, clock.instant());
            return null;
        });
    }

    private void timeline(Connection c, UUID incidentId, Optional<UUID> actor, String action, Map<String, ?> detail, Instant now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO incident_timeline (incident_id, at, actor_id, action, detail) VALUES (?, ?, ?, ?, ?::jsonb)")) {
            ps.setObject(1, incidentId);
            ps.setTimestamp(2, Timestamp.from(now));
            ps.setObject(3, actor.orElse(null));
            ps.setString(4, action);
            ps.setString(5, toJson(detail));
            ps.executeUpdate();
        }
    }

    private String toJson(Map<String, ?> detail) {
        try {
            return json.writeValueAsString(detail);
        } catch (JsonProcessingException e) {
            throw new StoreException("incident detail is not serializable", e);
        }
    }

    private static SecurityEvent.Builder incidentEvent(SecurityEventType type, String action, Optional<UUID> orgId, UUID id,
                                                       String incidentType, Severity severity, Containment.Actor actor) {
        SecurityEvent.Builder b = SecurityEvent.builder(type, action).resource("incident:" + id)
                .actor(actor.userId().orElse(null), actor.userId().isPresent() ? SecurityEvent.ActorType.USER : SecurityEvent.ActorType.SYSTEM)
                .detail("incident_type", incidentType).detail("severity", severity.wire()).risk(severity.notificationRisk());
        orgId.ifPresent(b::org);
        actor.clientIp().ifPresent(b::clientIp);
        actor.requestId().ifPresent(b::requestId);
        return b;
    }

    /** Emails every security contact of the org; a failing mail server never breaks detection. */
    private void notifyContacts(UUID incidentId, String headline) {
        if (notifier.isEmpty()) {
            return;
        }
        Optional<Incident> incident = db.run(c -> load(c, incidentId, false));
        if (incident.isEmpty() || incident.get().orgId().isEmpty()) {
            return;
        }
        Incident i = incident.get();
        String subject = "[LiftOS] " + headline + ": " + i.type() + " (" + i.severity().wire() + ")";
        String body = headline + "\n\nIncident: " + i.id() + "\nType: " + i.type() + "\nSeverity: " + i.severity().wire()
                + "\nStatus: " + i.status().wire() + "\nOpened: " + i.openedAt()
                + "\nRespond by: " + i.respondBy() + "\n\nSee GET /v1/orgs/" + i.orgId().get() + "/incidents/" + i.id() + "\n";
        for (String contact : configs.apply(i.orgId().get()).securityContacts()) {
            try {
                notifier.get().send(contact, subject, body);
            } catch (RuntimeException e) {
                LOG.warn("incident notice to a security contact failed: {}", e.getClass().getSimpleName());
            }
        }
    }

    /**
     * GDPR erasure support: replaces the erased user's IP addresses in incident subjects, timelines and the block
     * list, inside the erasure transaction. User ids stay (they are the audit trail's pseudonyms).
     */
    public void forgetAddresses(Connection c, Collection<String> ips) throws SQLException {
        for (String ip : ips) {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE incidents SET subject = 'ip:erased:' || id WHERE subject = ?")) {
                ps.setString(1, "ip:" + ip);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE incident_timeline SET detail = replace(detail::text, ?, '\"erased\"')::jsonb WHERE strpos(detail::text, ?) > 0")) {
                ps.setString(1, "\"" + ip + "\"");
                ps.setString(2, "\"" + ip + "\"");
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM blocked_ips WHERE ip = ?")) {
                ps.setString(1, ip);
                ps.executeUpdate();
            }
        }
    }
}
