package com.liftos.security.incident;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.EventFanout;
import com.liftos.security.http.Guard;
import com.liftos.security.http.Route;
import com.liftos.security.org.SecurityConfig;
import com.liftos.security.store.Db;
import com.liftos.security.subject.PersonalData;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/** The feature's entry point: builds incidents, detectors and guards, and subscribes to the event stream. */
public final class IncidentResponse {
    private final Incidents incidents;
    private final IpBlocklist blocklist;
    private final EmergencyMode emergency;
    private final IncidentRoutes routes;
    private final IncidentPersonalData personalData = new IncidentPersonalData();

    private IncidentResponse(Incidents incidents, IpBlocklist blocklist, EmergencyMode emergency, IncidentRoutes routes) {
        this.incidents = incidents;
        this.blocklist = blocklist;
        this.emergency = emergency;
        this.routes = routes;
    }

    public static IncidentResponse start(Db db, AuditLog audit, EventFanout events, Containment containment,
                                         Function<UUID, SecurityConfig> configs, Optional<Notifier> notifier,
                                         ObjectMapper json, Clock clock) {
        IpBlocklist blocklist = new IpBlocklist(db, audit, clock);
        EmergencyMode emergency = new EmergencyMode(db, audit, clock);
        Incidents incidents = new Incidents(db, audit, containment, blocklist, emergency, configs, notifier, json, clock);
        events.add(new IncidentDetector(db, incidents, containment, blocklist, configs, clock));
        return new IncidentResponse(incidents, blocklist, emergency, new IncidentRoutes(incidents, json, clock));
    }

    public Incidents incidents() {
        return incidents;
    }

    /** Incident response's share of a data subject's data (GDPR erasure forgets their addresses). */
    public PersonalData personalData() {
        return personalData;
    }

    public List<Route> routes() {
        return routes.routes();
    }

    /** Refuses blocked client addresses; put it first, before authentication. */
    public Guard ipGuard() {
        return blocklist.guard();
    }

    /** Refuses writes and reveals in orgs under emergency mode; put it after authentication and tenant isolation. */
    public Guard emergencyGuard() {
        return emergency.guard();
    }
}
