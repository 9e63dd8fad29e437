package com.liftos.security.rbac;

import java.util.Optional;
import java.util.UUID;

/**
 * What the risk score needs to know about the caller's session, provided by the feature that owns sessions:
 * the address the session was opened from and whether it was opened on a device new to the user.
 */
@FunctionalInterface
public interface SessionFacts {
    Optional<Facts> of(UUID sessionId);

    record Facts(String loginIp, boolean newDevice) {}

    /** For deployments (and tests) without session data: no session signal ever fires. */
    SessionFacts NONE = id -> Optional.empty();
}
