package com.liftos.security.incident;

import com.liftos.security.http.ApiException;
import com.liftos.security.http.Guard;
import com.liftos.security.http.RequestContext;
import com.liftos.security.http.Route;

/** The first gate step, before authentication: requests from a globally blocked address ({@link IpBlocklist}) get 403 {@code ip_blocked}. */
final class IpBlockGuard implements Guard {
    private final IpBlocklist blocklist;

    IpBlockGuard(IpBlocklist blocklist) {
        this.blocklist = blocklist;
    }

    /** The one refusal of a blocked address, whichever scope blocked it. */
    static ApiException refusal() {
        return new ApiException(403, "ip_blocked", "Requests from this address are blocked");
    }

    @Override
    public void check(Route route, RequestContext request) {
        if (blocklist.isBlocked(request.clientIp())) {
            throw refusal();
        }
    }
}
