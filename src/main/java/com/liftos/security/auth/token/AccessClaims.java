package com.liftos.security.auth.token;

import com.liftos.security.identity.Principal;
import com.liftos.security.identity.PermissionSet;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The claims of an access token whose signature and claims have been checked (not yet its revocation state).
 *
 * @param clientId present for service accounts (RFC 9068 {@code client_id})
 * @param sessionId present for user sessions ({@code sid})
 */
public record AccessClaims(UUID subject, UUID orgId, Optional<String> email, List<String> roles, List<String> permissions,
                           Optional<UUID> sessionId, Optional<String> clientId, String jti, Instant issuedAt,
                           Instant expiresAt, Instant authTime, List<String> amr) {
    public AccessClaims {
        roles = List.copyOf(roles);
        permissions = List.copyOf(permissions);
        amr = List.copyOf(amr);
    }

    public Principal.Kind kind() {
        return sessionId.isPresent() ? Principal.Kind.USER : Principal.Kind.SERVICE_ACCOUNT;
    }

    Principal toPrincipal(PermissionSet parsedPermissions) {
        return new Principal(subject, orgId, kind(), email, java.util.Set.copyOf(roles), parsedPermissions, sessionId,
                jti, authTime, expiresAt, amr);
    }
}
