package com.liftos.security.audit;

import java.sql.Connection;

/**
 * Where every feature sends its security events. Both methods are durable: when {@link #record(SecurityEvent)}
 * returns, the event is committed; {@link #record(Connection, SecurityEvent)} writes inside the caller's
 * transaction, so the event commits exactly when the audited action does.
 */
public interface AuditLog {

    void record(SecurityEvent event);

    void record(Connection transaction, SecurityEvent event);
}
