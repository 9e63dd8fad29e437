package com.liftos.security.vault;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * What the vault says about a credential without opening it. {@code rotationDueAt} is the last rotation plus
 * the seed's 90-day schedule.
 */
public record CredentialMetadata(UUID id, UUID orgId, String provider, String keyName, int version, Status status,
                                 Instant createdAt, Optional<UUID> createdBy, Instant rotatedAt, Optional<UUID> rotatedBy,
                                 Optional<Instant> lastUsedAt, Optional<UUID> lastUsedBy, long accessCount,
                                 Optional<Instant> revokedAt, Instant rotationDueAt) {

    public enum Status { ACTIVE, REVOKED;
        public String wire() { return name().toLowerCase(java.util.Locale.ROOT); }

        /** The stored value; the table's CHECK constraint allows only these two. */
        static Status of(String wire) {
            return switch (wire) {
                case "active" -> ACTIVE;
                case "revoked" -> REVOKED;
                default -> throw new IllegalStateException("unknown credential status in the database");
            };
        }
    }

    public boolean rotationDue(Instant now) {
        return status == Status.ACTIVE && !rotationDueAt.isAfter(now);
    }
}
