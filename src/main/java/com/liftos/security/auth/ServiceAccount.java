package com.liftos.security.auth;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A non-human client of an organization, authenticated by client id and secret (OAuth 2.0 client credentials). */
public record ServiceAccount(UUID id, UUID orgId, String name, String clientId, List<String> roles,
                             List<String> permissions, String status, Instant createdAt) {
    public ServiceAccount {
        roles = List.copyOf(roles);
        permissions = List.copyOf(permissions);
    }

    /** Its effective permissions: its roles' plus its own grants, in wire form. */
    public List<String> effectivePermissions() {
        java.util.TreeSet<String> all = new java.util.TreeSet<>(Sessions.permissionsOf(roles));
        all.addAll(permissions);
        return List.copyOf(all);
    }
}
