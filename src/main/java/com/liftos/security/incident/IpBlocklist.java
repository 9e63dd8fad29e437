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
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * IP addresses refused on every instance (credential stuffing, slow attacks, admin action), each entry with a
 * {@link Scope}: a global entry refuses every request from the address at the edge ({@link IpBlockGuard}); an
 * organization's entry refuses the address only to that organization: its authenticated callers
 * ({@link OrgIpBlockGuard}) and sign-ins into its accounts ({@link #isBlockedFor}, asked by the login code).
 *
 * <p>The table is the truth for both scopes: each instance re-reads every live entry at most every {@link #REFRESH}
 * and applies its own changes at once, so a block or unblock on one instance reaches the others within that time.
 */
public final class IpBlocklist {
    static final Duration REFRESH = Duration.ofSeconds(1);
    private static final UUID GLOBAL = new UUID(0, 0);
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9a-fA-F:.]{2,45}");

    private final Db db;
    private final AuditLog audit;
    private final Clock clock;
    private static final Logger LOG = LoggerFactory.getLogger(IpBlocklist.class);

    private volatile Snapshot snapshot = new Snapshot(Map.of(), Map.of(), Instant.MIN);
    private final AtomicBoolean reloading = new AtomicBoolean();

    /** Where an entry applies: every request from the address, or one organization's callers and accounts only. */
    public sealed interface Scope {
        /** The audited name: {@code global} or {@code org}. */
        String wire();

        record Global() implements Scope {
            @Override
            public String wire() {
                return "global";
            }
        }

        record Org(UUID orgId) implements Scope {
            public Org {
                Objects.requireNonNull(orgId);
            }

            @Override
            public String wire() {
                return "org";
            }
        }
    }

    private record OrgAddress(String ip, UUID orgId) {}

    private record Snapshot(Map<String, Instant> global, Map<OrgAddress, Instant> scoped, Instant readAt) {}

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

    /** Whether {@code ip} (canonical, as the edge resolves client addresses) is blocked globally. */
    public boolean isBlocked(String ip) {
        Instant now = clock.instant();
        return live(current(now).global().get(ip), now);
    }

    /**
     * Whether {@code ip} is refused to organization {@code orgId}: blocked globally or for that organization. The
     * login code asks this once it knows the account's organization (password login, MFA step, refresh).
     */
    public boolean isBlockedFor(String ip, UUID orgId) {
        Instant now = clock.instant();
        Snapshot s = current(now);
        return live(s.global().get(ip), now) || live(s.scoped().get(new OrgAddress(ip, orgId)), now);
    }

    private static boolean live(Instant until, Instant now) {
        return until != null && now.isBefore(until);
    }

    /**
     * The snapshot requests read. Only the first read waits for the database; after that a stale snapshot is
     * reloaded in the background (one reload at a time) while requests go on with the last one, so no request,
     * not even /health, waits on the database here, and a database outage never piles requests up behind reloads.
     */
    private Snapshot current(Instant now) {
        Snapshot s = snapshot;
        if (s.readAt().equals(Instant.MIN)) {
            return reload(now);
        }
        if (now.isAfter(s.readAt().plus(REFRESH)) && reloading.compareAndSet(false, true)) {
            Thread.ofVirtual().name("liftos-blocklist-reload").start(() -> {
                try {
                    reload(clock.instant());
                } catch (RuntimeException e) {
                    LOG.debug("block list reload failed: {}", e.getClass().getSimpleName());
                } finally {
                    reloading.set(false);
                }
            });
        }
        return s;
    }

    private Snapshot reload(Instant now) {
        Snapshot s = db.run(c -> {
            Map<String, Instant> global = new HashMap<>();
            Map<OrgAddress, Instant> scoped = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT ip, org_id, blocked_until FROM blocked_ips WHERE blocked_until > ?")) {
                ps.setTimestamp(1, Timestamp.from(now));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        UUID org = rs.getObject(2, UUID.class);
                        Instant until = rs.getTimestamp(3).toInstant();
                        if (org == null) {
                            global.put(rs.getString(1), until);
                        } else {
                            scoped.put(new OrgAddress(rs.getString(1), org), until);
                        }
                    }
                }
            }
            return new Snapshot(Map.copyOf(global), Map.copyOf(scoped), now);
        });
        snapshot = s;
        return s;
    }

    /**
     * Blocks {@code ip} in {@code scope} for {@code duration} (extending a shorter block of the same scope);
     * IP_BLOCKED in {@code orgId}'s trail (the organization whose incident led to it), with the scope. An
     * organization's entry is only ever that incident's organization's.
     */
    public void block(String ip, Scope scope, Duration duration, String reason, Optional<UUID> incidentId, Optional<UUID> orgId,
                      Containment.Actor actor) {
        requireOwnOrg(scope, orgId);
        Instant now = clock.instant();
        Instant until = now.plus(duration);
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO blocked_ips (ip, org_id, blocked_until, reason, incident_id, created_at) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (ip, coalesce(org_id, '00000000-0000-0000-0000-000000000000'::uuid)) DO UPDATE
                    SET blocked_until = greatest(blocked_ips.blocked_until, excluded.blocked_until),
                        reason = excluded.reason, incident_id = coalesce(excluded.incident_id, blocked_ips.incident_id)""")) {
                ps.setString(1, ip);
                ps.setObject(2, scopeOrg(scope).orElse(null));
                ps.setTimestamp(3, Timestamp.from(until));
                ps.setString(4, reason);
                ps.setObject(5, incidentId.orElse(null));
                ps.setTimestamp(6, Timestamp.from(now));
                ps.executeUpdate();
            }
            audit.record(c, event(SecurityEventType.IP_BLOCKED, "block_ip", ip, scope, orgId, actor).detail("reason", reason)
                    .detail("blocked_until", until.toString()).detail("incident_id", incidentId.map(UUID::toString).orElse(null))
                    .risk(0.7).build(now));
            return null;
        });
        reload(now);
    }

    /** Lifts the entry of {@code scope} (no other); IP_UNBLOCKED. False when there was none. */
    public boolean unblock(String ip, Scope scope, Optional<UUID> orgId, Containment.Actor actor) {
        requireOwnOrg(scope, orgId);
        Instant now = clock.instant();
        boolean removed = db.tx(c -> {
            int n;
            try (PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM blocked_ips WHERE ip = ? AND coalesce(org_id, '00000000-0000-0000-0000-000000000000'::uuid) = ?")) {
                ps.setString(1, ip);
                ps.setObject(2, scopeOrg(scope).orElse(GLOBAL));
                n = ps.executeUpdate();
            }
            if (n > 0) {
                audit.record(c, event(SecurityEventType.IP_UNBLOCKED, "unblock_ip", ip, scope, orgId, actor).build(now));
            }
            return n > 0;
        });
        reload(now);
        return removed;
    }

    private static Optional<UUID> scopeOrg(Scope scope) {
        return scope instanceof Scope.Org o ? Optional.of(o.orgId()) : Optional.empty();
    }

    /** An organization's entry is written on behalf of that organization only; anything else is a bug of the caller. */
    private static void requireOwnOrg(Scope scope, Optional<UUID> orgId) {
        if (scope instanceof Scope.Org o && !orgId.equals(Optional.of(o.orgId()))) {
            throw new IllegalArgumentException("an organization's block is written in that organization's name");
        }
    }

    private static SecurityEvent.Builder event(SecurityEventType type, String action, String ip, Scope scope, Optional<UUID> orgId,
                                               Containment.Actor actor) {
        // The blocked address goes in the erasable details (not the hashed resource); the caller's own in client_ip.
        SecurityEvent.Builder b = SecurityEvent.builder(type, action).resource("ip_blocklist").detail("ip", ip)
                .detail("scope", scope.wire())
                .actor(actor.userId().orElse(null), actor.userId().isPresent() ? SecurityEvent.ActorType.USER : SecurityEvent.ActorType.SYSTEM);
        orgId.ifPresent(b::org);
        actor.clientIp().ifPresent(b::clientIp);
        actor.requestId().ifPresent(b::requestId);
        return b;
    }
}
