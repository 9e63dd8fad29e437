package com.liftos.security.privacy;

import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.identity.Principal;
import java.util.Optional;
import java.util.UUID;

/** Who asks for a data-subject right, and from where: what the audit event of the request records. */
public record Requester(Optional<Principal> principal, String clientIp, Optional<String> userAgent, String requestId) {

    /** An event about {@code subject} (resource {@code user:<id>}) of {@code orgId}, by this requester. */
    SecurityEvent.Builder event(SecurityEventType type, String action, UUID orgId, UUID subject) {
        SecurityEvent.Builder b = SecurityEvent.builder(type, action).org(orgId).resource("user:" + subject)
                .clientIp(clientIp).userAgent(userAgent.orElse(null)).requestId(requestId);
        principal.ifPresentOrElse(p -> b.actor(p.subject(), p.kind() == Principal.Kind.USER
                ? SecurityEvent.ActorType.USER : SecurityEvent.ActorType.SERVICE_ACCOUNT), () -> b.actor(null, SecurityEvent.ActorType.ANONYMOUS));
        return b;
    }
}
