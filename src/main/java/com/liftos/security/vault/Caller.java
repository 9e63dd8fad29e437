package com.liftos.security.vault;

import com.liftos.security.audit.SecurityEvent;
import java.util.Optional;
import java.util.UUID;

/** Who performs a vault operation, for bookkeeping and audit. */
public record Caller(Optional<UUID> actorId, SecurityEvent.ActorType actorType, Optional<String> clientIp,
                     Optional<String> userAgent, Optional<String> requestId) {

    public static Caller system() {
        return new Caller(Optional.empty(), SecurityEvent.ActorType.SYSTEM, Optional.empty(), Optional.empty(), Optional.empty());
    }

    public static Caller user(UUID userId) {
        return new Caller(Optional.of(userId), SecurityEvent.ActorType.USER, Optional.empty(), Optional.empty(), Optional.empty());
    }

    SecurityEvent.Builder on(SecurityEvent.Builder b) {
        b.actor(actorId.orElse(null), actorType).clientIp(clientIp.orElse(null)).userAgent(userAgent.orElse(null))
                .requestId(requestId.orElse(null));
        return b;
    }
}
