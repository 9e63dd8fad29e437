package com.liftos.security.audit;

import java.sql.Connection;
import java.util.List;

/**
 * Where every feature sends its security events. Both methods are durable: when {@link #record(SecurityEvent)}
 * returns, the event is committed; {@link #record(Connection, SecurityEvent)} writes inside the caller's
 * transaction, so the event commits exactly when the audited action does.
 */
public interface AuditLog {

    void record(SecurityEvent event);

    void record(Connection transaction, SecurityEvent event);

    /**
     * Records several events of one action: durable, every one, when this returns; throws when any could not be
     * written (the others may be durable). The group-commit writer queues them together, so they usually share
     * one commit instead of paying one each.
     */
    default void recordAll(List<SecurityEvent> events) {
        events.forEach(this::record);
    }
}
