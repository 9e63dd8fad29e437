package com.liftos.security.http;

import io.javalin.http.Context;

/**
 * One check of the gate every route passes through, in the order {@link HttpServer} is given them
 * (authentication, tenant, permission, rate limit, risk...). A guard refuses by throwing {@link ApiException}.
 */
@FunctionalInterface
public interface Guard {
    void check(Context ctx, Route route, RequestContext request);
}
