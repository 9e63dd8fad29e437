package com.liftos.security.incident;

import com.liftos.security.org.SecurityConfig;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Emails an organization's security contacts about its incidents; a failing mail server never breaks detection. */
final class IncidentNotices {
    private static final Logger LOG = LoggerFactory.getLogger(IncidentNotices.class);

    private final IncidentStore store;
    private final Function<UUID, SecurityConfig> configs;
    private final Optional<Notifier> notifier;

    IncidentNotices(IncidentStore store, Function<UUID, SecurityConfig> configs, Optional<Notifier> notifier) {
        this.store = store;
        this.configs = configs;
        this.notifier = notifier;
    }

    /** Sends {@code headline} and the incident's summary to every security contact of its organization. */
    void send(UUID incidentId, String headline) {
        if (notifier.isEmpty()) {
            return;
        }
        Optional<Incident> incident = store.load(incidentId, false);
        if (incident.isEmpty() || incident.get().orgId().isEmpty()) {
            return;
        }
        Incident i = incident.get();
        String subject = "[LiftOS] " + headline + ": " + i.type().wire() + " (" + i.severity().wire() + ")";
        String body = headline + "\n\nIncident: " + i.id() + "\nType: " + i.type().wire() + "\nSeverity: " + i.severity().wire()
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
}
