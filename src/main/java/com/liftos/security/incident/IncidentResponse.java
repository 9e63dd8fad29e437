package com.liftos.security.incident;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.audit.AuditEventCounts;
import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.EventFanout;
import com.liftos.security.auth.user.UserDirectory;
import com.liftos.security.http.Guard;
import com.liftos.security.http.Route;
import com.liftos.security.org.SecurityConfig;
import com.liftos.security.store.Db;
import com.liftos.security.store.Purge;
import com.liftos.security.subject.PersonalData;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * The feature's entry point: builds incidents, detectors and guards, and subscribes to the event stream. It asks
 * the audit feature for event counts and the auth feature about users; it never reads their tables.
 */
public final class IncidentResponse {
    private final IpBlocklist blocklist;
    private final EmergencyMode emergency;
    private final IncidentRoutes routes;
    private final IncidentPersonalData personalData = new IncidentPersonalData();

    private IncidentResponse(IpBlocklist blocklist, EmergencyMode emergency, IncidentRoutes routes) {
        this.blocklist = blocklist;
        this.emergency = emergency;
        this.routes = routes;
    }

    /**
     * {@code blocklist} is built before the features that consult it (the login asks
     * {@link IpBlocklist#isBlockedFor} once it knows the account's organization) and shared with them.
     */
    public static IncidentResponse start(Db db, AuditLog audit, AuditEventCounts counts, UserDirectory users,
                                         EventFanout events, Containment containment, IpBlocklist blocklist,
                                         Function<UUID, SecurityConfig> configs, Optional<Notifier> notifier,
                                         ObjectMapper json, Clock clock) {
        EmergencyMode emergency = new EmergencyMode(db, audit, clock);
        IncidentStore store = new IncidentStore(db, json);
        Incidents incidents = new Incidents(db, audit, store,
                new IncidentActions(store, containment, blocklist, emergency, users, configs),
                new IncidentNotices(store, configs, notifier), clock);
        events.add(new IncidentDetector(counts, incidents, containment, blocklist, configs, clock));
        return new IncidentResponse(blocklist, emergency, new IncidentRoutes(incidents, json, clock));
    }

    /**
     * Incident tables' retention rules, for {@code store.Housekeeping}: repeated detections ({@code detected_again}
     * timeline entries, one per hit of a long-running incident; the incident keeps their count in {@code hits}) and
     * the evidence list (audit event ids) of incidents resolved before {@code evidence}; IP blocks a day after they
     * ran out. The incident itself, its first detection and every response step stay.
     */
    public static List<Purge> purges(Duration evidence) {
        return List.of(
                Purge.olderThan("incident_timeline", evidence, """
                        DELETE FROM incident_timeline WHERE ctid >= ?::tid AND ctid < ?::tid
                          AND action = 'detected_again' AND at < ?"""),
                Purge.olderThan("incidents", evidence, """
                        UPDATE incidents SET evidence = '{}' WHERE ctid >= ?::tid AND ctid < ?::tid
                          AND status = 'resolved' AND resolved_at < ? AND cardinality(evidence) > 0"""),
                Purge.olderThan("blocked_ips", Duration.ofDays(1),
                        "DELETE FROM blocked_ips WHERE ctid >= ?::tid AND ctid < ?::tid AND blocked_until < ?"));
    }

    /** Incident response's share of a data subject's data (GDPR erasure forgets their addresses). */
    public PersonalData personalData() {
        return personalData;
    }

    public List<Route> routes() {
        return routes.routes();
    }

    /** Refuses globally blocked client addresses; put it first, before authentication. */
    public Guard ipGuard() {
        return new IpBlockGuard(blocklist);
    }

    /** Refuses callers whose organization blocked the client address; put it right after authentication. */
    public Guard orgIpGuard() {
        return new OrgIpBlockGuard(blocklist);
    }

    /** Refuses writes and reveals in orgs under emergency mode; put it after authentication and tenant isolation. */
    public Guard emergencyGuard() {
        return new EmergencyGuard(emergency);
    }
}
