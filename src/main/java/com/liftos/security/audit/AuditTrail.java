package com.liftos.security.audit;

import java.sql.Connection;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The seed's {@code SecurityAuditLogger} API over an {@link AuditLog}: {@code log_security_event},
 * {@code log_authentication_event}, {@code log_api_key_access} and {@code log_suspicious_activity}. Each call is
 * durable when it returns; {@link #within(Connection)} gives the same API inside the caller's transaction.
 * Details must never hold a secret (secret-looking keys are redacted by the log as a safety net).
 */
public final class AuditTrail {
    private final AuditLog log;
    private final Clock clock;
    private final Optional<Connection> transaction;

    public AuditTrail(AuditLog log, Clock clock) {
        this(log, clock, Optional.empty());
    }

    private AuditTrail(AuditLog log, Clock clock, Optional<Connection> transaction) {
        this.log = log;
        this.clock = clock;
        this.transaction = transaction;
    }

    /** Who acted and from where; every part optional. */
    public record Origin(Optional<UUID> orgId, Optional<UUID> actorId, SecurityEvent.ActorType actorType,
                         Optional<String> clientIp, Optional<String> userAgent, Optional<String> requestId) {

        public static Origin system() {
            return new Origin(Optional.empty(), Optional.empty(), SecurityEvent.ActorType.SYSTEM, Optional.empty(),
                    Optional.empty(), Optional.empty());
        }

        public static Origin user(UUID orgId, UUID userId) {
            return new Origin(Optional.of(orgId), Optional.of(userId), SecurityEvent.ActorType.USER, Optional.empty(),
                    Optional.empty(), Optional.empty());
        }

        public static Origin serviceAccount(UUID orgId, UUID accountId) {
            return new Origin(Optional.of(orgId), Optional.of(accountId), SecurityEvent.ActorType.SERVICE_ACCOUNT,
                    Optional.empty(), Optional.empty(), Optional.empty());
        }

        public Origin from(String ip, String agent, String request) {
            return new Origin(orgId, actorId, actorType, Optional.ofNullable(ip), Optional.ofNullable(agent), Optional.ofNullable(request));
        }
    }

    /** The same API writing inside {@code transaction}: the events commit exactly when it does. */
    public AuditTrail within(Connection transaction) {
        return new AuditTrail(log, clock, Optional.of(transaction));
    }

    /** {@code log_security_event}: any event type, with an explicit risk score in [0,1]. */
    public SecurityEvent logSecurityEvent(SecurityEventType type, Origin origin, String action, boolean success,
                                          Map<String, ?> details, double riskScore) {
        SecurityEvent.Builder b = SecurityEvent.builder(type, action).success(success).risk(riskScore);
        origin.orgId().ifPresent(b::org);
        origin.actorId().ifPresent(id -> b.actor(id, origin.actorType()));
        if (origin.actorId().isEmpty()) {
            b.actor(null, origin.actorType());
        }
        origin.clientIp().ifPresent(b::clientIp);
        origin.userAgent().ifPresent(b::userAgent);
        origin.requestId().ifPresent(b::requestId);
        details.forEach(b::detail);
        SecurityEvent event = b.build(clock.instant());
        transaction.ifPresentOrElse(c -> log.record(c, event), () -> log.record(event));
        return event;
    }

    /**
     * {@code log_authentication_event}: LOGIN_SUCCESS, LOGIN_FAILURE, LOGOUT, MFA_*, PASSWORD_CHANGED, TOKEN_*,
     * SESSION_REVOKED, NEW_DEVICE, ACCOUNT_LOCKED/UNLOCKED. Failures score 0.3 (medium), lockouts 0.6 (high).
     */
    public SecurityEvent logAuthenticationEvent(SecurityEventType type, Origin origin, boolean success, String method,
                                                Map<String, ?> details) {
        if (!EventCategory.of(type).equals(EventCategory.AUTHENTICATION)) {
            throw new IllegalArgumentException(type + " is not an authentication event");
        }
        double risk = type == SecurityEventType.ACCOUNT_LOCKED ? 0.6 : success ? 0.0 : 0.3;
        Map<String, Object> all = new java.util.LinkedHashMap<>(details);
        all.put("method", method);
        return logSecurityEvent(type, origin, type.wire(), success, all, risk);
    }

    /** {@code log_api_key_access}: API_KEY_ACCESSED (or CREATED/ROTATED/REVOKED by {@code action}) for a provider's key. */
    public SecurityEvent logApiKeyAccess(Origin origin, String provider, String keyName, String action, boolean success) {
        SecurityEventType type = switch (action) {
            case "create", "store" -> SecurityEventType.API_KEY_CREATED;
            case "rotate" -> SecurityEventType.API_KEY_ROTATED;
            case "revoke", "delete" -> SecurityEventType.API_KEY_REVOKED;
            default -> SecurityEventType.API_KEY_ACCESSED;
        };
        return logSecurityEvent(type, origin, action, success,
                Map.of("provider", provider, "key_name", keyName), success ? 0.1 : 0.4);
    }

    /** {@code log_suspicious_activity}: SUSPICIOUS_ACTIVITY with the caller's risk score (at least medium). */
    public SecurityEvent logSuspiciousActivity(Origin origin, String activity, double riskScore, Map<String, ?> details) {
        Map<String, Object> all = new java.util.LinkedHashMap<>(details);
        all.put("activity", activity);
        return logSecurityEvent(SecurityEventType.SUSPICIOUS_ACTIVITY, origin, activity, false, all, Math.max(0.3, riskScore));
    }
}
