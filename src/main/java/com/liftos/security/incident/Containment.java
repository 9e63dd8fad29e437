package com.liftos.security.incident;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * The containment levers other features own (accounts, sessions, the vault), kept behind this small interface so
 * incident response depends on what it does, not on how. Wired to the real implementations in {@code App}.
 */
public interface Containment {
    /** Who triggers an action: an admin (with request context) or the detector itself. */
    record Actor(Optional<UUID> userId, Optional<String> clientIp, Optional<String> requestId) {
        public static Actor system() {
            return new Actor(Optional.empty(), Optional.empty(), Optional.empty());
        }
    }

    boolean lockUser(UUID userId, Instant until, String reason, Actor actor);

    boolean unlockUser(UUID userId, Actor actor);

    int endSessionsOfUser(UUID userId, String reason);

    int endSessionsOfOrg(UUID orgId, String reason);

    /** Revokes every active vault credential of the org; returns how many. */
    int revokeCredentials(UUID orgId, String reason, Actor actor);
}
