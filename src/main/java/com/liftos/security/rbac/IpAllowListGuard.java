package com.liftos.security.rbac;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.http.ApiException;
import com.liftos.security.http.Guard;
import com.liftos.security.http.RequestContext;
import com.liftos.security.http.Route;
import com.liftos.security.identity.Principal;
import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The gate step after authentication: an authenticated caller outside its organization's
 * {@code allowed_ip_ranges} gets 403 {@code ip_not_allowed}. One IP_BLOCKED event per org and address per
 * minute, so a blocked client cannot flood the audit log.
 */
public final class IpAllowListGuard implements Guard {
    private static final long EVENT_EVERY_MILLIS = 60_000;

    private final IpAllowList allowList;
    private final AuditLog audit;
    private final Clock clock;
    private final ConcurrentHashMap<String, Long> lastEvent = new ConcurrentHashMap<>();

    public IpAllowListGuard(IpAllowList allowList, AuditLog audit, Clock clock) {
        this.allowList = allowList;
        this.audit = audit;
        this.clock = clock;
    }

    @Override
    public void check(Route route, RequestContext request) {
        Principal p = request.principal().orElse(null);
        if (p == null || allowList.permits(p.orgId(), request.clientIp())) {
            return;
        }
        recordBlocked(p, request.clientIp(), route.name(), request.requestId());
        throw new ApiException(403, "ip_not_allowed", "Requests from this address are not allowed for this organization");
    }

    private void recordBlocked(Principal p, String ip, String resource, String requestId) {
        long now = clock.millis();
        String key = p.orgId() + "|" + ip;
        Long last = lastEvent.get(key);
        if (last != null && now - last < EVENT_EVERY_MILLIS) {
            return;
        }
        if (lastEvent.size() > 10_000) {
            lastEvent.clear();
        }
        lastEvent.put(key, now);
        audit.record(SecurityEvent.builder(SecurityEventType.IP_BLOCKED, "token_use")
                .org(p.orgId())
                .actor(p.subject(), p.kind() == Principal.Kind.USER ? SecurityEvent.ActorType.USER : SecurityEvent.ActorType.SERVICE_ACCOUNT)
                .resource(resource)
                .clientIp(ip)
                .requestId(requestId)
                .success(false)
                .detail("reason", "outside allowed_ip_ranges")
                .risk(0.6)
                .build(clock.instant()));
    }
}
