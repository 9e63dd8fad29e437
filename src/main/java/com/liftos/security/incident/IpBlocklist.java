package com.liftos.security.incident;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.store.Db;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * IP addresses refused at the edge (credential stuffing, admin action) on every instance: the table is the truth,
 * each instance re-reads it at most every {@link #REFRESH} and applies its own changes at once.
 */
public final class IpBlocklist {
    static final Duration REFRESH = Duration.ofSeconds(1);
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9a-fA-F:.]{2,45}");

    private final Db db;
    private final AuditLog audit;
    private final Clock clock;
    private volatile Snapshot snapshot = new Snapshot(Map.of(), Instant.MIN);

    private record Snapshot(Map<String, Instant> blocked, Instant readAt) {}

    public IpBlocklist(Db db, AuditLog audit, Clock clock) {
        this.db = db;
        this.audit = audit;
        this.clock = clock;
    }

    /** The canonical text of an IP literal (no host names are resolved), or empty when it is not one. */
    public static Optional<String> normalize(String ip) {
        if (ip == null) {
            return Optional.empty();
        }
        if (IPV4.matcher(ip).matches()) {
            return Optional.of(ip);
        }
        if (!ip.contains(":") || !IPV6_CHARS.matcher(ip).matches()) {
            return Optional.empty();
        }
        try {
            // With a colon the JDK parses an IPv6 literal and never consults DNS.
            return Optional.of(InetAddress.getByName(ip).getHostAddress());
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    public boolean isBlocked(String ip) {
        Instant now = clock.instant();
        Snapshot s = snapshot;
        if (now.isAfter(s.readAt().plus(REFRESH))) {
            s = reload(now);
        }
        Instant until = s.blocked().get(ip);
        return until != null && now.isBefore(until);
    }

    private Snapshot reload(Instant now) {
        Map<String, Instant> blocked = db.run(c -> {
            Map<String, Instant> m = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT ip, blocked_until FROM blocked_ips WHERE blocked_until > ?")) {
                ps.setTimestamp(1, Timestamp.from(now));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        m.put(rs.getString(1), rs.getTimestamp(2).toInstant());
                    }
                }
            }
            return m;
        });
        Snapshot s = new Snapshot(Map.copyOf(blocked), now);
        snapshot = s;
        return s;
    }

    /** Blocks {@code ip} for {@code duration} (extending a shorter block); IP_BLOCKED. */
    public void block(String ip, Duration duration, String reason, Optional<UUID> incidentId, Optional<UUID> orgId,
                      Containment.Actor actor) {
        Instant now = clock.instant();
        Instant until = now.plus(duration);
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO blocked_ips (ip, blocked_until, reason, incident_id, created_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (ip) DO UPDATE SET blocked_until = greatest(blocked_ips.blocked_until, excluded.blocked_until),
                        reason = excluded.reason, incident_id = coalesce(excluded.incident_id, blocked_ips.incident_id)""")) {
                ps.setString(1, ip);
                ps.setTimestamp(2, Timestamp.from(until));
                ps.setString(3, reason);
                ps.setObject(4, incidentId.orElse(null));
                ps.setTimestamp(5, Timestamp.from(now));
                ps.executeUpdate();
            }
            audit.record(c, event(SecurityEventType.IP_BLOCKED, "block_ip", ip, orgId, actor).detail("reason", reason)
                    .detail("blocked_until", until.toString()).detail("incident_id", incidentId.map(UUID::toString).orElse(null))
                    .risk(0.7).build(now));
            return null;
        });
        reload(now);
    }

    /** Lifts a block; IP_UNBLOCKED. False when the address was not blocked. */
    public boolean unblock(String ip, Optional<UUID> orgId, Containment.Actor actor) {
        Instant now = clock.instant();
        boolean removed = db.tx(c -> {
            int n;
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM blocked_ips WHERE ip = ?")) {
                ps.setString(1, ip);
                n = ps.executeUpdate();
            }
            if (n > 0) {
                audit.record(c, event(SecurityEventType.IP_UNBLOCKED, "unblock_ip", ip, orgId, actor).build(now));
            }
            return n > 0;
        });
        reload(now);
        return removed;
    }

    private static SecurityEvent.Builder event(SecurityEventType type, String action, String ip, Optional<UUID> orgId,
                                               Containment.Actor actor) {
        // The blocked address goes in the erasable details (not the hashed resource); the caller's own in client_ip.
        SecurityEvent.Builder b = SecurityEvent.builder(type, action).resource("ip_blocklist").detail("ip", ip)
                .actor(actor.userId().orElse(null), actor.userId().isPresent() ? SecurityEvent.ActorType.USER : SecurityEvent.ActorType.SYSTEM);
        orgId.ifPresent(b::org);
        actor.clientIp().ifPresent(b::clientIp);
        actor.requestId().ifPresent(b::requestId);
        return b;
    }
}
