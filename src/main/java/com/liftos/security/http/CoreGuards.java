package com.liftos.security.http;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.identity.Principal;
import com.liftos.security.identity.Permission;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.Optional;
import java.util.UUID;

/** The guards every deployment runs: authentication, tenant isolation, permissions. */
public final class CoreGuards {
    private CoreGuards() {}

    /** Non-public routes need a bearer token that verifies; 401 otherwise. */
    public static Guard authentication(BearerAuthenticator authenticator) {
        return (ctx, route, request) -> {
            if (route.access().isPublic()) {
                return;
            }
            String header = ctx.header("Authorization");
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
        return (ctx, route, request) -> {
            if (!route.orgScoped() || route.access().isPublic()) {
                return;
            }
            Principal p = request.requirePrincipal();
            Optional<UUID> orgId = uuid(ctx.pathParam("orgId"));
            if (orgId.isEmpty() || !p.isSuperAdmin() && !orgId.get().equals(p.orgId())) {
                throw ApiException.notFound("Organization not found");
            }
        };
    }

    /** Every declared permission must be held; 403 and a PERMISSION_DENIED event otherwise. */
    public static Guard permissions(AuditLog audit, Clock clock) {
        return (ctx, route, request) -> {
            if (route.access().isPublic() || route.access().permissions().isEmpty()) {
                return;
            }
            Principal p = request.requirePrincipal();
            if (route.access().selfOrPermissions() && ctx.pathParamMap().containsKey("userId")
                    && uuid(ctx.pathParam("userId")).filter(p.subject()::equals).isPresent()) {
                return;
            }
            for (Permission needed : route.access().permissions()) {
                if (!p.permissions().allows(needed)) {
                    audit.record(SecurityEvent.builder(SecurityEventType.PERMISSION_DENIED, "authorize")
                            .org(p.orgId())
                            .actor(p.subject(), p.kind() == Principal.Kind.USER
                                    ? SecurityEvent.ActorType.USER : SecurityEvent.ActorType.SERVICE_ACCOUNT)
                            .resource(route.method() + " " + route.path())
                            .clientIp(request.clientIp())
                            .userAgent(request.userAgent().orElse(null))
                            .requestId(request.requestId())
                            .success(false)
                            .detail("required", needed.toString())
                            .risk(0.4)
                            .build(clock.instant()));
                    throw ApiException.forbidden("Missing permission " + needed);
                }
            }
        };
    }

    static Optional<UUID> uuid(String s) {
        try {
            return s != null && s.length() == 36 ? Optional.of(UUID.fromString(s)) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Parses a path parameter as a UUID, answering 404 when it is not one. */
    public static UUID pathUuid(Context ctx, String name) {
        return uuid(ctx.pathParam(name)).orElseThrow(() -> ApiException.notFound("Not found"));
    }
}
