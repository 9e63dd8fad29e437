package com.liftos.security.rbac;

import com.liftos.security.http.ApiException;
import com.liftos.security.http.Guard;
import com.liftos.security.http.RequestContext;
import com.liftos.security.http.Route;
import com.liftos.security.identity.Permission;
import com.liftos.security.identity.Principal;

/**
 * The gate step after tenant isolation: every permission the route declares must be held, else 403 and a report
 * to {@link PermissionDenials}. A route declaring {@code orSelf()} lets callers act on their own {@code {userId}}.
 */
public final class PermissionGuard implements Guard {
    private final PermissionDenials denials;

    public PermissionGuard(PermissionDenials denials) {
        this.denials = denials;
    }

    @Override
    public void check(Route route, RequestContext request) {
        if (route.access().isPublic() || route.access().permissions().isEmpty()) {
            return;
        }
        Principal p = request.requirePrincipal();
        if (route.access().selfOrPermissions() && request.pathUuid("userId").filter(p.subject()::equals).isPresent()) {
            return;
        }
        for (Permission needed : route.access().permissions()) {
            if (!p.permissions().allows(needed)) {
                denials.denied(new PermissionDenials.Denial(p, route.name(), request.clientIp(), request.userAgent(),
                        request.requestId(), needed));
                throw ApiException.forbidden("Missing permission " + needed);
            }
        }
    }
}
