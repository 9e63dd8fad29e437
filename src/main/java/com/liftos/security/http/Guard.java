package com.liftos.security.http;

/**
 * One check of the gate every route passes through, in the order {@link HttpServer} is given them
 * (authentication, tenant, permission, rate limit, risk...). A guard sees the request through its
 * {@link RequestContext} and refuses by throwing {@link ApiException}.
 */
@FunctionalInterface
public interface Guard {
    void check(Route route, RequestContext request);
}
