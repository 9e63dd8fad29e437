package com.liftos.security.auth.session;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** A session as listed to its owner: never a token, only metadata. */
public record SessionInfo(UUID id, UUID userId, UUID orgId, String deviceFingerprint, Optional<String> deviceId,
                          String clientIp, Optional<String> userAgent, List<String> amr, Instant createdAt,
                          Instant lastSeenAt, Optional<Instant> endedAt, Optional<String> endReason,
                          boolean newDevice, boolean ipChanged, double riskScore) {
    public SessionInfo {
        amr = List.copyOf(amr);
    }
}
