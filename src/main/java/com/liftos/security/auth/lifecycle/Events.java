package com.liftos.security.auth.lifecycle;

import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.auth.account.Accounts;
import java.sql.SQLException;
import java.util.UUID;

/** The audit events of the lifecycle flows: who, where, which resource. Never a token, a link or an address. */
final class Events {
    private Events() {}

    static SecurityEvent.Builder of(SecurityEventType type, String action, UUID orgId, String resource, Accounts.Actor actor) {
        SecurityEvent.Builder b = SecurityEvent.builder(type, action).org(orgId).resource(resource)
                .actor(actor.id().orElse(null), actor.type());
        if (!actor.clientIp().isEmpty()) {
            b.clientIp(actor.clientIp());
        }
        actor.requestId().ifPresent(b::requestId);
        return b;
    }

    /** Whether a store failure is a unique violation (an address already taken, an invitation already open). */
    static boolean duplicate(RuntimeException e) {
        return e.getCause() instanceof SQLException s && "23505".equals(s.getSQLState());
    }
}
