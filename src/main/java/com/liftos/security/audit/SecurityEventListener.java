package com.liftos.security.audit;

/**
 * Receives each event after the audit log has written it (incident detectors, alerting, metrics).
 * Called on a background thread; must not assume the writing transaction is still open.
 */
@FunctionalInterface
public interface SecurityEventListener {
    void onEvent(SecurityEvent event);
}
