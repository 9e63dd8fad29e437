package com.liftos.security.identity;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * An authenticated caller, built only from a verified access token. Handlers receive this, never raw claims.
 *
 * @param subject    user id or service account id
 * @param sessionId  present for user sessions, empty for service accounts
 * @param amr        authentication methods used (e.g. {@code pwd}, {@code otp}), RFC 8176
 */
public record Principal(
        UUID subject,
        UUID orgId,
        Kind kind,
        Optional<String> email,
        Set<String> roles,
        PermissionSet permissions,
        Optional<UUID> sessionId,
        String tokenId,
        Instant authTime,
        Instant expiresAt,
        List<String> amr) {

    public enum Kind { USER, SERVICE_ACCOUNT }

    public Principal {
        roles = Set.copyOf(roles);
        amr = List.copyOf(amr);
    }

    public boolean isSuperAdmin() {
        return roles.contains(Role.SUPER_ADMIN.id());
    }
}
