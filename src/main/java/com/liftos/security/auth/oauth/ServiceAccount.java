package com.liftos.security.auth.oauth;

import com.liftos.security.auth.token.AccessTokens;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.UUID;

/** A non-human client of an organization, authenticated by client id and secret (OAuth 2.0 client credentials). */
public record ServiceAccount(UUID id, UUID orgId, String name, String clientId, List<String> roles,
                             List<String> permissions, Status status, Instant createdAt) {

    /** Whether the account may obtain and use tokens. */
    public enum Status {
        ACTIVE, DISABLED;

        /** As stored and shown: {@code active}, {@code disabled}. */
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Status parse(String stored) {
            return valueOf(stored.toUpperCase(Locale.ROOT));
        }
    }

    public ServiceAccount {
        roles = List.copyOf(roles);
        permissions = List.copyOf(permissions);
    }

    /** Its effective permissions: its roles' plus its own grants, in wire form. */
    public List<String> effectivePermissions() {
        TreeSet<String> all = new TreeSet<>(AccessTokens.permissionsOf(roles));
        all.addAll(permissions);
        return List.copyOf(all);
    }
}
