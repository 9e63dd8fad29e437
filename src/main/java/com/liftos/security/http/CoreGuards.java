package com.liftos.security.http;

import com.liftos.security.identity.Principal;
import io.javalin.http.Context;
import java.util.Optional;
import java.util.UUID;

/** The guards of the HTTP layer itself: authentication and tenant isolation. Permissions are {@code rbac}'s. */
public final class CoreGuards {
    private CoreGuards() {}

    /** Non-public routes need a bearer token that verifies; 401 otherwise. */
    public static Guard authentication(BearerAuthenticator authenticator) {
        return (route, request) -> {
            if (route.access().isPublic()) {
                return;
            }
            String header = request.header("Authorization").orElse(null);
            if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() <= 7) {
                throw ApiException.unauthorized();
            }
            Principal p = authenticator.authenticate(header.substring(7).strip(), request)
                    .orElseThrow(ApiException::invalidToken);
            request.authenticated(p);
        };
    }

    /**
     * Org-scoped routes answer 404 to callers of another organization (so org ids cannot be probed);
     * super admins are exempt. A malformed org id is also a 404.
     */
    public static Guard tenantIsolation() {
        return (route, request) -> {
            if (!route.orgScoped() || route.access().isPublic()) {
                return;
            }
            Principal p = request.requirePrincipal();
            Optional<UUID> orgId = request.pathUuid("orgId");
            if (orgId.isEmpty() || !p.isSuperAdmin() && !orgId.get().equals(p.orgId())) {
                throw ApiException.notFound("Organization not found");
            }
        };
    }

    /** Parses a path parameter as a UUID, answering 404 when it is not one. */
    public static UUID pathUuid(Context ctx, String name) {
        return RequestContext.uuid(ctx.pathParam(name)).orElseThrow(() -> ApiException.notFound("Not found"));
    }
}
