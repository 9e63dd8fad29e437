package com.liftos.security.incident;

import com.liftos.security.http.ApiException;
import com.liftos.security.http.Guard;
import com.liftos.security.http.RequestContext;
import com.liftos.security.http.Route;
import java.util.Optional;
import java.util.UUID;

/**
 * The gate step after tenant isolation and permissions: in an organization under {@link EmergencyMode}, writes and
 * credential reveals answer 403 {@code emergency_mode}, except the incident routes and super admins.
 */
final class EmergencyGuard implements Guard {
    private static final String INCIDENT_ROUTES = "/v1/orgs/{orgId}/incidents";

    private final EmergencyMode emergency;

    EmergencyGuard(EmergencyMode emergency) {
        this.emergency = emergency;
    }

    @Override
    public void check(Route route, RequestContext request) {
        if (!route.orgScoped() || route.path().startsWith(INCIDENT_ROUTES)) {
            return;
        }
        boolean reveal = route.path().endsWith("/secret");
        if (route.verb().equals("GET") && !reveal) {
            return;
        }
        if (request.principal().filter(p -> p.isSuperAdmin()).isPresent()) {
            return;
        }
        Optional<UUID> org = request.pathUuid("orgId");
        if (org.isPresent() && emergency.isOn(org.get())) {
            throw new ApiException(403, "emergency_mode", "The organization is in emergency mode: read-only until an admin lifts it");
        }
    }
}
