package com.liftos.security.rbac;

import com.liftos.security.identity.Permission;
import com.liftos.security.identity.Principal;
import java.util.Optional;

/** Where {@link PermissionGuard} reports each refusal; the application wires it to the audit trail. */
@FunctionalInterface
public interface PermissionDenials {
    void denied(Denial denial);

    /**
     * One refused request.
     *
     * @param resource the route, {@code METHOD path}
     * @param required the first declared permission the caller does not hold
     */
    record Denial(Principal caller, String resource, String clientIp, Optional<String> userAgent, String requestId,
                  Permission required) {}
}
