package com.liftos.security.incident;

import com.liftos.security.http.Guard;
import com.liftos.security.http.RequestContext;
import com.liftos.security.http.Route;
import com.liftos.security.identity.Principal;

/**
 * The gate step right after authentication: an authenticated caller whose organization has blocked the client
 * address ({@link IpBlocklist.Scope.Org}) gets 403 {@code ip_blocked}, as a globally blocked address does before
 * routing. Callers of other organizations from the same address are served.
 */
final class OrgIpBlockGuard implements Guard {
    private final IpBlocklist blocklist;

    OrgIpBlockGuard(IpBlocklist blocklist) {
        this.blocklist = blocklist;
    }

    @Override
    public void check(Route route, RequestContext request) {
        Principal p = request.principal().orElse(null);
        if (p != null && blocklist.isBlockedFor(request.clientIp(), p.orgId())) {
            throw IpBlockGuard.refusal();
        }
    }
}
