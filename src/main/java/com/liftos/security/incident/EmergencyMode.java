package com.liftos.security.incident;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.store.Db;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;

/**
 * Emergency mode makes an organization read-only: no credential reveal and no writes on its routes, except for
 * super admins and for the incident routes (so the org's admins can still respond and leave the mode); enforced by
 * {@link EmergencyGuard}. The flag is read from the database on each guarded request, so every instance honours it at once.
 */
public final class EmergencyMode {
    private final Db db;
    private final AuditLog audit;
    private final Clock clock;

    public EmergencyMode(Db db, AuditLog audit, Clock clock) {
        this.db = db;
        this.audit = audit;
        this.clock = clock;
    }

    public boolean isOn(UUID orgId) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM emergency_mode WHERE org_id = ?")) {
                ps.setObject(1, orgId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    /** Turns emergency mode on; false when it already was. CONFIGURATION_CHANGE. */
    public boolean enable(UUID orgId, String reason, Containment.Actor actor) {
        Instant now = clock.instant();
        return db.tx(c -> {
            int n;
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO emergency_mode (org_id, since, enabled_by, reason) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
                ps.setObject(1, orgId);
                ps.setTimestamp(2, Timestamp.from(now));
                ps.setObject(3, actor.userId().orElse(null));
                ps.setString(4, reason.length() > 500 ? reason.substring(0, 500) : reason);
                n = ps.executeUpdate();
            }
            if (n > 0) {
                audit.record(c, event("emergency_mode_on", orgId, actor).risk(0.8).build(now));
            }
            return n > 0;
        });
    }

    /** Leaves emergency mode; false when it was not on. */
    public boolean disable(UUID orgId, Containment.Actor actor) {
        Instant now = clock.instant();
        return db.tx(c -> {
            int n;
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM emergency_mode WHERE org_id = ?")) {
                ps.setObject(1, orgId);
                n = ps.executeUpdate();
            }
            if (n > 0) {
                audit.record(c, event("emergency_mode_off", orgId, actor).risk(0.6).build(now));
            }
            return n > 0;
        });
    }

    private static SecurityEvent.Builder event(String action, UUID orgId, Containment.Actor actor) {
        SecurityEvent.Builder b = SecurityEvent.builder(SecurityEventType.CONFIGURATION_CHANGE, action).org(orgId)
                .resource("org:" + orgId).detail("setting", "emergency_mode").detail("enabled", action.endsWith("_on"))
                .actor(actor.userId().orElse(null), actor.userId().isPresent() ? SecurityEvent.ActorType.USER : SecurityEvent.ActorType.SYSTEM);
        actor.clientIp().ifPresent(b::clientIp);
        actor.requestId().ifPresent(b::requestId);
        return b;
    }
}
