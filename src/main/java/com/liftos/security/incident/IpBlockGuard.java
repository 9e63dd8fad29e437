package com.liftos.security.incident;

import com.liftos.security.http.ApiException;
import com.liftos.security.http.Guard;
import com.liftos.security.http.RequestContext;
import com.liftos.security.http.Route;

/** The first gate step, before authentication: requests from an address on the {@link IpBlocklist} get 403 {@code ip_blocked}. */
final class IpBlockGuard implements Guard {
    private final IpBlocklist blocklist;

    IpBlockGuard(IpBlocklist blocklist) {
        this.blocklist = blocklist;
    }

    @Override
    public void check(Route route, RequestContext request) {
        if (blocklist.isBlocked(request.clientIp())) {
            throw new ApiException(403, "ip_blocked", "Requests from this address are blocked");
        }
    }
}
