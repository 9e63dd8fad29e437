package com.liftos.security.auth;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** A person's account. The password hash never leaves the auth package's API except for verification. */
public record User(
        UUID id,
        UUID orgId,
        String email,
        Optional<String> displayName,
        List<String> roles,
        String status,
        Instant passwordChangedAt,
        Optional<Instant> lockedUntil,
        Instant createdAt) {

    public User {
        roles = List.copyOf(roles);
    }

    @Override
    public String toString() {
        return "User[id=" + id + ", orgId=" + orgId + ", roles=" + roles + ", status=" + status + "]";
    }
}
