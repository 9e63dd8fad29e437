package com.liftos.security.auth.user;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/** A person's account. The password hash is not part of it: only the login and the password change read it. */
public record User(
        UUID id,
        UUID orgId,
        String email,
        Optional<String> displayName,
        List<String> roles,
        Status status,
        Instant passwordChangedAt,
        Optional<Instant> lockedUntil,
        Instant createdAt) {

    /** Whether the account may sign in at all (a lock is separate and temporary). */
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

    public User {
        roles = List.copyOf(roles);
    }

    /** Active and not locked at {@code now}: the account may open a session. */
    public boolean maySignInAt(Instant now) {
        return status == Status.ACTIVE && lockedUntil.filter(now::isBefore).isEmpty();
    }

    @Override
    public String toString() {
        return "User[id=" + id + ", orgId=" + orgId + ", roles=" + roles + ", status=" + status.wire() + "]";
    }
}
