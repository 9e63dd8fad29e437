package com.liftos.security.audit;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * One security event. {@code details} must never hold a secret: callers put identifiers and counts there,
 * never credential values, passwords, tokens or codes.
 */
public record SecurityEvent(
        UUID eventId,
        Instant occurredAt,
        SecurityEventType type,
        Optional<UUID> orgId,
        Optional<UUID> actorId,
        ActorType actorType,
        String action,
        Optional<String> resource,
        Optional<String> clientIp,
        Optional<String> userAgent,
        boolean success,
        Map<String, Object> details,
        Optional<String> requestId,
        double riskScore,
        boolean notifyWebhooks) {

    /** Who acted. */
    public enum ActorType { USER, SERVICE_ACCOUNT, SYSTEM, ANONYMOUS }

    public SecurityEvent {
        details = Map.copyOf(details);
        if (riskScore < 0 || riskScore > 1 || Double.isNaN(riskScore)) {
            throw new IllegalArgumentException("risk score must be in [0,1]");
        }
    }

    public RiskLevel riskLevel() {
        return RiskLevel.of(riskScore);
    }

    public static Builder builder(SecurityEventType type, String action) {
        return new Builder(type, action);
    }

    /** Fluent construction; {@link #build(Instant)} stamps the time from the caller's clock. */
    public static final class Builder {
        private final SecurityEventType type;
        private final String action;
        private UUID orgId;
        private UUID actorId;
        private ActorType actorType = ActorType.SYSTEM;
        private String resource;
        private String clientIp;
        private String userAgent;
        private boolean success = true;
        private final Map<String, Object> details = new LinkedHashMap<>();
        private String requestId;
        private double riskScore;
        private boolean notify;

        private Builder(SecurityEventType type, String action) {
            this.type = type;
            this.action = action;
        }

        public Builder org(UUID id) { this.orgId = id; return this; }
        public Builder actor(UUID id, ActorType type) { this.actorId = id; this.actorType = type; return this; }
        public Builder resource(String r) { this.resource = r; return this; }
        public Builder clientIp(String ip) { this.clientIp = ip; return this; }
        public Builder userAgent(String ua) { this.userAgent = ua; return this; }
        public Builder success(boolean ok) { this.success = ok; return this; }
        public Builder detail(String key, Object value) { if (value != null) { details.put(key, value); } return this; }
        public Builder requestId(String id) { this.requestId = id; return this; }
        public Builder risk(double score) { this.riskScore = Math.max(0, Math.min(1, score)); return this; }
        /** Sent to the alert webhooks whatever its risk: a fact a receiver acts on (a connection made, lost, removed). */
        public Builder notifyWebhooks() { this.notify = true; return this; }

        public SecurityEvent build(Instant now) {
            return new SecurityEvent(UUID.randomUUID(), now, type, Optional.ofNullable(orgId), Optional.ofNullable(actorId),
                    actorType, action, Optional.ofNullable(resource), Optional.ofNullable(clientIp),
                    Optional.ofNullable(userAgent), success, details, Optional.ofNullable(requestId), riskScore, notify);
        }
    }
}
